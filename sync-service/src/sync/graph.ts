/**
 * The calendar adapter: everything the sync asks of Microsoft Graph, through the real SDKs (`@azure/msal-node`
 * app-only credentials, `@microsoft/microsoft-graph-client`), behind one small interface that keeps SDK types out
 * of the sync's code. The same code reaches Microsoft or the emulator (settings: authority host, Graph base URL).
 *
 * Rules it enforces for every caller (GRAPH-FACTS.md):
 *   - never more than 4 requests in flight per mailbox across this process (Graph's MailboxConcurrency limit);
 *   - 429 / 503 / 504 retried, honouring Retry-After (seconds or HTTP date), at most 5 attempts per call;
 *   - `Prefer: IdType="ImmutableId"` on every request, so event ids survive moves between folders.
 */
import { ConfidentialClientApplication, LogLevel } from '@azure/msal-node';
import { Client, RetryHandlerOptions, type GraphRequest } from '@microsoft/microsoft-graph-client';
import { addinCustomPropertiesId, addinLinkOf } from '../../../shared/src/sync/addin-item';
import type { SyncConfig } from './config';

/** The single-value extended property carrying `<rdvId>/<agentId>` on each of our events (DESIGN.md §4). */
export const RDV_LINK_PROPERTY = 'String {66f5a359-4659-4830-9070-00047ec6ac6e} Name RdvLink';
export const MAX_IN_FLIGHT_PER_MAILBOX = 4;
const MAX_ATTEMPTS = 5;
const IMMUTABLE_IDS = 'IdType="ImmutableId"';

export interface EventContent {
  subject: string;
  bodyText: string;
  location: string;
  start: Date;
  end: Date;
}

export interface WrittenEvent { id: string; changeKey: string }

export interface CalendarEvent {
  id: string;
  /** Set on delta items for events deleted or gone out of the window. */
  removed?: 'deleted' | 'changed';
  changeKey?: string;
  start?: Date;
  end?: Date;
  showAs?: string;
  isAllDay?: boolean;
  isCancelled?: boolean;
  type?: string;
  seriesMasterId?: string;
  /** Our RdvLink value, when read with the property expanded (not in delta pages). */
  rdvLink?: string;
  /** The add-in's `rdvLink` custom property (an appointment saved from the add-in), read like rdvLink. */
  addinLink?: string;
  /** When the event was last changed (Graph's clock): inbound propagation latency. */
  lastModified?: Date;
}

export interface DeltaPage { events: CalendarEvent[]; nextLink?: string; deltaLink?: string }

export interface SubscriptionRequest { notificationUrl: string; lifecycleNotificationUrl: string; clientState: string; expiresAt: Date }

/** A Graph answer the caller must act on. `kind` says which rule applies. */
export class GraphCallError extends Error {
  constructor(
    readonly kind: 'not_found' | 'etag_mismatch' | 'delta_expired' | 'throttled' | 'unavailable' | 'forbidden' | 'bad_request' | 'other',
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterMs?: number,
  ) { super(message); }
}

export interface GraphObserver {
  /** One per HTTP request sent (retries included): the call kind, its status (0 when no answer), its duration. */
  request?(kind: string, status: number, ms: number): void;
  /** Time spent waiting because of throttling (Retry-After). */
  throttled?(kind: string, waitMs: number): void;
}

export interface CalendarGateway {
  userExists(mailbox: string): Promise<boolean>;
  createEvent(mailbox: string, content: EventContent, link: string, transactionId: string): Promise<WrittenEvent>;
  /** `link`: (re)writes the RdvLink property too (an appointment saved from the add-in has none yet). */
  updateEvent(mailbox: string, eventId: string, content: EventContent, changeKey: string | null, link?: string): Promise<WrittenEvent>;
  deleteEvent(mailbox: string, eventId: string): Promise<void>;
  /** An event with its RdvLink and the add-in's custom properties; any id form (REST or immutable), answered with its immutable id. */
  getEvent(mailbox: string, eventId: string): Promise<CalendarEvent | null>;
  /** Our events carrying this RdvLink value (normally 0 or 1): finds an event whose create answer was lost. */
  findEventsByLink(mailbox: string, link: string): Promise<CalendarEvent[]>;
  /**
   * Appointments saved from the add-in for this `<rdvId>/<agentId>` at exactly [start, end]: one calendarView
   * request over that window (the add-in's item of a link whose report and notification were both lost).
   */
  findAddinItems(mailbox: string, start: Date, end: Date, link: string): Promise<CalendarEvent[]>;
  /** One page of calendarView/delta: a new round over a window, or the next page / round from a link. */
  delta(mailbox: string, from: { start: Date; end: Date } | { link: string }, pageSize: number): Promise<DeltaPage>;
  createSubscription(mailbox: string, req: SubscriptionRequest): Promise<{ id: string; expiresAt: Date }>;
  renewSubscription(mailbox: string, subscriptionId: string, expiresAt: Date): Promise<{ expiresAt: Date }>;
  reauthorizeSubscription(mailbox: string, subscriptionId: string): Promise<void>;
  deleteSubscription(mailbox: string, subscriptionId: string): Promise<void>;
}

