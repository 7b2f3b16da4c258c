/**
 * /subscriptions (resources/subscription.md, api-reference/v1.0/api/subscription-post-subscriptions.md,
 * concepts/change-notifications-delivery-webhooks.md): create with validation of the resource, HTTPS URLs,
 * clientState ≤ 128 characters, expiration ≤ the maximum lifetime (a setting, 4230 minutes by default) and the
 * validation handshake against notificationUrl and lifecycleNotificationUrl (200, text/plain, the token, ≤ 10 s);
 * renew with PATCH, delete, list, reauthorize.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { graphError, parsePrefer, type GraphRequest, type GraphResponse } from './graph-http';
import type { Notifier } from './notifier';
import type { Store, Subscription } from './store';
import { isoUtc } from './timezones';

/** At most 1000 subscriptions per mailbox across all apps (concepts/change-notifications-delivery-webhooks.md). */
export const MAX_SUBSCRIPTIONS_PER_MAILBOX = 1000;
const CHANGE_TYPES = ['created', 'updated', 'deleted'];

export function serializeSubscription(sub: Subscription, graphBase?: string): Record<string, unknown> {
  return {
    ...(graphBase ? { '@odata.context': `${graphBase}/$metadata#subscriptions/$entity` } : {}),
    id: sub.id,
    resource: sub.resource,
    applicationId: sub.applicationId,
    changeType: sub.changeType,
    clientState: sub.clientState ?? null,
    notificationUrl: sub.notificationUrl,
    notificationQueryOptions: null,
    lifecycleNotificationUrl: sub.lifecycleNotificationUrl ?? null,
    expirationDateTime: isoUtc(sub.expirationMs),
    creatorId: sub.applicationId,
    includeResourceData: null,
    latestSupportedTlsVersion: sub.latestSupportedTlsVersion,
    encryptionCertificate: null,
    encryptionCertificateId: null,
    notificationUrlAppId: null,
  };
}

function extensionError(req: GraphRequest, status: number, operation: string, reason: string): GraphResponse {
  const statusText = status === 403 ? 'Forbidden' : status === 404 ? 'NotFound' : 'BadRequest';
  return graphError(req, status, 'ExtensionError', `Operation: ${operation}; Exception: [Status Code: ${statusText}; Reason: ${reason}]`);
}

export class Subscriptions {
  constructor(private store: Store, private notifier: Notifier) {}

  private checkExpiration(req: GraphRequest, value: unknown, operation: string): number | GraphResponse {
    const ms = typeof value === 'string' ? Date.parse(value) : NaN;
    if (Number.isNaN(ms)) return graphError(req, 400, 'InvalidRequest', "expirationDateTime is required and must be an ISO 8601 date-time.");
    const max = this.store.settings.subscriptionMaxMinutes;
    if (ms <= Date.now()) return extensionError(req, 400, operation, 'Subscription expiration must be in the future.');
    // A small grace (one minute) absorbs clock skew between the client and the service.
    if (ms > Date.now() + max * 60_000 + 60_000) return extensionError(req, 400, operation, `Subscription expiration can only be ${max} minutes in the future.`);
    return ms;
  }

