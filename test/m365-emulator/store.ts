/**
 * The emulator's in-memory world: tenants, app registrations, users with their mailboxes (events, series and their
 * exceptions), subscriptions, delta sync states, faults, the request log and per-mailbox counters. Mutations of
 * events go through `changed()` so that notifications fire whether the change came from Graph or from "Outlook"
 * (the control API).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { PatternedRecurrence } from './recurrence';

export interface Tenant { id: string; name: string }

export interface App {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  displayName: string;
  /** Application permissions granted (app roles on Graph), e.g. Calendars.ReadWrite. */
  roles: string[];
  /** Redirect URIs accepted by the authorisation-code flow; empty = any loopback/https URI. */
  redirectUris: string[];
}

export interface User {
  id: string;
  tenantId: string;
  userPrincipalName: string;
  mail: string;
  displayName: string;
  /** Mailbox time zone (Windows or IANA name). */
  timeZone: string;
}

export interface ExtendedProperty { id: string; value: string }

export interface ExceptionData {
  /** Overridden event fields (subject, showAs…). */
  fields: Record<string, unknown>;
  startMs?: number;
  endMs?: number;
  cancelled: boolean;
  changeKey: string;
  createdMs: number;
  lastModifiedMs: number;
}

export interface StoredEvent {
  id: string;
  immutableId: string;
  userId: string;
  iCalUId: string;
  transactionId?: string;
  createdMs: number;
  lastModifiedMs: number;
  changeKey: string;
  startMs: number;
  endMs: number;
  startTimeZone: string;
  endTimeZone: string;
  isAllDay: boolean;
  /** Plain Graph properties as given (subject, body, showAs, sensitivity, isCancelled, categories, attendees…). */
  fields: Record<string, unknown>;
  recurrence: PatternedRecurrence | null;
  extendedProperties: ExtendedProperty[];
  /** Exceptions of a series, keyed by the occurrence's original local date (YYYY-MM-DD). */
  exceptions: Map<string, ExceptionData>;
}

export interface Subscription {
  id: string;
  tenantId: string;
  applicationId: string;
  userId: string;
  resource: string;
  changeType: string;
  notificationUrl: string;
  lifecycleNotificationUrl?: string;
  clientState?: string;
  expirationMs: number;
  immutableIds: boolean;
  latestSupportedTlsVersion: string;
}

export interface DeltaState {
  id: string;
  userId: string;
  windowStart: number;
  windowEnd: number;
  /** What the client holds after this token: instance id → changeKey. */
  known: Map<string, string>;
  immutableIds: boolean;
  /** Pending pages of the round in progress (items still to send), when this state is a nextLink cursor. */
  pending?: { items: unknown[]; final: Map<string, string> };
  createdMs: number;
}

export type Fault =
  /** The next `count` Graph calls on the mailbox (optionally only those of one kind) answer this status. */
  | { kind: 'status'; status: number; count: number; retryAfterSeconds?: number; callKind?: string; code?: string; message?: string }
  /** Adds latency to the next `count` calls (all calls when count is omitted). */
  | { kind: 'latency'; ms: number; count?: number }
  /** Drops the next `count` change notifications of the mailbox (all when omitted). */
  | { kind: 'dropNotifications'; count?: number }
  /** The next delta round(s) insert `count` empty pages before the data. */
  | { kind: 'deltaEmptyPages'; count: number }
  /** The next `count` delta pages repeat an item already sent. */
  | { kind: 'deltaReplay'; count: number };

export interface RequestLogEntry {
  at: string;
  method: string;
  path: string;
  /** The call's kind, e.g. events.create, calendarView.delta, subscriptions.create, token. */
  kind: string;
  status: number;
  userId?: string;
  appId?: string;
  inBatch: boolean;
  clientRequestId?: string;
  durationMs: number;
}

export interface ChangeEvent {
  userId: string;
  /** The stored (single or master) event. */
  event: StoredEvent;
  changeType: 'created' | 'updated' | 'deleted';
  source: 'graph' | 'outlook';
  /** Set when the change concerns one occurrence of a series. */
  dateKey?: string;
}

