/**
 * Outgoing HTTPS calls to the service: change notifications (batched per subscription, retried with back-off when
 * the receiver fails or takes more than 3 s), lifecycle notifications, and the POST used by the subscription
 * validation handshake. Receivers are trusted the way the emulator's process trusts servers (system CAs plus
 * NODE_EXTRA_CA_CERTS), plus the emulator's own CA: the demo's service has a certificate from it even when this
 * process was started trusting another CA (npm start under jest, whose NODE_EXTRA_CA_CERTS is the repository's).
 * Never throws into its timers: failures are recorded in the delivery log.
 */
import { existsSync, readFileSync } from 'node:fs';
import https from 'node:https';
import tls from 'node:tls';
import { etag, instanceId, instanceOf } from './events';
import type { ChangeEvent, Store, Subscription } from './store';
import { isoUtc } from './timezones';

export interface DeliveryLogEntry {
  at: string;
  subscriptionId: string;
  url: string;
  kind: 'notification' | 'lifecycle' | 'validation';
  attempt: number;
  items: number;
  status?: number;
  error?: string;
  durationMs: number;
}

interface PostResult { status: number; body: string; contentType: string }

export interface NotificationItem {
  subscriptionId: string;
  subscriptionExpirationDateTime: string;
  changeType: string;
  resource: string;
  resourceData: Record<string, unknown>;
  clientState: string | null;
  tenantId: string;
}

export class Notifier {
  deliveries: DeliveryLogEntry[] = [];
  private queues = new Map<string, { items: NotificationItem[]; timer: NodeJS.Timeout }>();
  private timers = new Set<NodeJS.Timeout>();
  private inflight = new Set<Promise<unknown>>();
  private stopped = false;
  /** Subscriptions whose receiver was slow last time: their next batch waits until this time. */
  private heldUntil = new Map<string, number>();
  private agent: https.Agent;

  constructor(private store: Store, caPem: string | undefined) {
    // An explicit `ca` replaces Node's default list, so the extra CA file is read back into it. Our CA comes first:
    // another local CA (another data folder) bears the same name, and the first of that name is the one tried.
    // The context is built once: given as `ca`, the ~150 certificates would be parsed again for every connection
    // (each handshake and each delivery opens one), which made the emulator its own bottleneck at 2,000 mailboxes.
    const extraFile = process.env.NODE_EXTRA_CA_CERTS;
    const extra = extraFile && existsSync(extraFile) ? [readFileSync(extraFile, 'utf8')] : [];
    const secureContext = caPem ? tls.createSecureContext({ ca: [caPem, ...tls.rootCertificates, ...extra.filter((p) => p.trim() !== caPem.trim())] }) : undefined;
    this.agent = new https.Agent({ keepAlive: false, ...(secureContext ? { secureContext } : {}) });
    store.on('change', (c: ChangeEvent) => this.onChange(c));
    store.on('reset', () => this.clear());
  }

