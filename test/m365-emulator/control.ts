/**
 * The control side of the emulator, for tests and demos: build tenants, apps and users; act as the user in Outlook
 * (these changes notify like any other); inject faults per mailbox; read the request log, counters and deliveries;
 * issue tokens; reset. Available in-process (EmulatorControl) and over HTTP under /_emulator/ — a path Graph
 * tokens never open: any request carrying an Authorization header is refused there.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { expireDeltaTokens } from './delta';
import type { EntraEndpoints } from './entra';
import { createEvent, deleteEvent, EventError, instanceOf, locate, serialize, updateEvent } from './events';
import { readBody, sendJson } from './http-util';
import type { DeliveryLogEntry, Notifier } from './notifier';
import type { EmulatorSettings, Fault, RequestLogEntry, Store, Tenant, User } from './store';
import { serializeSubscription } from './subscriptions';
import type { TokenService } from './tokens';

export type LifecycleEvent = 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed';

/** The agent editing their calendar in Outlook. Events come back as Graph would serialise them (UTC). */
export interface OutlookUser {
  create(event: Record<string, unknown>): Promise<Record<string, unknown>>;
  update(eventId: string, patch: Record<string, unknown>): Promise<Record<string, unknown>>;
  delete(eventId: string): Promise<void>;
  get(eventId: string, opts?: { immutableId?: boolean; timeZone?: string }): Record<string, unknown> | undefined;
  list(opts?: { immutableId?: boolean; timeZone?: string }): Record<string, unknown>[];
}

/** Faults that act at once rather than on later calls. */
export type FaultAction = { kind: 'expireDeltaTokens' } | { kind: 'removeSubscription'; subscriptionId?: string };

export interface AppCredentials { tenantId: string; clientId: string; clientSecret: string; roles: string[] }

export interface EmulatorControl {
  createTenant(opts: { id?: string; name: string }): Tenant;
  createApp(opts: { tenantId: string; clientId?: string; clientSecret?: string; roles: string[]; displayName?: string; redirectUris?: string[] }): AppCredentials;
  createUser(opts: { tenantId: string; userPrincipalName: string; displayName: string; timeZone?: string; id?: string; mail?: string }): User;
  users(tenantId?: string): User[];
  userEvent(userId: string): OutlookUser;
  /** Queues a fault for the mailbox; the two immediate actions (expire its delta tokens, remove its subscriptions) are accepted too. */
  injectFault(userId: string, fault: Fault | FaultAction): void;
  clearFaults(userId?: string): void;
  requestLog(filter?: { userId?: string; kind?: string }): RequestLogEntry[];
  clearRequestLog(): void;
  counters(userId: string): Record<string, number>;
  notificationLog(): DeliveryLogEntry[];
  /** Waits until queued notifications have been delivered (or have failed once). */
  flushNotifications(): Promise<void>;
  expireDeltaTokens(userId: string): number;
  subscriptions(userId?: string): Record<string, unknown>[];
  removeSubscription(id: string): boolean;
  sendLifecycle(subscriptionId: string, event: LifecycleEvent): Promise<void>;
  issueUserToken(opts: { tenantId: string; userId: string; audience: string; scopes?: string[]; clientId?: string; expiresInSeconds?: number; extraClaims?: Record<string, unknown> }): Promise<string>;
  issueAppToken(opts: { clientId: string; resource?: string; expiresInSeconds?: number; nowMs?: number }): Promise<string>;
  /** https://127.0.0.1:<port>/<tenantId> */
  authority(tenantId: string): string;
  /** The JSON string msal-node wants as `authorityMetadata`. */
  authorityMetadata(tenantId: string): string;
  settings(patch?: Partial<EmulatorSettings>): EmulatorSettings;
  reset(): void;
}