export interface EmulatorSettings {
  subscriptionMaxMinutes: number;
  concurrencyLimit: number;
  rateLimit: number;
  rateWindowMs: number;
  throttleRetryAfterSeconds: number;
  tokenLifetimeSeconds: number;
  notificationBatchDelayMs: number;
  /** Delays between delivery attempts of one notification batch; Graph keeps retrying for up to 4 hours. */
  notificationRetryDelaysMs: number[];
  notificationTimeoutMs: number;
  validationTimeoutMs: number;
  deltaTokenLifetimeMs: number;
  defaultPageSize: number;
  /** calendarView/delta also returns the series master next to its occurrences. */
  deltaIncludesSeriesMaster: boolean;
  /**
   * When > 0, a create with a transactionId waits this long between its duplicate check and its insert, so that
   * concurrent creates with the same transactionId both succeed (a race observed against the real service).
   */
  transactionIdRaceMs: number;
  /** How many steps of one $batch run at once (see batch.ts for why this is a setting). */
  batchParallelism: number;
  /** A receiver slower than this to acknowledge counts as a slow endpoint (concepts/change-notifications-delivery-webhooks.md). */
  slowNotificationMs: number;
  /** How long the next notifications of a slow endpoint are held back (the emulator's form of "throttled"). */
  slowEndpointPenaltyMs: number;
  /** Shuffle the items of each delta round: Graph promises no order. */
  deltaShuffle: boolean;
  /**
   * Time every Graph call takes before it is answered (0 in tests). About 100 ms in the benchmark, as against
   * Microsoft, so that the concurrency limit and $batch matter as they do there. A call holds its mailbox's
   * concurrency slot meanwhile; the steps of a $batch each wait, in parallel.
   */
  baselineLatencyMs: number;
  /** Each call waits baselineLatencyMs ± a uniform random amount up to this (never below 0). */
  latencySpreadMs: number;
}

export const DEFAULT_SETTINGS: EmulatorSettings = {
  // Outlook event subscriptions: 4230 minutes in microsoftgraph docs (resources/subscription.md).
  subscriptionMaxMinutes: 4230,
  // concepts/throttling-limits.md, Outlook service limits.
  concurrencyLimit: 4,
  rateLimit: 10_000,
  rateWindowMs: 10 * 60_000,
  throttleRetryAfterSeconds: 1,
  tokenLifetimeSeconds: 3599,
  notificationBatchDelayMs: 50,
  // Back-off whose sum is about 4 hours, the span over which Graph keeps retrying a failing receiver.
  notificationRetryDelaysMs: [1000, 5000, 30_000, 5 * 60_000, 20 * 60_000, 35 * 60_000, 60 * 60_000, 2 * 60 * 60_000],
  notificationTimeoutMs: 3000,
  validationTimeoutMs: 10_000,
  deltaTokenLifetimeMs: 7 * 24 * 3600_000,
  defaultPageSize: 10,
  deltaIncludesSeriesMaster: false,
  transactionIdRaceMs: 0,
  batchParallelism: 20,
  slowNotificationMs: 2900,
  slowEndpointPenaltyMs: 10_000,
  deltaShuffle: false,
  baselineLatencyMs: 0,
  latencySpreadMs: 0,
};

export function newRestId(): string {
  return 'AAMkAG' + randomBytes(36).toString('base64url') + 'AAA=';
}
export function newImmutableId(): string {
  return 'AAkALg' + randomBytes(36).toString('base64url') + 'AAA=';
}
export function newChangeKey(): string {
  return randomBytes(24).toString('base64');
}
export function newICalUId(): string {
  return '040000008200E00074C5B7101A82E00800000000' + randomBytes(28).toString('hex').toUpperCase();
}

const OCC_REST = 'AAMkOC';
const OCC_IMMUTABLE = 'AAkAOC';

export function occurrenceId(masterId: string, dateKey: string, immutable: boolean): string {
  return (immutable ? OCC_IMMUTABLE : OCC_REST) + Buffer.from(`${masterId}|${dateKey}`).toString('base64url');
}

export function parseOccurrenceId(id: string): { masterId: string; dateKey: string } | undefined {
  if (!id.startsWith(OCC_REST) && !id.startsWith(OCC_IMMUTABLE)) return undefined;
  const raw = Buffer.from(id.slice(6), 'base64url').toString();
  const i = raw.lastIndexOf('|');
  if (i < 0) return undefined;
  return { masterId: raw.slice(0, i), dateKey: raw.slice(i + 1) };
}

export class Store extends EventEmitter {
  tenants = new Map<string, Tenant>();
  apps = new Map<string, App>();
  users = new Map<string, User>();
  events = new Map<string, Map<string, StoredEvent>>();
  /** immutable id → rest id, per user */
  immutableIndex = new Map<string, string>();
  /** rest id → immutable id of deleted events, so late answers (@removed) can name them in either form. */
  tombstones = new Map<string, string>();
  subscriptions = new Map<string, Subscription>();
  deltaStates = new Map<string, DeltaState>();
  faults = new Map<string, Fault[]>();
  requestLog: RequestLogEntry[] = [];
  counters = new Map<string, Map<string, number>>();
  /** Creates in flight per (user, transactionId): serialises concurrent creates with the same key. */
  pendingTransactions = new Map<string, Promise<unknown>>();
  authCodes = new Map<string, { clientId: string; tenantId: string; userId: string; redirectUri: string; scope: string; codeChallenge?: string; codeChallengeMethod?: string; nonce?: string; expiresMs: number }>();