/** Counting semaphore per key. */
class KeyedLimiter {
  private readonly state = new Map<string, { active: number; waiting: Array<() => void> }>();
  constructor(private readonly limit: number) {}
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    let s = this.state.get(key);
    if (!s) { s = { active: 0, waiting: [] }; this.state.set(key, s); }
    if (s.active >= this.limit) await new Promise<void>((resolve) => s!.waiting.push(resolve));
    s.active++;
    try {
      return await fn();
    } finally {
      s.active--;
      const next = s.waiting.shift();
      if (next) next();
      else if (s.active === 0) this.state.delete(key);
    }
  }
  inFlight(key: string): number { return this.state.get(key)?.active ?? 0; }
}

const graphDate = (d: Date) => ({ dateTime: d.toISOString().replace('Z', ''), timeZone: 'UTC' });
/** Graph answers times as `2026-03-29T09:00:00.0000000` in the zone asked for (UTC here). */
const fromGraphDate = (v: { dateTime?: string; timeZone?: string } | undefined): Date | undefined =>
  v?.dateTime ? new Date(`${v.dateTime.replace(/(\.\d{3})\d*$/, '$1')}${/Z|[+-]\d\d:\d\d$/.test(v.dateTime) ? '' : 'Z'}`) : undefined;

const propertyValue = (raw: any, id: string): string | undefined =>
  raw.singleValueExtendedProperties?.find((p: { id: string }) => p.id.toLowerCase() === id.toLowerCase())?.value;

function toEvent(raw: any, addinProperty?: string): CalendarEvent {
  if (raw['@removed']) return { id: raw.id, removed: raw['@removed'].reason === 'changed' ? 'changed' : 'deleted' };
  return {
    id: raw.id, changeKey: raw.changeKey, start: fromGraphDate(raw.start), end: fromGraphDate(raw.end), showAs: raw.showAs,
    isAllDay: raw.isAllDay, isCancelled: raw.isCancelled, type: raw.type, seriesMasterId: raw.seriesMasterId ?? undefined,
    rdvLink: propertyValue(raw, RDV_LINK_PROPERTY),
    addinLink: addinProperty ? addinLinkOf(propertyValue(raw, addinProperty)) : undefined,
    lastModified: raw.lastModifiedDateTime ? new Date(raw.lastModifiedDateTime) : undefined,
  };
}

function eventBody(content: EventContent) {
  return {
    subject: content.subject,
    body: { contentType: 'text', content: content.bodyText },
    start: graphDate(content.start),
    end: graphDate(content.end),
    location: { displayName: content.location },
    // Private, busy, no attendees: nobody else sees it, it blocks the time, and Outlook sends no invitation
    // (an appointment saved from the add-in is brought to this too).
    sensitivity: 'private',
    showAs: 'busy',
    attendees: [],
    isReminderOn: true,
    reminderMinutesBeforeStart: 15,
  };
}

function retryAfterMs(headers: Headers | undefined, attempt: number): number {
  const v = headers?.get?.('retry-after');
  if (v) {
    const seconds = Number(v);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const at = Date.parse(v);
    if (Number.isFinite(at)) return Math.max(0, at - Date.now());
  }
  return Math.min(1000 * 2 ** attempt, 30_000);
}

function classify(err: any): GraphCallError {
  const status: number = err?.statusCode ?? 0;
  const code: string = err?.code ?? err?.body?.error?.code ?? '';
  const message = `${status || 'network'} ${code}: ${err?.message ?? String(err)}`.slice(0, 500);
  if (status === 410 || code === 'syncStateNotFound' || code === 'SyncStateNotFound') return new GraphCallError('delta_expired', status, code, message);
  if (status === 404) return new GraphCallError('not_found', status, code, message);
  if (status === 412) return new GraphCallError('etag_mismatch', status, code, message);
  if (status === 429) return new GraphCallError('throttled', status, code, message, retryAfterMs(err?.headers, 0));
  if (status === 503 || status === 504 || status === 502 || status === 500 || status === 0) return new GraphCallError('unavailable', status, code, message, retryAfterMs(err?.headers, 0));
  if (status === 401 || status === 403) return new GraphCallError('forbidden', status, code, message);
  if (status === 400) return new GraphCallError('bad_request', status, code, message);
  return new GraphCallError('other', status, code, message);
}

