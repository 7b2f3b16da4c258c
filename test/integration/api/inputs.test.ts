/**
 * Bad input, as a careless client or an attacker sends it: every refusal is a 4xx with a French message, and
 * nothing is stored when a request is refused.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from '@jest/globals';
import pino from 'pino';
import { apiWorld } from '../../helpers/service';

// Monday 2 March 2026, 08:00 in Paris.
const NOW = new Date('2026-03-02T07:00:00Z');

describe('bad input on the API', () => {
  // Warnings the service logs, to check what operators are told.
  const warnings: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => { warnings.push(JSON.parse(line)); } });
  const ctx = apiWorld({ now: NOW, deps: { logger } });
  const admin = () => ctx.svc.as(ctx.w.adminA.email);
  const count = async (table: string) => Number((await ctx.svc.db.pool.query(`select count(*) from ${table}`)).rows[0].count);

  /** A request with headers and a raw body exactly as given. */
  const raw = async (method: string, path: string, headers: Record<string, string>, body?: Buffer | string) => {
    const token = await ctx.svc.idp.token({ preferred_username: ctx.w.adminA.email });
    const res = await fetch(ctx.svc.baseUrl + path, { method, headers: { authorization: `Bearer ${token}`, ...headers }, body: typeof body === 'string' || body === undefined ? body : new Uint8Array(body) });
    const text = await res.text();
    let json: any = null;
    try { json = JSON.parse(text); } catch { /* not JSON */ }
    return { status: res.status, body: json };
  };
  const expectFrenchError = (body: any) => {
    expect(typeof body?.error?.code).toBe('string');
    expect(body.error.message).toMatch(/[a-zé]/);
  };

  describe('dates', () => {
    it('should refuse date-only bounds of an RDV list with 422 naming the field, not 500', async () => {
      const res = await admin().get('/api/rdvs?from=2026-12-01&to=2026-12-05');
      expect(res.status).toBe(422);
      expect(res.body.error.field).toBe('from');
    });

    it.each([
      ['a plage recurring until year 0000', '/api/config/plages', (w: any) => ({
        organisationId: w.orgA, agentId: w.agentA.id, lieuId: w.lieuA, firstDay: '2026-04-06', startTime: '09:00', endTime: '12:00',
        motifIds: [w.motifA], recurrence: { frequency: 'weekly', weekdays: [1], until: '0000-01-01' } }), 'recurrence.until', 'plages'],
      ['a plage starting in year 9999', '/api/config/plages', (w: any) => ({
        organisationId: w.orgA, agentId: w.agentA.id, lieuId: w.lieuA, firstDay: '9999-04-06', startTime: '09:00', endTime: '12:00', motifIds: [w.motifA] }), 'firstDay', 'plages'],
      ['an absence ending in year 0001', '/api/config/absences', (w: any) => ({
        organisationId: w.orgA, agentId: w.agentA.id, firstDay: '2026-04-06', startTime: '09:00', endDay: '0001-01-01', endTime: '12:00' }), 'endDay', 'absences'],
      ['an usager born in year 0000', '/api/usagers', (w: any) => ({ organisationId: w.orgA, firstName: 'Anne', lastName: 'Hier', birthDate: '0000-01-01' }), 'birthDate', 'usagers'],
      ['an usager born in 1850', '/api/usagers', (w: any) => ({ organisationId: w.orgA, firstName: 'Anne', lastName: 'Hier', birthDate: '1850-01-01' }), 'birthDate', 'usagers'],
      ['an RDV in year 0001', '/api/rdvs', (w: any) => ({ motifId: w.motifA, lieuId: w.lieuA, startsAt: '0001-03-03T10:00:00+01:00', agentIds: [w.agentA.id] }), 'startsAt', 'rdvs'],
    ])('should refuse %s with 422, storing nothing', async (_title, path, body, field, table) => {
      const before = await count(table);
      const res = await admin().post(path, body(ctx.w));
      expect(res.status).toBe(422);
      expect(res.body.error.field).toBe(field);
      expect(await count(table)).toBe(before);
    });

    it('should refuse an availability period in year 0000 with 422', async () => {
      const res = await admin().get(`/api/availability?motifId=${ctx.w.motifA}&from=0000-01-01&to=0000-01-02`);
      expect(res.status).toBe(422);
      expect(res.body.error.field).toBe('from');
    });

    it('should still answer availability when stored plages or absences hold impossible dates, skipping only those rows', async () => {
      // Year 0000 (which PostgreSQL cannot even cast to a date) and a month 13, saved before the schemas bounded dates.
      const { rows } = await ctx.svc.db.pool.query(
        `insert into plages (organisation_id, agent_id, lieu_id, first_day, start_time, end_time, recurrence)
         values ($1, $2, $3, '2026-03-02', '18:00', '19:00', '{"frequency":"weekly","interval":1,"weekdays":[2],"until":"0000-01-01"}'),
                ($1, $2, $3, '2026-03-02', '18:00', '19:00', '{"frequency":"weekly","interval":1,"weekdays":[2],"until":"2026-13-45"}')
         returning id`,
        [ctx.w.orgA, ctx.w.agentA.id, ctx.w.lieuA]);
      await ctx.svc.db.pool.query('insert into plage_motifs (plage_id, motif_id) select p, $2 from unnest($1::bigint[]) p', [rows.map((r) => r.id), ctx.w.motifA]);
      const absence = await ctx.svc.db.pool.query(
        `insert into absences (organisation_id, agent_id, first_day, start_time, end_day, end_time, recurrence)
         values ($1, $2, '2026-03-02', '12:00', '2026-03-02', '13:00', '{"frequency":"weekly","interval":0,"weekdays":[2],"until":"2026-99-99"}') returning id`,
        [ctx.w.orgA, ctx.w.agentA2.id]);
      try {
        const res = await ctx.svc.as(ctx.w.agentA.email).get(`/api/availability?motifId=${ctx.w.motifA}&from=2026-03-03&to=2026-03-03`);
        expect(res.status).toBe(200);
        const slotsOf = (agentId: number) => res.body.days.flatMap((d: any) => d.lieux.flatMap((l: any) => l.agents.filter((a: any) => a.agentId === agentId).flatMap((a: any) => a.starts)));
        // Agent A: the good plage (09:00–17:00) only, not the unreadable ones (18:00–19:00).
        expect(slotsOf(ctx.w.agentA.id)).toHaveLength(16);
        expect(slotsOf(ctx.w.adminA.id)).toHaveLength(16);
        // Agent A2's absence cannot be read: when unsure, A2 is not offered rather than offered during an absence.
        expect(slotsOf(ctx.w.agentA2.id)).toHaveLength(0);
        // Operators are told which rows to fix (ids only).
        expect(warnings.filter((w) => w.msg === 'availability: unreadable stored row skipped').map((w) => [w.table, w.id]))
          .toEqual(expect.arrayContaining([['plages', rows[1].id], ['absences', absence.rows[0].id]]));
        const next = await ctx.svc.as(ctx.w.agentA.email).get(`/api/availability/next?motifId=${ctx.w.motifA}&agentId=${ctx.w.agentA.id}`);
        expect(next.status).toBe(200);
        expect(next.body.next).not.toBeNull();
      } finally {
        await ctx.svc.db.pool.query('delete from plages where id = any($1::bigint[])', [rows.map((r) => r.id)]);
        await ctx.svc.db.pool.query('delete from absences where id = $1', [absence.rows[0].id]);
      }
    });
  });

  describe('text', () => {
    it.each([
      ['an usager name', '/api/usagers', (w: any) => ({ organisationId: w.orgA, firstName: 'An\u0000ne', lastName: 'Nul' }), 'firstName', 'usagers'],
      ['an usager address', '/api/usagers', (w: any) => ({ organisationId: w.orgA, firstName: 'Anne', lastName: 'Nul', address: '1 rue\u0000 des Lilas' }), 'address', 'usagers'],
      ['a lieu address', '/api/config/lieux', (w: any) => ({ organisationId: w.orgA, name: 'Antenne', address: '3 place\u0000' }), 'address', 'lieux'],
      ['an RDV context', '/api/rdvs', (w: any) => ({ motifId: w.motifA, lieuId: w.lieuA, startsAt: '2026-03-10T10:00:00+01:00', agentIds: [w.agentA.id], context: 'a\u0000b' }), 'context', 'rdvs'],
      ['a plage title', '/api/config/plages', (w: any) => ({
        organisationId: w.orgA, agentId: w.agentA.id, lieuId: w.lieuA, firstDay: '2026-04-06', startTime: '09:00', endTime: '12:00', motifIds: [w.motifA], title: 'x\u0000' }), 'title', 'plages'],
    ])('should refuse a NUL byte in %s with 422, storing nothing', async (_title, path, body, field, table) => {
      const before = await count(table);
      const res = await admin().post(path, body(ctx.w));
      expect(res.status).toBe(422);
      expect(res.body.error.field).toBe(field);
      expect(await count(table)).toBe(before);
    });

    it('should refuse a NUL byte in a search with 422', async () => {
      const res = await admin().get('/api/usagers?q=h%00l');
      expect(res.status).toBe(422);
      expect(res.body.error.field).toBe('q');
    });

    it.each([
      ['a right-to-left override', 'Ali\u202Ece'],
      ['a left-to-right isolate', 'Ali\u2066ce'],
      ['a line feed', 'Ali\nce'],
      ['an escape character', 'Ali\u001Bce'],
      ['a C1 control character', 'Ali\u0085ce'],
    ])('should refuse %s in a name with 422, storing nothing', async (_title, firstName) => {
      const before = await count('usagers');
      const res = await admin().post('/api/usagers', { organisationId: ctx.w.orgA, firstName, lastName: 'Martin' });
      expect(res.status).toBe(422);
      expect(res.body.error.field).toBe('firstName');
      expect(res.body.error.message).toMatch(/caractère/);
      expect(await count('usagers')).toBe(before);
    });

    it('should apply the same text rules to updates: an usager, an agent, a lieu', async () => {
      const usager = await admin().patch(`/api/usagers/${ctx.w.usagerA}`, { address: 'rue\u0000' });
      expect([usager.status, usager.body.error.field]).toEqual([422, 'address']);
      const agent = await admin().patch(`/api/config/agents/${ctx.w.agentA.id}`, { organisationId: ctx.w.orgA, lastName: 'Nord\u202E' });
      expect([agent.status, agent.body.error.field]).toEqual([422, 'lastName']);
      const lieu = await admin().patch(`/api/config/lieux/${ctx.w.lieuA}`, { name: 'Centre\u0007' });
      expect([lieu.status, lieu.body.error.field]).toEqual([422, 'name']);
      const { rows } = await ctx.svc.db.pool.query('select (select last_name from agents where id = $1) as agent, (select name from lieux where id = $2) as lieu', [ctx.w.agentA.id, ctx.w.lieuA]);
      expect(rows[0]).toEqual({ agent: 'nord', lieu: 'Centre Nord' });
    });

    it('should keep line breaks in multi-line text, and accents and apostrophes in names', async () => {
      const res = await admin().post('/api/usagers', { organisationId: ctx.w.orgA, firstName: 'Anne-Laure', lastName: 'N’Diaye d’Éon', address: '1 rue des Lilas\n86000 Poitiers' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ lastName: 'N’Diaye d’Éon', address: '1 rue des Lilas\n86000 Poitiers' });
    });
  });

  describe('numbers and ids', () => {
    it.each([
      ['maxBookingDelayMinutes', 1e12],
      ['minBookingDelayMinutes', 1e12],
      ['durationMinutes', 1e12],
    ])('should refuse %s = %d on a motif with 422, storing nothing', async (field, value) => {
      const before = await count('motifs');
      const res = await admin().post('/api/config/motifs', {
        organisationId: ctx.w.orgA, serviceId: ctx.w.serviceId, name: 'Bilan', durationMinutes: 30, locationType: 'public_office', [field]: value,
      });
      expect(res.status).toBe(422);
      expect(res.body.error.field).toBe(field);
      expect(await count('motifs')).toBe(before);
    });

    it.each([[true], [[1]], ['1'], [1.5], [-1], [0], [1e300]])('should refuse the body id %j with 422, storing nothing', async (organisationId) => {
      const before = await count('usagers');
      const res = await admin().post('/api/usagers', { organisationId, firstName: 'Anne', lastName: 'Id' });
      expect(res.status).toBe(422);
      expect(res.body.error.field).toBe('organisationId');
      expect(await count('usagers')).toBe(before);
    });

    it.each(['true', '1e0', '0x1', '+1', ' 1', '1.0', '99999999999999999999'])('should refuse the query id %j with 422', async (v) => {
      const res = await admin().get(`/api/config/lieux?organisationId=${encodeURIComponent(v)}`);
      expect(res.status).toBe(422);
      expect(res.body.error.field).toBe('organisationId');
    });

    it('should refuse a repeated query id with 422', async () => {
      const res = await admin().get(`/api/config/lieux?organisationId=${ctx.w.orgA}&organisationId=${ctx.w.orgA}`);
      expect(res.status).toBe(422);
    });

    it.each(['1e0', '0x1', '01'])('should refuse the path id %j with 422', async (v) => {
      const res = await admin().get(`/api/usagers/${v}`);
      expect(res.status).toBe(422);
      expect(res.body.error.field).toBe('id');
    });

    it('should still accept plain decimal ids in the query and the path', async () => {
      expect((await admin().get(`/api/config/lieux?organisationId=${ctx.w.orgA}`)).status).toBe(200);
      expect((await admin().get(`/api/usagers/${ctx.w.usagerA}`)).status).toBe(200);
      expect((await admin().get('/api/usagers?q=helene&limit=5')).status).toBe(200);
    });
  });

  describe('phone search', () => {
    it.each(['abcd', '----', '(  )'])('should refuse a phone search without digits (%j) with 422 instead of listing everyone', async (phone) => {
      const res = await admin().get(`/api/usagers?phone=${encodeURIComponent(phone)}`);
      expect(res.status).toBe(422);
      expect(res.body.error.field).toBe('phone');
    });
  });

  describe('conflicts', () => {
    it('should say in French words which element already exists, never the constraint name', async () => {
      const res = await admin().post('/api/config/agents', { organisationId: ctx.w.orgA, role: 'basic', firstName: 'N', lastName: 'B', email: ctx.w.agentA.email });
      expect(res.status).toBe(409);
      expect(res.body.error.message).not.toMatch(/_key|agents|constraint/);
      expect(res.body.error.message).toMatch(/adresse e-mail/);
      expect(res.body.error.field).toBe('email');
    });

    it('should answer a duplicate service short name in French words', async () => {
      const res = await admin().post('/api/config/services', { territoryId: ctx.w.territoryId, name: 'PMI bis', shortName: 'PMI' });
      expect(res.status).toBe(409);
      expect(res.body.error.message).not.toMatch(/_key|services|territory_id/);
      expect(res.body.error.field).toBe('shortName');
    });
  });

  describe('bodies', () => {
    const lieu = () => JSON.stringify({ organisationId: ctx.w.orgA, name: 'Antenne Ouest', address: '3 place du Marché' });

    it('should refuse a JSON body in another charset than UTF-8 with 415 in French', async () => {
      const before = await count('lieux');
      const res = await raw('POST', '/api/config/lieux', { 'content-type': 'application/json; charset=latin1' }, lieu());
      expect(res.status).toBe(415);
      expectFrenchError(res.body);
      expect(res.body.error.message).toMatch(/UTF-8/);
      expect(await count('lieux')).toBe(before);
    });

    it('should refuse an unsupported content encoding with 415 in French', async () => {
      const res = await raw('POST', '/api/config/lieux', { 'content-type': 'application/json', 'content-encoding': 'compress' }, lieu());
      expect(res.status).toBe(415);
      expectFrenchError(res.body);
      expect(res.body.error.message).toMatch(/gzip/);
    });

    it('should refuse a corrupt gzip body with 400 in French, and accept a good one', async () => {
      const bad = await raw('POST', '/api/config/lieux', { 'content-type': 'application/json', 'content-encoding': 'gzip' }, Buffer.from('not gzip at all'));
      expect(bad.status).toBe(400);
      expectFrenchError(bad.body);
      const good = await raw('POST', '/api/config/lieux', { 'content-type': 'application/json', 'content-encoding': 'gzip' }, gzipSync(lieu()));
      expect(good.status).toBe(201);
    });

    it.each(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])(
      'should refuse a body sent as %s with 415 in French instead of ignoring it', async (type) => {
        const before = await count('lieux');
        const res = await raw('POST', '/api/config/lieux', { 'content-type': type }, lieu());
        expect(res.status).toBe(415);
        expectFrenchError(res.body);
        expect(res.body.error.message).toMatch(/application\/json/);
        expect(await count('lieux')).toBe(before);
      });

    it('should still accept a request without a body', async () => {
      const res = await raw('GET', `/api/usagers/${ctx.w.usagerA}`, {});
      expect(res.status).toBe(200);
    });

    it('should refuse an oversize body with 413 in French', async () => {
      const res = await raw('POST', '/api/config/lieux', { 'content-type': 'application/json' },
        JSON.stringify({ organisationId: ctx.w.orgA, name: 'x', address: 'y'.repeat(300_000) }));
      expect(res.status).toBe(413);
      expectFrenchError(res.body);
    });
  });
});
