import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Router } from 'express';
import { syncRouter } from '../../../sync-service/src/http/routes/sync';
import { metricsRouter } from '../../../sync-service/src/sync/metrics';
import { notificationsRouter } from '../../../sync-service/src/sync/webhook';
import { apiWorld, type TestService } from '../../helpers/service';
import { startSyncWorld, type SyncWorld } from '../../helpers/sync-ops-world';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** Calls every operation the served document lists; returns those that answer "route inconnue". */
async function undocumentedAnswers(svc: TestService, email: string): Promise<{ count: number; unknown: string[] }> {
  const doc = (await svc.as(email).get('/api/openapi.json')).body;
  const operations = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
    .flatMap(([path, item]) => METHODS.filter((m) => item[m]).map((m) => [m, path] as const));
  const unknown: string[] = [];
  for (const [method, path] of operations) {
    // An id nobody holds: the route answers 403/404-free refusals or 422, never touches real data.
    const url = path.replace(/\{\w+\}/g, '999999999');
    const caller = svc.as(email);
    const res = method === 'get' ? await caller.get(url) : method === 'delete' ? await caller.delete(url) : await caller[method](url, {});
    if (res.status === 404 || res.status === 405) unknown.push(`${method.toUpperCase()} ${path} → ${res.status} ${res.body?.error?.message ?? ''}`);
    expect(res.status).toBeLessThan(500);
  }
  return { count: operations.length, unknown };
}

/** The routes an Express router really serves, as OpenAPI paths under `prefix`. */
function routesOf(router: Router, prefix: string): string[] {
  return (router.stack as Array<{ route?: { path: string; methods: Record<string, boolean> } }>)
    .filter((l) => l.route)
    .flatMap((l) => Object.keys(l.route!.methods).map((m) => `${m.toUpperCase()} ${(prefix + l.route!.path).replace(/:(\w+)/g, '{$1}').replace(/(.)\/$/, '$1')}`));
}

describe('OpenAPI document', () => {
  const ctx = apiWorld();

  it('should list only operations that exist: none of them answers "route inconnue"', async () => {
    const { count, unknown } = await undocumentedAnswers(ctx.svc, ctx.w.adminA.email);
    expect(count).toBeGreaterThan(40);
    expect(unknown).toEqual([]);
  });

  it('should document the routes agents and partners use beyond CRUD', async () => {
    const doc = (await ctx.svc.as(ctx.w.adminA.email).get('/api/openapi.json')).body;
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining([
      '/api/rdvs/{id}/receipts', '/api/config/feature-switches/effective', '/api/config/feature-switches/{id}',
    ]));
    expect(doc.paths['/api/config/agents/{id}'].delete.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'organisationId', in: 'query', required: true })]));
  });

  it('should not list the Outlook sync routes of a service whose sync is off', async () => {
    const doc = (await ctx.svc.as(ctx.w.adminA.email).get('/api/openapi.json')).body;
    expect(Object.keys(doc.paths).filter((p) => /^\/(api\/sync|graph|metrics)/.test(p))).toEqual([]);
  });
});

describe('OpenAPI document of a service with the Outlook sync', () => {
  let sw: SyncWorld;
  beforeAll(async () => { sw = await startSyncWorld(); }, 60_000);
  afterAll(async () => { await sw?.stop(); });

  it('should document every route the sync serves, and each documented one should exist', async () => {
    const doc = (await sw.svc.as(sw.w.adminA.email).get('/api/openapi.json')).body;
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, item]) => METHODS.filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${path}`));
    const served = [
      ...routesOf(syncRouter({ pool: sw.deps.pool, config: sw.config, now: sw.deps.now }), '/api/sync'),
      ...routesOf(notificationsRouter(sw.deps), '/graph'),
      ...routesOf(metricsRouter(sw.metrics.registry), '/metrics'),
    ];
    expect(served.length).toBeGreaterThanOrEqual(8);
    expect(served.filter((r) => !documented.includes(r))).toEqual([]);
    const { unknown } = await undocumentedAnswers(sw.svc, sw.w.adminA.email);
    expect(unknown).toEqual([]);
  }, 60_000);

  it('should give the French refusals of the admin actions, as the API words them', async () => {
    const doc = (await sw.svc.as(sw.w.adminA.email).get('/api/openapi.json')).body;
    const connect = doc.paths['/api/sync/mailboxes/{agentId}/connect'].post;
    expect(connect.responses['202'].content['application/json'].schema).toMatchObject({ type: 'object', required: expect.arrayContaining(['state', 'connected']) });
    const conflicts = connect.responses['409'].content['application/json'].examples;
    expect(Object.values(conflicts).map((e: any) => e.value.error.code).sort()).toEqual(['feature_disabled', 'sync_opted_out']);
    // The example is what the API really answers for an organisation without the switch.
    const refused = await sw.svc.as(sw.w.adminB.email).post(`/api/sync/mailboxes/${sw.w.adminB.id}/connect`);
    expect(refused.status).toBe(409);
    expect(Object.values(conflicts).map((e: any) => e.value)).toContainEqual(refused.body);
    expect(connect.responses['422'].content['application/json'].examples.outlookMailbox.value.error).toMatchObject({ code: 'no_outlook_mailbox', field: 'outlookMailbox' });
    // Graph's webhook is public (Graph authenticates with clientState) and words its refusals as documented.
    expect(doc.paths['/graph/notifications'].post.security).toEqual([]);
    const malformed = await sw.svc.withAuthorization(null).post('/graph/notifications', {});
    expect(malformed.status).toBe(400);
    expect(malformed.body).toEqual(doc.paths['/graph/notifications'].post.responses['400'].content['application/json'].examples.invalid_notification.value);
  }, 60_000);
});