/** msal-node needs the authority's metadata for hosts it does not know (the emulator); Microsoft's it discovers. */
async function authorityOptions(config: SyncConfig) {
  const authority = `${config.authorityHost}/${config.tenantId}`;
  if (new URL(config.authorityHost).hostname === 'login.microsoftonline.com') return { authority };
  const res = await fetch(`${authority}/v2.0/.well-known/openid-configuration`);
  if (!res.ok) throw new Error(`Could not read the OpenID configuration of ${authority} (HTTP ${res.status}): check GRAPH_AUTHORITY_HOST and GRAPH_TENANT_ID.`);
  const meta = await res.json() as Record<string, string>;
  return {
    authority,
    knownAuthorities: [new URL(config.authorityHost).host],
    authorityMetadata: JSON.stringify({ token_endpoint: meta.token_endpoint, authorization_endpoint: meta.authorization_endpoint, issuer: meta.issuer, jwks_uri: meta.jwks_uri }),
  };
}

export async function createGraphGateway(config: SyncConfig, observer: GraphObserver = {}): Promise<CalendarGateway & { inFlight(mailbox: string): number }> {
  const cca = new ConfidentialClientApplication({
    auth: {
      clientId: config.clientId,
      ...(config.credential.kind === 'secret'
        ? { clientSecret: config.credential.secret }
        : { clientCertificate: { thumbprintSha256: config.credential.thumbprint, privateKey: config.credential.privateKey } }),
      ...(await authorityOptions(config)),
    },
    system: { loggerOptions: { logLevel: LogLevel.Error, piiLoggingEnabled: false, loggerCallback: () => undefined } },
  });
  const graphHost = new URL(config.graphBaseUrl).hostname;
  const client = Client.initWithMiddleware({
    authProvider: {
      // msal-node caches the app token and renews it before expiry.
      // The scope names Graph's resource whatever the base URL (the emulator issues tokens for it too).
      getAccessToken: async () => (await cca.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] }))!.accessToken,
    },
    ...(graphHost === 'graph.microsoft.com' ? {} : { baseUrl: config.graphBaseUrl, customHosts: new Set([graphHost]) }),
  });
  const limiter = new KeyedLimiter(MAX_IN_FLIGHT_PER_MAILBOX);
  const addinProperty = addinCustomPropertiesId(config.addinId);

  /** One Graph call for a mailbox: limited, retried when throttled or unavailable, observed. */
  async function call<T>(mailbox: string, kind: string, build: () => GraphRequest, send: (r: GraphRequest) => Promise<T>, prefer: string[] = []): Promise<T> {
    return limiter.run(mailbox, async () => {
      for (let attempt = 1; ; attempt++) {
        const started = performance.now();
        try {
          // One Prefer header listing every preference: a second .header('Prefer') would replace the first.
          const request = build().header('Prefer', [IMMUTABLE_IDS, ...prefer].join(', ')).middlewareOptions([new RetryHandlerOptions(0, 0)]);
          const result = await send(request);
          observer.request?.(kind, 200, performance.now() - started);
          return result;
        } catch (raw) {
          const err = classify(raw);
          observer.request?.(kind, err.status, performance.now() - started);
          if ((err.kind === 'throttled' || (err.kind === 'unavailable' && err.status !== 500)) && attempt < MAX_ATTEMPTS) {
            const wait = retryAfterMs((raw as any)?.headers, attempt);
            observer.throttled?.(kind, wait);
            await new Promise((r) => setTimeout(r, wait));
            continue;
          }
          throw err;
        }
      }
    });
  }

  const user = (m: string) => `/users/${encodeURIComponent(m)}`;

  return {
    inFlight: (mailbox) => limiter.inFlight(mailbox),
    async userExists(mailbox) {
      try {
        await call(mailbox, 'users.get', () => client.api(user(mailbox)).select('id'), (r) => r.get());
        return true;
      } catch (err) {
        if (err instanceof GraphCallError && err.kind === 'not_found') return false;
        throw err;
      }
    },
    async createEvent(mailbox, content, link, transactionId) {
      const raw = await call(mailbox, 'events.create', () => client.api(`${user(mailbox)}/events`), (r) => r.post({
        ...eventBody(content), transactionId, singleValueExtendedProperties: [{ id: RDV_LINK_PROPERTY, value: link }],
      }));
      return { id: raw.id, changeKey: raw.changeKey };
    },
    async updateEvent(mailbox, eventId, content, changeKey, link) {
      const raw = await call(mailbox, 'events.update', () => {
        const r = client.api(`${user(mailbox)}/events/${encodeURIComponent(eventId)}`);
        return changeKey ? r.header('If-Match', `W/"${changeKey}"`) : r;
      }, (r) => r.patch({ ...eventBody(content), ...(link ? { singleValueExtendedProperties: [{ id: RDV_LINK_PROPERTY, value: link }] } : {}) }));
      return { id: raw.id ?? eventId, changeKey: raw.changeKey };
    },
    async deleteEvent(mailbox, eventId) {
      try {
        await call(mailbox, 'events.delete', () => client.api(`${user(mailbox)}/events/${encodeURIComponent(eventId)}`), (r) => r.delete());
      } catch (err) {
        if (!(err instanceof GraphCallError && err.kind === 'not_found')) throw err;
      }
    },
    async getEvent(mailbox, eventId) {
      try {
        const raw = await call(mailbox, 'events.get', () => client.api(`${user(mailbox)}/events/${encodeURIComponent(eventId)}`)
          .expand(`singleValueExtendedProperties($filter=id eq '${RDV_LINK_PROPERTY}' or id eq '${addinProperty}')`), (r) => r.get());
        return toEvent(raw, addinProperty);
      } catch (err) {
        if (err instanceof GraphCallError && err.kind === 'not_found') return null;
        throw err;
      }
    },
    async findEventsByLink(mailbox, link) {
      const raw = await call(mailbox, 'events.list', () => client.api(`${user(mailbox)}/events`)
        .filter(`singleValueExtendedProperties/Any(ep: ep/id eq '${RDV_LINK_PROPERTY}' and ep/value eq '${link.replace(/'/g, "''")}')`)
        .expand(`singleValueExtendedProperties($filter=id eq '${RDV_LINK_PROPERTY}')`), (r) => r.get());
      return (raw.value as unknown[]).map((e) => toEvent(e));
    },
    async findAddinItems(mailbox, start, end, link) {
      // calendarView accepts `$expand=singleValueExtendedProperties($filter=id eq '…')` as /events does
      // (api-reference/v1.0/api/singlevaluelegacyextendedproperty-get.md for the form of the expansion;
      // microsoftgraph/msgraph-metadata PR 299: "Events/Calendarview can have the singleValueExtendedProperties
      // property expanded"). A window of one RDV holds a handful of items: the next pages are rare.
      const found: CalendarEvent[] = [];
      let next: string | undefined;
      do {
        const url = next;
        const raw = await call(mailbox, 'calendarView', () => (url ? client.api(url) : client.api(`${user(mailbox)}/calendarView`)
          .query({ startDateTime: start.toISOString(), endDateTime: end.toISOString() })
          .expand(`singleValueExtendedProperties($filter=id eq '${addinProperty}')`)), (r) => r.get());
        found.push(...(raw.value as unknown[]).map((e) => toEvent(e, addinProperty)));
        next = raw['@odata.nextLink'];
      } while (next);
      return found.filter((e) => e.addinLink === link && !e.seriesMasterId && e.start?.getTime() === start.getTime() && e.end?.getTime() === end.getTime());
    },
    async delta(mailbox, from, pageSize) {
      const raw = await call(mailbox, 'calendarView.delta', () => {
        const r = 'link' in from
          ? client.api(from.link)
          : client.api(`${user(mailbox)}/calendarView/delta`).query({ startDateTime: from.start.toISOString(), endDateTime: from.end.toISOString() });
        return r;
      }, (r) => r.get(), [`odata.maxpagesize=${pageSize}`]);
      return { events: (raw.value as unknown[]).map((e) => toEvent(e)), nextLink: raw['@odata.nextLink'], deltaLink: raw['@odata.deltaLink'] };
    },
    async createSubscription(mailbox, req) {
      const raw = await call(mailbox, 'subscriptions.create', () => client.api('/subscriptions'), (r) => r.post({
        changeType: 'created,updated,deleted', notificationUrl: req.notificationUrl, lifecycleNotificationUrl: req.lifecycleNotificationUrl,
        resource: `${user(mailbox)}/events`, expirationDateTime: req.expiresAt.toISOString(), clientState: req.clientState,
      }));
      return { id: raw.id, expiresAt: new Date(raw.expirationDateTime) };
    },
    async renewSubscription(mailbox, subscriptionId, expiresAt) {
      const raw = await call(mailbox, 'subscriptions.update', () => client.api(`/subscriptions/${subscriptionId}`),
        (r) => r.patch({ expirationDateTime: expiresAt.toISOString() }));
      return { expiresAt: new Date(raw.expirationDateTime) };
    },
    async reauthorizeSubscription(mailbox, subscriptionId) {
      await call(mailbox, 'subscriptions.reauthorize', () => client.api(`/subscriptions/${subscriptionId}/reauthorize`), (r) => r.post({}));
    },
    async deleteSubscription(mailbox, subscriptionId) {
      try {
        await call(mailbox, 'subscriptions.delete', () => client.api(`/subscriptions/${subscriptionId}`), (r) => r.delete());
      } catch (err) {
        if (!(err instanceof GraphCallError && err.kind === 'not_found')) throw err;
      }
    },
  };
}