export function createControl(store: Store, tokens: TokenService, notifier: Notifier, entra: EntraEndpoints): EmulatorControl {
  const userOrThrow = (userId: string): User => {
    const u = store.findUser(userId);
    if (!u) throw new Error(`Unknown user ${userId}: create it with createUser.`);
    return u;
  };
  const ser = (inst: Parameters<typeof serialize>[0], opts?: { immutableId?: boolean; timeZone?: string }) => serialize(inst, { timeZone: opts?.timeZone ?? 'UTC', immutable: opts?.immutableId ?? false, expandExtended: () => true });
  const control: EmulatorControl = {
    createTenant: (o) => store.createTenant(o),
    createApp: (o) => {
      const a = store.createApp(o);
      return { tenantId: a.tenantId, clientId: a.clientId, clientSecret: a.clientSecret, roles: a.roles };
    },
    createUser: (o) => store.createUser(o),
    users: (tenantId) => [...store.users.values()].filter((u) => !tenantId || u.tenantId === tenantId),
    userEvent: (userId) => ({
      async create(event) {
        const { ev } = await createEvent(store, userOrThrow(userId), event, 'outlook');
        return ser(instanceOf(store, { ev })!);
      },
      async update(eventId, patch) {
        const user = userOrThrow(userId);
        const loc = locate(store, user.id, eventId);
        if (!loc) throw new EventError(404, 'ErrorItemNotFound', `No event ${eventId} in the mailbox of ${user.userPrincipalName}.`);
        return ser(updateEvent(store, user, loc, patch, 'outlook'));
      },
      async delete(eventId) {
        const user = userOrThrow(userId);
        const loc = locate(store, user.id, eventId);
        if (!loc) throw new EventError(404, 'ErrorItemNotFound', `No event ${eventId} in the mailbox of ${user.userPrincipalName}.`);
        deleteEvent(store, user, loc, 'outlook');
      },
      get(eventId, opts) {
        const user = userOrThrow(userId);
        const loc = locate(store, user.id, eventId);
        const inst = loc && instanceOf(store, loc);
        return inst ? ser(inst, opts) : undefined;
      },
      list(opts) {
        const user = userOrThrow(userId);
        return [...store.mailbox(user.id).values()].map((ev) => ser(instanceOf(store, { ev })!, opts));
      },
    }),
    injectFault: (userId, fault) => {
      const user = userOrThrow(userId);
      const kinds = ['status', 'latency', 'dropNotifications', 'deltaEmptyPages', 'deltaReplay', 'expireDeltaTokens', 'removeSubscription'];
      if (!fault || !kinds.includes(fault.kind)) throw new Error(`Unknown fault kind '${(fault as { kind?: string })?.kind}': use one of ${kinds.join(', ')}.`);
      if (fault.kind === 'status' && !(Number.isInteger(fault.status) && fault.status >= 400 && Number(fault.count) > 0)) throw new Error('A status fault needs status (≥ 400) and count (> 0).');
      if (fault.kind === 'expireDeltaTokens') {
        expireDeltaTokens(store, user.id);
      } else if (fault.kind === 'removeSubscription') {
        for (const s of [...store.subscriptions.values()]) if (s.userId === user.id && (!fault.subscriptionId || s.id === fault.subscriptionId)) store.subscriptions.delete(s.id);
      } else {
        store.faultsOf(user.id).push({ ...fault });
      }
    },
    clearFaults: (userId) => {
      if (userId) store.faults.delete(userOrThrow(userId).id);
      else store.faults.clear();
    },
    requestLog: (filter) => store.requestLog.filter((e) => (!filter?.userId || e.userId === filter.userId) && (!filter?.kind || e.kind === filter.kind)).map((e) => ({ ...e })),
    clearRequestLog: () => {
      store.requestLog = [];
      store.counters.clear();
    },
    counters: (userId) => {
      const c = store.counters.get(store.findUser(userId)?.id ?? userId);
      const out: Record<string, number> = {};
      let total = 0;
      for (const [k, v] of c ?? []) {
        out[k] = v;
        if (k !== 'throttled') total += v;
      }
      out.total = total;
      return out;
    },
    notificationLog: () => notifier.deliveries.map((d) => ({ ...d })),
    flushNotifications: () => notifier.idle(),
    expireDeltaTokens: (userId) => expireDeltaTokens(store, userOrThrow(userId).id),
    subscriptions: (userId) => [...store.subscriptions.values()].filter((s) => !userId || s.userId === userId).map((s) => serializeSubscription(s)),
    removeSubscription: (id) => store.subscriptions.delete(id),
    sendLifecycle: async (subscriptionId, event) => {
      const sub = store.subscriptions.get(subscriptionId);
      if (!sub) throw new Error(`Unknown subscription ${subscriptionId}.`);
      if (event === 'subscriptionRemoved') store.subscriptions.delete(subscriptionId);
      await notifier.sendLifecycle(sub, event);
    },
    issueUserToken: async (o) => {
      const user = userOrThrow(o.userId);
      if (user.tenantId !== o.tenantId) throw new Error(`User ${o.userId} is not in tenant ${o.tenantId}.`);
      return tokens.userAccessToken({ user, audience: o.audience, scopes: o.scopes, clientId: o.clientId, lifetimeSeconds: o.expiresInSeconds, extraClaims: o.extraClaims });
    },
    issueAppToken: async (o) => {
      const app = store.apps.get(o.clientId);
      if (!app) throw new Error(`Unknown app ${o.clientId}.`);
      return tokens.appToken(app, o.resource ?? 'https://graph.microsoft.com', { lifetimeSeconds: o.expiresInSeconds, nowMs: o.nowMs });
    },
    authority: (tenantId) => `${tokens.baseUrl}/${tenantId}`,
    authorityMetadata: (tenantId) => entra.authorityMetadata(tenantId),
    settings: (patch) => {
      if (patch) Object.assign(store.settings, patch);
      return { ...store.settings };
    },
    reset: () => store.reset(),
  };
  return control;
}

