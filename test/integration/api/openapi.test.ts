import { describe, expect, it } from '@jest/globals';
import { apiWorld } from '../../helpers/service';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

describe('OpenAPI document', () => {
  const ctx = apiWorld();

  it('should list only operations that exist: none of them answers "route inconnue"', async () => {
    const doc = (await ctx.svc.as(ctx.w.adminA.email).get('/api/openapi.json')).body;
    const operations = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, item]) => METHODS.filter((m) => item[m]).map((m) => [m, path] as const));
    expect(operations.length).toBeGreaterThan(40);
    const unknown: string[] = [];
    for (const [method, path] of operations) {
      // An id nobody holds: the route answers 403/404-free refusals or 422, never touches real data.
      const url = path.replace('{id}', '999999999');
      const caller = ctx.svc.as(ctx.w.adminA.email);
      const res = method === 'get' ? await caller.get(url) : method === 'delete' ? await caller.delete(url) : await caller[method](url, {});
      if (res.status === 404 || res.status === 405) unknown.push(`${method.toUpperCase()} ${path} → ${res.status} ${res.body?.error?.message ?? ''}`);
      expect(res.status).toBeLessThan(500);
    }
    expect(unknown).toEqual([]);
  });

  it('should document the routes agents and partners use beyond CRUD', async () => {
    const doc = (await ctx.svc.as(ctx.w.adminA.email).get('/api/openapi.json')).body;
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining([
      '/api/rdvs/{id}/receipts', '/api/config/feature-switches/effective', '/api/config/feature-switches/{id}',
    ]));
    expect(doc.paths['/api/config/agents/{id}'].delete.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'organisationId', in: 'query', required: true })]));
  });
});
