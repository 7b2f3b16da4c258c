/**
 * Outlook's per-mailbox limits (concepts/throttling-limits.md): at most 4 concurrent requests per mailbox, and
 * 10,000 requests per 10 minutes per app and mailbox (both settable). Over a limit Graph answers 429 with
 * Retry-After (seconds) and code ApplicationThrottled.
 */
import type { Store } from './store';

export type ThrottleVerdict = { ok: true; release: () => void } | { ok: false; limit: 'MailboxConcurrency' | 'MailboxRateLimit'; retryAfterSeconds: number };

export class Throttle {
  private inFlight = new Map<string, number>();
  private windows = new Map<string, number[]>();

  constructor(private store: Store) {
    store.on('reset', () => {
      this.inFlight.clear();
      this.windows.clear();
    });
  }

  acquire(userId: string, appId: string, nowMs = Date.now()): ThrottleVerdict {
    const s = this.store.settings;
    const key = `${appId}|${userId}`;
    let w = this.windows.get(key);
    if (!w) {
      w = [];
      this.windows.set(key, w);
    }
    while (w.length && w[0] <= nowMs - s.rateWindowMs) w.shift();
    if (w.length >= s.rateLimit) {
      return { ok: false, limit: 'MailboxRateLimit', retryAfterSeconds: Math.max(1, Math.ceil((w[0] + s.rateWindowMs - nowMs) / 1000)) };
    }
    const n = this.inFlight.get(userId) ?? 0;
    if (n >= s.concurrencyLimit) return { ok: false, limit: 'MailboxConcurrency', retryAfterSeconds: s.throttleRetryAfterSeconds };
    w.push(nowMs);
    this.inFlight.set(userId, n + 1);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.inFlight.set(userId, Math.max(0, (this.inFlight.get(userId) ?? 1) - 1));
      },
    };
  }

  inFlightOf(userId: string): number {
    return this.inFlight.get(userId) ?? 0;
  }
}
