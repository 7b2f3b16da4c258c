/**
 * The Graph API under /v1.0: bearer-token checks (401 InvalidAuthenticationToken, 403 ErrorAccessDenied), routing,
 * and the per-request pipeline shared by top-level calls and $batch steps: resolve the mailbox, count and log the
 * call, apply injected faults, enforce throttling, run the handler.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { runBatch } from './batch';
import { calendarViewDelta } from './delta';
import { calendarView, cancelEvent, getEvent, instances, listEvents, patchEvent, postEvent, removeEvent } from './events';
import { graphError, ODATA_JSON, type AuthContext, type GraphRequest, type GraphResponse } from './graph-http';
import { headerMap, readBody, send } from './http-util';
import { getSchedule } from './schedule';
import type { Store, User } from './store';
import type { Subscriptions } from './subscriptions';
import type { Throttle } from './throttle';
import { GRAPH_RESOURCE, type TokenService } from './tokens';

const READ = ['Calendars.Read', 'Calendars.ReadWrite', 'Calendars.ReadBasic', 'Calendars.ReadBasic.All'];
const WRITE = ['Calendars.ReadWrite'];
const USERS = ['User.Read.All', 'User.ReadBasic.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];

interface Route {
  kind: string;
  roles: string[];
  /** The /users/{segment} of the route, when it targets a mailbox. */
  userSegment?: string;
  mailbox: boolean;
  run: (req: GraphRequest, user: User | undefined) => Promise<GraphResponse>;
}

export class GraphApi {
  baseUrl = '';

  constructor(private store: Store, private tokens: TokenService, private subscriptions: Subscriptions, private throttle: Throttle) {}

  get graphBase(): string {
    return `${this.baseUrl}/v1.0`;
  }