  /** POSTs a body to an HTTPS URL with a time limit; rejects on network errors and time-outs. */
  post(url: string, body: string, contentType: string, timeoutMs: number): Promise<PostResult> {
    return new Promise((resolve, reject) => {
      let u: URL;
      try {
        u = new URL(url);
      } catch {
        reject(new Error(`Invalid URL ${url}`));
        return;
      }
      if (u.protocol !== 'https:') {
        reject(new Error('Notification URLs must use https.'));
        return;
      }
      const req = https.request(u, { method: 'POST', agent: this.agent, headers: { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), contentType: String(res.headers['content-type'] ?? '') });
        });
        res.on('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
      });
      const timer = setTimeout(() => req.destroy(new Error(`No answer within ${timeoutMs} ms.`)), timeoutMs);
      req.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      req.end(body);
    });
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inflight.add(p);
    p.finally(() => this.inflight.delete(p)).catch(() => undefined);
    return p;
  }

  private onChange(c: ChangeEvent): void {
    const now = Date.now();
    for (const sub of this.store.subscriptions.values()) {
      if (sub.userId !== c.userId || sub.expirationMs <= now) continue;
      if (!sub.changeType.split(',').map((s) => s.trim()).includes(c.changeType)) continue;
      if (this.store.takeFault(c.userId, 'dropNotifications')) continue;
      const id = c.dateKey ? instanceId({ ev: c.event, dateKey: c.dateKey }, sub.immutableIds) : sub.immutableIds ? c.event.immutableId : c.event.id;
      const inst = c.changeType === 'deleted' ? undefined : instanceOf(this.store, { ev: c.event, dateKey: c.dateKey });
      const resource = `Users/${sub.userId}/Events/${id}`;
      this.enqueue(sub, {
        subscriptionId: sub.id,
        subscriptionExpirationDateTime: isoUtc(sub.expirationMs).replace(/Z$/, '+00:00'),
        changeType: c.changeType,
        resource,
        resourceData: { '@odata.type': '#Microsoft.Graph.Event', '@odata.id': resource, '@odata.etag': etag(inst?.changeKey ?? c.event.changeKey), id },
        clientState: sub.clientState ?? null,
        tenantId: sub.tenantId,
      });
    }
  }

  private enqueue(sub: Subscription, item: NotificationItem): void {
    const q = this.queues.get(sub.id);
    if (q) {
      q.items.push(item);
      return;
    }
    // Changes that come together leave in one POST, as Graph batches them; a slow receiver waits longer.
    const held = Math.max(0, (this.heldUntil.get(sub.id) ?? 0) - Date.now());
    const timer = setTimeout(() => {
      const batch = this.queues.get(sub.id);
      this.queues.delete(sub.id);
      if (batch) this.track(this.deliver(sub.id, sub.notificationUrl, 'notification', { value: batch.items }, 1));
    }, this.store.settings.notificationBatchDelayMs + held);
    this.queues.set(sub.id, { items: [item], timer });
  }

  private async deliver(subscriptionId: string, url: string, kind: 'notification' | 'lifecycle', payload: { value: unknown[] }, attempt: number): Promise<void> {
    if (this.stopped) return;
    const started = Date.now();
    const entry: DeliveryLogEntry = { at: new Date(started).toISOString(), subscriptionId, url, kind, attempt, items: payload.value.length, durationMs: 0 };
    try {
      const r = await this.post(url, JSON.stringify(payload), 'application/json; charset=utf-8', this.store.settings.notificationTimeoutMs);
      entry.status = r.status;
      if (r.status >= 200 && r.status < 300) return;
      entry.error = `HTTP ${r.status}`;
    } catch (e) {
      entry.error = (e as Error).message;
    } finally {
      entry.durationMs = Date.now() - started;
      this.deliveries.push(entry);
      if (entry.durationMs > this.store.settings.slowNotificationMs) this.heldUntil.set(subscriptionId, Date.now() + this.store.settings.slowEndpointPenaltyMs);
      else this.heldUntil.delete(subscriptionId);
    }
    const delays = this.store.settings.notificationRetryDelaysMs;
    if (attempt > delays.length || this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      // A subscription deleted meanwhile gets no more retries.
      if (kind === 'notification' && !this.store.subscriptions.has(subscriptionId)) return;
      this.track(this.deliver(subscriptionId, url, kind, payload, attempt + 1));
    }, delays[attempt - 1]);
    this.timers.add(timer);
  }

  async sendLifecycle(sub: Subscription, lifecycleEvent: 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed'): Promise<void> {
    const url = sub.lifecycleNotificationUrl;
    if (!url) throw new Error(`Subscription ${sub.id} has no lifecycleNotificationUrl: Graph sends lifecycle notifications only there.`);
    const item = {
      subscriptionId: sub.id,
      subscriptionExpirationDateTime: isoUtc(sub.expirationMs).replace(/Z$/, '+00:00'),
      tenantId: sub.tenantId,
      clientState: sub.clientState ?? null,
      lifecycleEvent,
    };
    await this.track(this.deliver(sub.id, url, 'lifecycle', { value: [item] }, 1));
  }

  /** Resolves when no notification is queued or being delivered (scheduled retries excepted). */
  async idle(): Promise<void> {
    for (let i = 0; i < 1000; i++) {
      if (this.queues.size === 0 && this.inflight.size === 0) return;
      await Promise.race([...this.inflight, new Promise((r) => setTimeout(r, 10))]).catch(() => undefined);
    }
  }

  clear(): void {
    for (const q of this.queues.values()) clearTimeout(q.timer);
    this.queues.clear();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.heldUntil.clear();
    this.deliveries = [];
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.clear();
    await Promise.allSettled([...this.inflight]);
    this.agent.destroy();
  }
}