/** HTTP face of the control API: /_emulator/… (JSON in, JSON out). */
export async function handleControlHttp(control: EmulatorControl, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (req.headers.authorization) {
    return sendJson(res, 403, { error: { code: 'Forbidden', message: 'The emulator control API does not accept bearer tokens; call it without an Authorization header.' } });
  }
  const segs = url.pathname.split('/').slice(2).map(decodeURIComponent);
  const m = req.method ?? 'GET';
  let body: Record<string, unknown> = {};
  try {
    const raw = await readBody(req);
    body = raw ? JSON.parse(raw) : {};
  } catch {
    return sendJson(res, 400, { error: { code: 'BadRequest', message: 'The body must be JSON.' } });
  }
  const ok = (status: number, v: unknown) => sendJson(res, status, v);
  try {
    const [a, b, c, d] = segs;
    if (a === 'reset' && m === 'POST') return (control.reset(), ok(204, undefined));
    if (a === 'settings') return ok(200, control.settings(m === 'PATCH' ? (body as Partial<EmulatorSettings>) : undefined));
    if (a === 'tenants' && m === 'POST') return ok(201, control.createTenant(body as { name: string }));
    if (a === 'apps' && m === 'POST') return ok(201, control.createApp(body as Parameters<EmulatorControl['createApp']>[0]));
    if (a === 'log' && m === 'GET') return ok(200, { value: control.requestLog({ userId: url.searchParams.get('userId') ?? undefined, kind: url.searchParams.get('kind') ?? undefined }) });
    if (a === 'log' && m === 'DELETE') return (control.clearRequestLog(), ok(204, undefined));
    if (a === 'notifications' && m === 'GET') return ok(200, { value: control.notificationLog() });
    if (a === 'user-tokens' && m === 'POST') return ok(200, { access_token: await control.issueUserToken(body as Parameters<EmulatorControl['issueUserToken']>[0]), token_type: 'Bearer' });
    if (a === 'subscriptions') {
      if (!b && m === 'GET') return ok(200, { value: control.subscriptions(url.searchParams.get('userId') ?? undefined) });
      if (b && !c && m === 'DELETE') return control.removeSubscription(b) ? ok(204, undefined) : ok(404, { error: { code: 'NotFound', message: `No subscription ${b}.` } });
      if (b && c === 'lifecycle' && m === 'POST') return (await control.sendLifecycle(b, String(body.event ?? body.lifecycleEvent) as LifecycleEvent), ok(202, undefined));
    }
    if (a === 'users') {
      if (!b && m === 'POST') return ok(201, control.createUser(body as Parameters<EmulatorControl['createUser']>[0]));
      if (!b && m === 'GET') return ok(200, { value: control.users(url.searchParams.get('tenantId') ?? undefined) });
      if (b && c === 'events') {
        const outlook = control.userEvent(b);
        if (!d && m === 'POST') return ok(201, await outlook.create(body));
        if (!d && m === 'GET') return ok(200, { value: outlook.list() });
        if (d && m === 'PATCH') return ok(200, await outlook.update(d, body));
        if (d && m === 'DELETE') return (await outlook.delete(d), ok(204, undefined));
        if (d && m === 'GET') {
          const ev = outlook.get(d);
          return ev ? ok(200, ev) : ok(404, { error: { code: 'ErrorItemNotFound', message: `No event ${d}.` } });
        }
      }
      if (b && c === 'faults' && m === 'POST') return (control.injectFault(b, body as unknown as Fault | FaultAction), ok(204, undefined));
      if (b && c === 'faults' && m === 'DELETE') return (control.clearFaults(b), ok(204, undefined));
      if (b && c === 'counters' && m === 'GET') return ok(200, control.counters(b));
      if (b && c === 'expire-delta-tokens' && m === 'POST') return ok(200, { expired: control.expireDeltaTokens(b) });
    }
    return ok(404, { error: { code: 'NotFound', message: `No control endpoint ${m} ${url.pathname}. See test/m365-emulator/README.md.` } });
  } catch (e) {
    const status = e instanceof EventError ? e.status : 400;
    const code = e instanceof EventError ? e.code : 'BadRequest';
    return ok(status, { error: { code, message: (e as Error).message } });
  }
}