  async handleHttp(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const started = Date.now();
    // Top-level answers that dispatch does not log (auth failures, $batch) are logged here.
    const headers = headerMap(req);
    const requestId = randomUUID();
    const clientRequestId = headers['client-request-id'] ?? requestId;
    const common = { 'request-id': requestId, 'client-request-id': clientRequestId, 'x-ms-ags-diagnostic': JSON.stringify({ ServerInfo: { DataCenter: 'Emulator', Slice: 'E', Ring: '0', ScaleUnit: '000', RoleInstance: 'LOCAL' } }) };
    const path = url.pathname.slice('/v1.0'.length) || '/';
    const answer = (r: GraphResponse, kind: string, userId?: string, appId?: string) => {
      const h: Record<string, string> = { ...common, ...(r.headers ?? {}) };
      if (r.body !== undefined) h['Content-Type'] = ODATA_JSON;
      if (r.status === 401) h['WWW-Authenticate'] = `Bearer realm="", authorization_uri="${this.baseUrl}/common/oauth2/authorize", client_id="${'00000003-0000-0000-c000-000000000000'}"`;
      send(res, r.status, r.body === undefined ? undefined : JSON.stringify(r.body), h);
      if (kind) this.log({ method: req.method ?? 'GET', path: url.pathname + url.search, kind, status: r.status, userId, appId, inBatch: false, clientRequestId, started });
    };
    const auth = headers['authorization'] ?? '';
    const token = /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim();
    const verified = await this.tokens.verify(token, GRAPH_RESOURCE);
    const ctx = { headers, requestId };
    if ('problem' in verified) {
      const message = verified.problem === 'signature' || verified.problem === 'issuer' ? `Access token validation failure. ${verified.detail}` : verified.detail;
      return answer(graphError(ctx, 401, 'InvalidAuthenticationToken', message), 'auth.rejected');
    }
    const claims = verified.claims;
    if (!this.store.tenants.has(claims.tid ?? '')) return answer(graphError(ctx, 401, 'InvalidAuthenticationToken', 'Access token validation failure: unknown tenant.'), 'auth.rejected');
    const authCtx: AuthContext = { tenantId: claims.tid!, appId: String(claims.appid ?? claims.azp ?? ''), roles: Array.isArray(claims.roles) ? claims.roles : [] };
    if (claims.scp && !claims.roles) {
      return answer(graphError(ctx, 403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again. (The emulator serves application permissions only.)'), 'auth.rejected', undefined, authCtx.appId);
    }
    let body: unknown;
    try {
      const raw = await readBody(req);
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      return answer(graphError(ctx, 400, 'BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.'), 'bad.request', undefined, authCtx.appId);
    }
    const greq: GraphRequest = { method: (req.method ?? 'GET').toUpperCase(), path, query: url.searchParams, headers, body, auth: authCtx, inBatch: false, requestId, graphBase: this.graphBase };
    if (greq.method === 'POST' && /^\/\$batch$/i.test(path)) {
      const r = await runBatch(greq, (inner) => this.dispatch(inner), this.store.settings.batchParallelism);
      return answer(r, 'batch', undefined, authCtx.appId);
    }
    const r = await this.dispatch(greq);
    // dispatch logs the call itself.
    answer(r, '');
  }

  private log(e: { method: string; path: string; kind: string; status: number; userId?: string; appId?: string; inBatch: boolean; clientRequestId?: string; started: number }): void {
    this.store.requestLog.push({ at: new Date(e.started).toISOString(), method: e.method, path: e.path, kind: e.kind, status: e.status, userId: e.userId, appId: e.appId, inBatch: e.inBatch, clientRequestId: e.clientRequestId, durationMs: Date.now() - e.started });
    if (this.store.requestLog.length > 50_000) this.store.requestLog.splice(0, 10_000);
  }

  /** The baseline latency setting (benchmark): every Graph call takes about this long. */
  private async baselineLatency(): Promise<void> {
    const { baselineLatencyMs: base, latencySpreadMs: spread } = this.store.settings;
    if (base <= 0 && spread <= 0) return;
    await delay(Math.max(0, base + (Math.random() * 2 - 1) * spread));
  }

  /** Routes and runs one Graph request (top-level or a $batch step). */
  async dispatch(req: GraphRequest): Promise<GraphResponse> {
    const started = Date.now();
    const route = this.route(req);
    const logIt = (r: GraphResponse, kind: string, userId?: string) => {
      this.log({ method: req.method, path: req.path + (req.query.toString() ? `?${req.query}` : ''), kind, status: r.status, userId, appId: req.auth.appId, inBatch: req.inBatch, clientRequestId: req.headers['client-request-id'], started });
      if (userId) {
        this.store.count(userId, kind);
        if (r.status === 429) this.store.count(userId, 'throttled');
      }
      return r;
    };
    if ('status' in route) return logIt(route, 'unknown');
    if (!route.roles.some((r) => req.auth.roles.includes(r))) {
      return logIt(graphError(req, 403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.'), route.kind);
    }
    if (!route.mailbox) {
      await this.baselineLatency();
      return logIt(await route.run(req, undefined), route.kind);
    }
    const seg = decodeURIComponent(route.userSegment!);
    const user = this.store.findUser(seg);
    if (!user || user.tenantId !== req.auth.tenantId) {
      return logIt(graphError(req, 404, 'ErrorInvalidUser', `The requested user '${seg}' is invalid.`), route.kind);
    }
    const fault = this.store.takeFault(user.id, 'status', (f) => !f.callKind || f.callKind === route.kind);
    if (fault) {
      const headers: Record<string, string> = fault.retryAfterSeconds !== undefined ? { 'Retry-After': String(fault.retryAfterSeconds) } : {};
      const code = fault.code ?? (fault.status === 429 ? 'ApplicationThrottled' : fault.status === 503 ? 'ServiceNotAvailable' : fault.status === 504 ? 'GatewayTimeout' : 'InternalServerError');
      const message = fault.message ?? (fault.status === 429 ? 'Application is over its MailboxConcurrency limit.' : fault.status === 503 ? 'Service Unavailable' : 'Internal Server Error');
      return logIt(graphError(req, fault.status, code, message, headers), route.kind, user.id);
    }
    const verdict = this.throttle.acquire(user.id, req.auth.appId);
    if (!verdict.ok) {
      return logIt(graphError(req, 429, 'ApplicationThrottled', `Application is over its ${verdict.limit} limit.`, { 'Retry-After': String(verdict.retryAfterSeconds) }), route.kind, user.id);
    }
    try {
      const latency = this.store.takeFault(user.id, 'latency');
      if (latency) await delay(latency.ms);
      await this.baselineLatency();
      return logIt(await route.run(req, user), route.kind, user.id);
    } catch (e) {
      return logIt(graphError(req, 500, 'InternalServerError', `Emulator error: ${(e as Error).message}`), route.kind, user.id);
    } finally {
      verdict.release();
    }
  }

  private route(req: GraphRequest): Route | GraphResponse {
    // users('x')/events('y') → users/x/events/y
    const path = req.path.replace(/\/([A-Za-z]+)\('([^']*)'\)/g, '/$1/$2').replace(/\/+$/, '');
    const segs = path.split('/').slice(1);
    const lower = segs.map((s) => s.toLowerCase());
    const m = req.method;
    const s = this.store;
    const wrongMethod = () => graphError(req, 405, 'Request_BadRequest', `The ${m} method is not supported on ${req.path}.`);
    if (lower[0] === 'me') return graphError(req, 400, 'BadRequest', '/me request is only valid with delegated authentication flow.');
    if (lower[0] === 'subscriptions') {
      const read = ['Calendars.Read', 'Calendars.ReadWrite', 'Calendars.ReadBasic'];
      const sub = (kind: string, run: Route['run']): Route => ({ kind, roles: read, mailbox: false, run });
      if (segs.length === 1) {
        if (m === 'POST') return sub('subscriptions.create', (r) => this.subscriptions.create(r));
        if (m === 'GET') return sub('subscriptions.list', (r) => this.subscriptions.list(r));
        return wrongMethod();
      }
      const id = decodeURIComponent(segs[1]);
      if (segs.length === 3 && lower[2] === 'reauthorize' && m === 'POST') return sub('subscriptions.reauthorize', (r) => this.subscriptions.reauthorize(r, id));
      if (segs.length === 2) {
        if (m === 'GET') return sub('subscriptions.get', (r) => this.subscriptions.get(r, id));
        if (m === 'PATCH') return sub('subscriptions.update', (r) => this.subscriptions.update(r, id));
        if (m === 'DELETE') return sub('subscriptions.delete', (r) => this.subscriptions.remove(r, id));
        return wrongMethod();
      }
    }
    if (lower[0] === 'users') {
      if (segs.length === 1) {
        if (m !== 'GET') return wrongMethod();
        return { kind: 'users.list', roles: USERS, mailbox: false, run: async (r) => ({ status: 200, body: { '@odata.context': `${r.graphBase}/$metadata#users`, value: [...s.users.values()].filter((u) => u.tenantId === r.auth.tenantId).map(userJson) } }) };
      }
      const userSegment = segs[1];
      let rest = lower.slice(2);
      let restRaw = segs.slice(2);
      const mb = (kind: string, roles: string[], run: (r: GraphRequest, u: User) => Promise<GraphResponse>): Route => ({ kind, roles, userSegment, mailbox: true, run: (r, u) => run(r, u!) });
      if (rest.length === 0) {
        if (m !== 'GET') return wrongMethod();
        return mb('users.get', USERS.concat(READ), async (r, u) => ({ status: 200, body: { '@odata.context': `${r.graphBase}/$metadata#users/$entity`, ...userJson(u) } }));
      }
      if (rest[0] === 'calendar' && rest.length === 1) {
        if (m !== 'GET') return wrongMethod();
        return mb('calendar.get', READ, async (r, u) => ({ status: 200, body: calendarJson(r, u) }));
      }
      if (rest[0] === 'calendar' && rest[1] === 'getschedule') {
        if (m !== 'POST') return wrongMethod();
        return mb('getSchedule', READ, (r) => getSchedule(s, r));
      }
      // /calendar/events… and /calendar/calendarView… are the same as /events… and /calendarView…
      if (rest[0] === 'calendar' && (rest[1] === 'events' || rest[1] === 'calendarview')) {
        rest = rest.slice(1);
        restRaw = restRaw.slice(1);
      }
      if (rest[0] === 'calendarview') {
        if (m !== 'GET') return wrongMethod();
        if (rest.length === 1) return mb('calendarView', READ, (r, u) => calendarView(s, r, u, userSegment));
        if (rest.length === 2 && rest[1] === 'delta') return mb('calendarView.delta', READ, (r, u) => calendarViewDelta(s, r, u));
      }
      if (rest[0] === 'events') {
        if (rest.length === 1) {
          if (m === 'GET') return mb('events.list', READ, (r, u) => listEvents(s, r, u, userSegment));
          if (m === 'POST') return mb('events.create', WRITE, (r, u) => postEvent(s, r, u, userSegment));
          return wrongMethod();
        }
        const eventId = decodeURIComponent(restRaw[1]);
        if (rest.length === 2) {
          if (m === 'GET') return mb('events.get', READ, (r, u) => getEvent(s, r, u, userSegment, eventId));
          if (m === 'PATCH') return mb('events.update', WRITE, (r, u) => patchEvent(s, r, u, userSegment, eventId));
          if (m === 'DELETE') return mb('events.delete', WRITE, (r, u) => removeEvent(s, r, u, eventId));
          return wrongMethod();
        }
        if (rest.length === 3 && rest[2] === 'instances' && m === 'GET') return mb('events.instances', READ, (r, u) => instances(s, r, u, userSegment, eventId));
        if (rest.length === 3 && rest[2] === 'cancel' && m === 'POST') return mb('events.cancel', WRITE, (r, u) => cancelEvent(s, r, u, eventId));
      }
    }
    if (lower[0] === '$batch') return graphError(req, 400, 'BadRequest', 'A $batch request cannot be nested in a $batch.');
    return graphError(req, 400, 'BadRequest', `Resource not found for the segment '${segs[segs.length - 1] ?? ''}'.`);
  }
}

export function userJson(u: User): Record<string, unknown> {
  return {
    businessPhones: [],
    displayName: u.displayName,
    givenName: u.displayName.split(' ')[0] ?? null,
    jobTitle: null,
    mail: u.mail,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: 'fr-FR',
    surname: u.displayName.split(' ').slice(1).join(' ') || null,
    userPrincipalName: u.userPrincipalName,
    id: u.id,
  };
}

function calendarJson(r: GraphRequest, u: User): Record<string, unknown> {
  return {
    '@odata.context': `${r.graphBase}/$metadata#users('${u.id}')/calendar/$entity`,
    id: 'AAMkCAL' + Buffer.from(u.id).toString('base64url'),
    name: 'Calendar',
    color: 'auto',
    hexColor: '',
    isDefaultCalendar: true,
    changeKey: 'nfZyf7VcrEKLNoU37KWlkQAAA0x0+w==',
    canShare: true,
    canViewPrivateItems: true,
    canEdit: true,
    allowedOnlineMeetingProviders: ['teamsForBusiness'],
    defaultOnlineMeetingProvider: 'teamsForBusiness',
    isTallyingResponses: true,
    isRemovable: false,
    owner: { name: u.displayName, address: u.mail },
  };
}
