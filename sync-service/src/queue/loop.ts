/**
 * The work loop every queue of the service runs on (the sync's `jobs`, the reminders' `reminder_jobs`): `concurrency`
 * lanes share a local buffer refilled by one claim at a time as soon as it holds fewer items than lanes, so lanes never
 * wait for the slowest item of a batch; idle lanes share one wait, cut short by a NOTIFY on the queue channel (an
 * enqueue wakes the loop at once instead of at the next poll). On stop, items claimed but not started are released
 * rather than left to their lease. What "claim" and "release" mean (which table, which lease) is the queue's own.
 * The loop never throws: errors go to the logger.
 */
import type { Logger } from 'pino';
import { listenForNotifications } from '../data/db';

/** Wakes idle loops at once (delivered when the enqueuing transaction commits). */
export const QUEUE_CHANNEL = 'rdv_jobs';

export interface WorkLoopOptions<T> {
  /** Claims up to `limit` due items (with their lease). */
  claim(limit: number): Promise<T[]>;
  /** Works on one item; must not throw (a thrown error is logged and the item is left to its lease). */
  run(item: T): Promise<void>;
  /** Gives back items claimed but not started. */
  release(items: T[]): Promise<void>;
  concurrency: number;
  /** Items claimed at once (at least `concurrency`). */
  batchSize?: number;
  pollMs: number;
  /** For LISTEN on QUEUE_CHANNEL; without it the loop only polls. */
  databaseUrl?: string;
  logger: Logger;
  name: string;
}

export interface WorkLoop {
  start(): void;
  /** Stops claiming, lets running items finish, releases the unstarted ones. */
  stop(): Promise<void>;
  /** Items being worked on now. */
  busy(): number;
  /** Whether the last claim found nothing (tests, benchmarks). */
  drained(): boolean;
  wake(): void;
}

/** 30 s, 2 min, 8 min… for base 30 s: each retry waits four times longer, so an outage has time to pass. */
export function backoffMs(baseMs: number, attempt: number, capMs = 6 * 3_600_000): number {
  return Math.min(baseMs * 4 ** Math.max(0, attempt - 1), capMs);
}

export function createWorkLoop<T>(opts: WorkLoopOptions<T>): WorkLoop {
  const log = opts.logger;
  const buffer: T[] = [];
  const sleepers = new Set<() => void>();
  let running = false;
  let loop: Promise<void> | null = null;
  let busy = 0;
  let lastClaimEmpty = false;
  let listener: { close(): Promise<void> } | null = null;
  const wakeAll = () => { for (const wake of [...sleepers]) wake(); };

  async function run(): Promise<void> {
    let claiming: Promise<void> | null = null;
    const refill = () => {
      claiming ??= opts.claim(Math.max(opts.batchSize ?? opts.concurrency, opts.concurrency))
        .then((items) => { lastClaimEmpty = items.length === 0; buffer.push(...items); })
        .catch((err) => { log.error({ err: (err as Error).message, queue: opts.name }, 'queue: could not claim; retrying'); })
        .finally(() => { claiming = null; });
      return claiming;
    };
    let sleeping: Promise<void> | null = null;
    const idle = () => (sleeping ??= new Promise<void>((resolve) => {
      const wake = () => { clearTimeout(t); sleepers.delete(wake); sleeping = null; resolve(); };
      const t = setTimeout(wake, opts.pollMs);
      sleepers.add(wake);
    }));
    const lane = async () => {
      while (running) {
        if (buffer.length < opts.concurrency) void refill();
        const item = buffer.shift();
        if (item !== undefined) {
          busy++;
          try {
            await opts.run(item);
          } catch (err) {
            log.error({ err: (err as Error).message, queue: opts.name }, 'queue: an item failed unexpectedly; it comes back when its lease expires');
          } finally {
            busy--;
          }
          continue;
        }
        if (claiming) { await claiming; if (buffer.length > 0) continue; }
        if (running) await idle();
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency }, lane));
    await claiming;
    await opts.release(buffer.splice(0)).catch((err) =>
      log.error({ err: (err as Error).message, queue: opts.name }, 'queue: could not release claimed items; they come back when their lease expires'));
  }

  return {
    start() {
      if (running) return;
      running = true;
      loop = run();
      if (opts.databaseUrl) {
        listenForNotifications(opts.databaseUrl, QUEUE_CHANNEL, wakeAll)
          .then((l) => { if (running) listener = l; else void l.close(); })
          .catch((err) => log.warn({ err: (err as Error).message, queue: opts.name }, 'queue: LISTEN unavailable, polling only'));
      }
    },
    async stop() {
      running = false;
      wakeAll();
      await loop;
      loop = null;
      await listener?.close();
      listener = null;
    },
    busy: () => busy,
    drained: () => lastClaimEmpty && buffer.length === 0,
    wake: wakeAll,
  };
}