  /** The validation handshake: POST url?validationToken=…, expect 200 text/plain echoing the token within the limit. */
  async validate(url: string, subscriptionId: string): Promise<string | undefined> {
    const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()} ${randomBytes(6).toString('hex')}`;
    const target = `${url}${url.includes('?') ? '&' : '?'}validationToken=${encodeURIComponent(token)}`;
    const started = Date.now();
    let problem: string | undefined;
    let status: number | undefined;
    try {
      const r = await this.notifier.post(target, '', 'text/plain; charset=utf-8', this.store.settings.validationTimeoutMs);
      status = r.status;
      if (r.status !== 200) problem = `Notification endpoint must respond with 200 OK to validation request (got ${r.status}).`;
      else if (!/^text\/plain/i.test(r.contentType)) problem = 'Notification endpoint must respond with Content-Type text/plain to validation request.';
      else if (r.body !== token) problem = 'Validation token in the response does not match the one sent.';
    } catch (e) {
      problem = `Notification endpoint must respond with 200 OK to validation request (${(e as Error).message})`;
    }
    this.notifier.deliveries.push({ at: new Date(started).toISOString(), subscriptionId, url, kind: 'validation', attempt: 1, items: 0, status, error: problem, durationMs: Date.now() - started });
    return problem;
  }

  async create(req: GraphRequest): Promise<GraphResponse> {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const resource = typeof b.resource === 'string' ? b.resource : '';
    const m = /^\/?(?:users\/([^/]+)|users\('([^']+)'\)|(me))\/(?:calendar\/|calendars\/[^/]+\/)?events$/i.exec(resource);
    if (!m) return extensionError(req, 400, 'Create', `The resource '${resource}' is not supported: use /users/{id}/events.`);
    if (m[3]) return extensionError(req, 400, 'Create', '/me request is only valid with delegated authentication flow.');
    const user = this.store.findUser(decodeURIComponent(m[1] ?? m[2]));
    if (!user || user.tenantId !== req.auth.tenantId) return extensionError(req, 404, 'Create', `The requested user '${m[1] ?? m[2]}' is invalid.`);
    const changeType = typeof b.changeType === 'string' ? b.changeType : '';
    const types = changeType.split(',').map((s) => s.trim());
    if (!changeType || types.some((t) => !CHANGE_TYPES.includes(t))) return graphError(req, 400, 'InvalidRequest', `Invalid changeType '${changeType}': use created, updated, deleted (comma-separated).`);
    const notificationUrl = typeof b.notificationUrl === 'string' ? b.notificationUrl : '';
    const lifecycleNotificationUrl = typeof b.lifecycleNotificationUrl === 'string' ? b.lifecycleNotificationUrl : undefined;
    for (const [name, url] of [['notificationUrl', notificationUrl], ['lifecycleNotificationUrl', lifecycleNotificationUrl]] as const) {
      if (url === undefined) continue;
      if (!/^https:\/\//i.test(url)) return graphError(req, 400, 'ValidationError', `The ${name} must be an HTTPS URL: '${url}'.`);
    }
    if (b.clientState !== undefined && b.clientState !== null && (typeof b.clientState !== 'string' || b.clientState.length > 128)) {
      return graphError(req, 400, 'ValidationError', 'clientState must be a string of at most 128 characters.');
    }
    const expiration = this.checkExpiration(req, b.expirationDateTime, 'Create');
    if (typeof expiration !== 'number') return expiration;
    const count = [...this.store.subscriptions.values()].filter((s) => s.userId === user.id).length;
    if (count >= MAX_SUBSCRIPTIONS_PER_MAILBOX) return extensionError(req, 403, 'Create', `The mailbox already has ${MAX_SUBSCRIPTIONS_PER_MAILBOX} subscriptions.`);
    const id = randomUUID();
    for (const url of [notificationUrl, lifecycleNotificationUrl]) {
      if (!url) continue;
      const problem = await this.validate(url, id);
      if (problem) return graphError(req, 400, 'ValidationError', `Subscription validation request failed. ${problem}`);
    }
    const sub: Subscription = {
      id,
      tenantId: req.auth.tenantId,
      applicationId: req.auth.appId,
      userId: user.id,
      resource,
      changeType: types.join(','),
      notificationUrl,
      lifecycleNotificationUrl,
      clientState: (b.clientState as string | undefined) ?? undefined,
      expirationMs: expiration,
      immutableIds: parsePrefer(req.headers).immutableId,
      latestSupportedTlsVersion: typeof b.latestSupportedTlsVersion === 'string' ? b.latestSupportedTlsVersion : 'v1_2',
    };
    this.store.subscriptions.set(id, sub);
    return { status: 201, body: serializeSubscription(sub, req.graphBase) };
  }

  private own(req: GraphRequest, id: string): Subscription | undefined {
    const sub = this.store.subscriptions.get(id);
    if (!sub || sub.applicationId !== req.auth.appId || sub.expirationMs <= Date.now()) return undefined;
    return sub;
  }

  async get(req: GraphRequest, id: string): Promise<GraphResponse> {
    const sub = this.own(req, id);
    if (!sub) return graphError(req, 404, 'ResourceNotFound', `The object was not found. Subscription '${id}' does not exist.`);
    return { status: 200, body: serializeSubscription(sub, req.graphBase) };
  }

  async list(req: GraphRequest): Promise<GraphResponse> {
    const value = [...this.store.subscriptions.values()].filter((s) => s.applicationId === req.auth.appId && s.expirationMs > Date.now()).map((s) => serializeSubscription(s));
    return { status: 200, body: { '@odata.context': `${req.graphBase}/$metadata#subscriptions`, value } };
  }

  async update(req: GraphRequest, id: string): Promise<GraphResponse> {
    const sub = this.own(req, id);
    if (!sub) return extensionError(req, 404, 'Update', `The object was not found. Subscription '${id}' does not exist.`);
    const b = (req.body ?? {}) as Record<string, unknown>;
    const extra = Object.keys(b).filter((k) => !['expirationDateTime', 'notificationUrl', '@odata.type'].includes(k));
    if (extra.length) return graphError(req, 400, 'InvalidRequest', `Only expirationDateTime and notificationUrl can be updated (got ${extra.join(', ')}).`);
    const expiration = b.expirationDateTime !== undefined ? this.checkExpiration(req, b.expirationDateTime, 'Update') : sub.expirationMs;
    if (typeof expiration !== 'number') return expiration;
    if (typeof b.notificationUrl === 'string' && b.notificationUrl !== sub.notificationUrl) {
      if (!/^https:\/\//i.test(b.notificationUrl)) return graphError(req, 400, 'ValidationError', `The notificationUrl must be an HTTPS URL: '${b.notificationUrl}'.`);
      const problem = await this.validate(b.notificationUrl, sub.id);
      if (problem) return graphError(req, 400, 'ValidationError', `Subscription validation request failed. ${problem}`);
      sub.notificationUrl = b.notificationUrl;
    }
    sub.expirationMs = expiration;
    return { status: 200, body: serializeSubscription(sub, req.graphBase) };
  }

  async remove(req: GraphRequest, id: string): Promise<GraphResponse> {
    const sub = this.own(req, id);
    if (!sub) return extensionError(req, 404, 'Delete', `The object was not found. Subscription '${id}' does not exist.`);
    this.store.subscriptions.delete(id);
    return { status: 204 };
  }

  async reauthorize(req: GraphRequest, id: string): Promise<GraphResponse> {
    const sub = this.own(req, id);
    if (!sub) return extensionError(req, 404, 'Reauthorize', `The object was not found. Subscription '${id}' does not exist.`);
    return { status: 204 };
  }
}