  constructor(public settings: EmulatorSettings) {
    super();
  }

  reset(): void {
    this.tenants.clear();
    this.apps.clear();
    this.users.clear();
    this.events.clear();
    this.immutableIndex.clear();
    this.tombstones.clear();
    this.subscriptions.clear();
    this.deltaStates.clear();
    this.faults.clear();
    this.requestLog = [];
    this.counters.clear();
    this.pendingTransactions.clear();
    this.authCodes.clear();
    this.emit('reset');
  }

  createTenant(opts: { id?: string; name: string }): Tenant {
    const t = { id: opts.id ?? randomUUID(), name: opts.name };
    this.tenants.set(t.id, t);
    return t;
  }

  createApp(opts: { tenantId: string; clientId?: string; clientSecret?: string; roles: string[]; displayName?: string; redirectUris?: string[] }): App {
    if (!this.tenants.has(opts.tenantId)) throw new Error(`Unknown tenant ${opts.tenantId}: create it first with createTenant.`);
    const app: App = {
      tenantId: opts.tenantId,
      clientId: opts.clientId ?? randomUUID(),
      clientSecret: opts.clientSecret ?? randomBytes(30).toString('base64url'),
      displayName: opts.displayName ?? 'rdv-outlook',
      roles: [...opts.roles],
      redirectUris: opts.redirectUris ?? [],
    };
    this.apps.set(app.clientId, app);
    return app;
  }

  createUser(opts: { tenantId: string; userPrincipalName: string; displayName: string; timeZone?: string; id?: string; mail?: string }): User {
    if (!this.tenants.has(opts.tenantId)) throw new Error(`Unknown tenant ${opts.tenantId}: create it first with createTenant.`);
    const u: User = {
      id: opts.id ?? randomUUID(),
      tenantId: opts.tenantId,
      userPrincipalName: opts.userPrincipalName,
      mail: opts.mail ?? opts.userPrincipalName,
      displayName: opts.displayName,
      timeZone: opts.timeZone ?? 'Romance Standard Time',
    };
    this.users.set(u.id, u);
    this.events.set(u.id, new Map());
    return u;
  }

  /** A user by id or UPN/mail (case-insensitive), as Graph resolves /users/{id | userPrincipalName}. */
  findUser(idOrUpn: string): User | undefined {
    const direct = this.users.get(idOrUpn);
    if (direct) return direct;
    const lower = idOrUpn.toLowerCase();
    for (const u of this.users.values()) {
      if (u.id.toLowerCase() === lower || u.userPrincipalName.toLowerCase() === lower || u.mail.toLowerCase() === lower) return u;
    }
    return undefined;
  }

  mailbox(userId: string): Map<string, StoredEvent> {
    let m = this.events.get(userId);
    if (!m) {
      m = new Map();
      this.events.set(userId, m);
    }
    return m;
  }

  /** A stored (single or master) event by rest or immutable id. */
  findEvent(userId: string, id: string): StoredEvent | undefined {
    const m = this.mailbox(userId);
    return m.get(id) ?? m.get(this.immutableIndex.get(id) ?? '');
  }

  putEvent(ev: StoredEvent): void {
    this.mailbox(ev.userId).set(ev.id, ev);
    this.immutableIndex.set(ev.immutableId, ev.id);
  }

  removeEvent(ev: StoredEvent): void {
    this.mailbox(ev.userId).delete(ev.id);
    this.immutableIndex.delete(ev.immutableId);
    this.tombstones.set(ev.id, ev.immutableId);
  }

  changed(change: ChangeEvent): void {
    this.emit('change', change);
  }

  count(userId: string | undefined, kind: string): void {
    const key = userId ?? '-';
    let c = this.counters.get(key);
    if (!c) {
      c = new Map();
      this.counters.set(key, c);
    }
    c.set(kind, (c.get(kind) ?? 0) + 1);
  }

  faultsOf(userId: string): Fault[] {
    let f = this.faults.get(userId);
    if (!f) {
      f = [];
      this.faults.set(userId, f);
    }
    return f;
  }

  /** Takes one unit of the first matching fault (removing it when used up). */
  takeFault<K extends Fault['kind']>(userId: string, kind: K, pred: (f: Extract<Fault, { kind: K }>) => boolean = () => true): Extract<Fault, { kind: K }> | undefined {
    const list = this.faults.get(userId);
    if (!list) return undefined;
    const i = list.findIndex((f) => f.kind === kind && pred(f as Extract<Fault, { kind: K }>));
    if (i < 0) return undefined;
    const f = list[i] as Extract<Fault, { kind: K }> & { count?: number };
    if (typeof f.count === 'number') {
      f.count -= 1;
      if (f.count <= 0) list.splice(i, 1);
    }
    return f;
  }
}
