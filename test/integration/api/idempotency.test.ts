/**
 * Retries by clients: a POST that creates (RDV, usager, relative) may carry an Idempotency-Key. The same key and
 * body from the same agent within 24 h gets the first answer back and creates nothing more; the same key with
 * another body is refused with 422.
 */
import { describe, expect, it } from '@jest/globals';
import { apiWorld } from '../../helpers/service';

// Monday 2 March 2026, 08:00 in Paris; agents of organisation A work Mon–Fri 09:00–17:00.
const NOW = new Date('2026-03-02T07:00:00Z');

describe('Idempotency-Key on creating routes', () => {
  const ctx = apiWorld({ now: NOW });
  const key = (k: string) => ({ 'Idempotency-Key': k });
  const rdvBody = (startsAt: string) => ({ motifId: ctx.w.motifA, lieuId: ctx.w.lieuA, startsAt, agentIds: [ctx.w.agentA.id], usagerIds: [ctx.w.usagerA] });
  const count = async (table: string) => Number((await ctx.svc.db.pool.query(`select count(*) from ${table}`)).rows[0].count);

  it('should answer a retried booking with the first answer and book it once', async () => {
    const before = await count('rdvs');
    const first = await ctx.svc.as(ctx.w.agentA.email).post('/api/rdvs', rdvBody('2026-03-03T10:00:00+01:00'), key('book-1'));
    expect(first.status).toBe(201);
    const retry = await ctx.svc.as(ctx.w.agentA.email).post('/api/rdvs', rdvBody('2026-03-03T10:00:00+01:00'), key('book-1'));
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await count('rdvs')).toBe(before + 1);
  });

  it('should treat the same JSON written with its keys in another order as the same body', async () => {
    const body = rdvBody('2026-03-03T11:00:00+01:00');
    const first = await ctx.svc.as(ctx.w.agentA.email).post('/api/rdvs', body, key('book-order'));
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    const retry = await ctx.svc.as(ctx.w.agentA.email).post('/api/rdvs', reordered, key('book-order'));
    expect([first.status, retry.status]).toEqual([201, 201]);
    expect(retry.body.id).toBe(first.body.id);
  });

  it('should refuse the same key with another body with 422 and store nothing', async () => {
    const first = await ctx.svc.as(ctx.w.agentA.email).post('/api/rdvs', rdvBody('2026-03-03T14:00:00+01:00'), key('book-2'));
    expect(first.status).toBe(201);
    const before = await count('rdvs');
    const other = await ctx.svc.as(ctx.w.agentA.email).post('/api/rdvs', rdvBody('2026-03-03T15:00:00+01:00'), key('book-2'));
    expect(other.status).toBe(422);
    expect(other.body.error).toMatchObject({ code: 'idempotency_key_reused', field: 'Idempotency-Key' });
    expect(other.body.error.message).toMatch(/déjà été utilisée/);
    expect(await count('rdvs')).toBe(before);
  });

  it('should book once when requests with the same key arrive together', async () => {
    const before = await count('rdvs');
    const results = await Promise.all(Array.from({ length: 6 }, () =>
      ctx.svc.as(ctx.w.agentA.email).post('/api/rdvs', rdvBody('2026-03-04T10:00:00+01:00'), key('book-together'))));
    expect(results.map((r) => r.status)).toEqual(Array(6).fill(201));
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect(await count('rdvs')).toBe(before + 1);
  });

  it('should create an usager once when requests with the same key arrive together', async () => {
    const body = { organisationId: ctx.w.orgA, firstName: 'Lou', lastName: 'Ensemble' };
    const results = await Promise.all(Array.from({ length: 6 }, () => ctx.svc.as(ctx.w.agentA.email).post('/api/usagers', body, key('usager-together'))));
    expect(results.map((r) => r.status)).toEqual(Array(6).fill(201));
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect(Number((await ctx.svc.db.pool.query(`select count(*) from usagers where last_name = 'Ensemble'`)).rows[0].count)).toBe(1);
  });

  it('should create an usager and a relative once for retried requests', async () => {
    const body = { organisationId: ctx.w.orgA, firstName: 'Inès', lastName: 'Retry', phone: '06 11 22 33 44' };
    const first = await ctx.svc.as(ctx.w.agentA.email).post('/api/usagers', body, key('usager-1'));
    const retry = await ctx.svc.as(ctx.w.agentA.email).post('/api/usagers', body, key('usager-1'));
    expect([first.status, retry.status]).toEqual([201, 201]);
    expect(retry.body).toEqual(first.body);
    const child = { firstName: 'Léo', lastName: 'Retry', birthDate: '2024-01-15' };
    const c1 = await ctx.svc.as(ctx.w.agentA.email).post(`/api/usagers/${first.body.id}/relatives`, child, key('relative-1'));
    const c2 = await ctx.svc.as(ctx.w.agentA.email).post(`/api/usagers/${first.body.id}/relatives`, child, key('relative-1'));
    expect([c1.status, c2.status]).toEqual([201, 201]);
    expect(c2.body.id).toBe(c1.body.id);
    expect(Number((await ctx.svc.db.pool.query(`select count(*) from usagers where last_name = 'Retry'`)).rows[0].count)).toBe(2);
  });

  it('should refuse one key reused on another route as another body', async () => {
    const body = { organisationId: ctx.w.orgA, firstName: 'Paul', lastName: 'Cross' };
    expect((await ctx.svc.as(ctx.w.agentA.email).post('/api/usagers', body, key('cross-route'))).status).toBe(201);
    const res = await ctx.svc.as(ctx.w.agentA.email).post('/api/rdvs', rdvBody('2026-03-05T10:00:00+01:00'), key('cross-route'));
    expect(res.status).toBe(422);
  });

  it("should keep one agent's keys apart from another's", async () => {
    const body = { organisationId: ctx.w.orgA, firstName: 'Anne', lastName: 'Deux-Agents' };
    const a = await ctx.svc.as(ctx.w.agentA.email).post('/api/usagers', body, key('shared-key'));
    const b = await ctx.svc.as(ctx.w.agentA2.email).post('/api/usagers', body, key('shared-key'));
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.body.id).not.toBe(a.body.id);
  });

  it('should store nothing for a refused request, so that a corrected retry with the same key goes through', async () => {
    const refused = await ctx.svc.as(ctx.w.agentA.email).post('/api/usagers', { organisationId: ctx.w.orgA, firstName: 'Sans' }, key('fix-me'));
    expect(refused.status).toBe(422);
    const fixed = await ctx.svc.as(ctx.w.agentA.email).post('/api/usagers', { organisationId: ctx.w.orgA, firstName: 'Sans', lastName: 'Nom' }, key('fix-me'));
    expect(fixed.status).toBe(201);
  });

  it('should forget a key after 24 hours', async () => {
    const body = { organisationId: ctx.w.orgA, firstName: 'Jour', lastName: 'Suivant' };
    const first = await ctx.svc.as(ctx.w.agentA.email).post('/api/usagers', body, key('day-old'));
    try {
      ctx.svc.setNow(new Date(NOW.getTime() + 23 * 3600_000));
      expect((await ctx.svc.as(ctx.w.agentA.email).post('/api/usagers', body, key('day-old'))).body.id).toBe(first.body.id);
      ctx.svc.setNow(new Date(NOW.getTime() + 24 * 3600_000 + 1000));
      const later = await ctx.svc.as(ctx.w.agentA.email).post('/api/usagers', body, key('day-old'));
      expect(later.status).toBe(201);
      expect(later.body.id).not.toBe(first.body.id);
      // Expired keys are purged in the background, after the answer.
      const expired = () => ctx.svc.db.pool.query('select count(*) from idempotency_keys where created_at < $1', [new Date(NOW.getTime() + 1000)]);
      for (let i = 0; i < 50 && Number((await expired()).rows[0].count) > 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(Number((await expired()).rows[0].count)).toBe(0);
    } finally {
      ctx.svc.setNow(NOW);
    }
  });

  it('should refuse a malformed Idempotency-Key with 422 naming the header', async () => {
    for (const bad of ['x'.repeat(256), 'avec des espaces']) {
      const res = await ctx.svc.as(ctx.w.agentA.email).post('/api/usagers', { organisationId: ctx.w.orgA, firstName: 'A', lastName: 'B' }, key(bad));
      expect(res.status).toBe(422);
      expect(res.body.error.field).toBe('Idempotency-Key');
    }
  });

  it('should document the header on the three creating operations', async () => {
    const doc = (await ctx.svc.withAuthorization(null).get('/api/openapi.json')).body;
    for (const path of ['/api/rdvs', '/api/usagers', '/api/usagers/{id}/relatives']) {
      expect(doc.paths[path].post.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'Idempotency-Key', in: 'header' })]));
    }
  });
});
