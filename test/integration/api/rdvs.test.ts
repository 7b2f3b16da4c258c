import { describe, expect, it } from '@jest/globals';
import { insertUsager } from '../../helpers/builders';
import { apiWorld } from '../../helpers/service';

// Monday 2 March 2026, 08:00 in Paris; agents of organisation A work Mon–Fri 09:00–17:00 (Paris, UTC+1 then).
const NOW = new Date('2026-03-02T07:00:00Z');

describe('RDV API', () => {
  const ctx = apiWorld({ now: NOW });

  const book = (startsAt: string, extra: Record<string, unknown> = {}) => ctx.svc.as(ctx.w.agentA.email).post('/api/rdvs', {
    motifId: ctx.w.motifA, lieuId: ctx.w.lieuA, startsAt, agentIds: [ctx.w.agentA.id], usagerIds: [ctx.w.usagerA], ...extra,
  });
  const rdvCount = async () => Number((await ctx.svc.db.pool.query('select count(*) from rdvs')).rows[0].count);

  it('should book an RDV of the motif duration and show it with participants and audit trail', async () => {
    const res = await book('2026-03-03T10:00:00+01:00', { channel: 'addin', context: 'Premier rendez-vous' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'unknown', agentIds: [ctx.w.agentA.id], channel: 'addin', lieuId: ctx.w.lieuA });
    expect(new Date(res.body.endsAt).getTime() - new Date(res.body.startsAt).getTime()).toBe(30 * 60_000);
    const one = await ctx.svc.as(ctx.w.agentA.email).get(`/api/rdvs/${res.body.id}`);
    expect(one.body.participants.map((p: any) => p.usagerId)).toEqual([ctx.w.usagerA]);
    expect(one.body.audit).toEqual([expect.objectContaining({ action: 'created', channel: 'addin', actorAgentId: ctx.w.agentA.id })]);
  });

  it('should refuse a second RDV overlapping the first with 409 naming it', async () => {
    const first = await book('2026-03-04T10:00:00+01:00');
    expect(first.status).toBe(201);
    const second = await ctx.svc.as(ctx.w.adminA.email).post('/api/rdvs', {
      motifId: ctx.w.motifA, lieuId: ctx.w.lieuA, startsAt: '2026-03-04T10:15:00+01:00', endsAt: '2026-03-04T10:45:00+01:00',
      agentIds: [ctx.w.agentA.id], usagerIds: [ctx.w.usagerA],
    });
    expect(second.status).toBe(409);
    expect(second.body.error).toMatchObject({ code: 'rdv_conflict', conflictingRdvId: first.body.id, agentId: ctx.w.agentA.id, field: 'startsAt' });
    expect(second.body.error.message).toContain(`n° ${first.body.id}`);
  });

  it('should let the store alone refuse overlapping live RDVs, naming the conflicting one', async () => {
    // Bypass the availability re-check: two direct inserts for the same agent and overlapping times.
    const { rows } = await ctx.svc.db.pool.query(
      `insert into rdvs (organisation_id, motif_id, lieu_id, starts_at, ends_at, channel) values ($1, $2, $3, '2026-03-05T09:00Z', '2026-03-05T09:30Z', 'api') returning id`,
      [ctx.w.orgA, ctx.w.motifA, ctx.w.lieuA]);
    await ctx.svc.db.pool.query('insert into rdv_agents (rdv_id, agent_id, starts_at, ends_at, live) values ($1, $2, now(), now(), false)', [rows[0].id, ctx.w.agentA.id]);
    const other = await ctx.svc.db.pool.query(
      `insert into rdvs (organisation_id, motif_id, lieu_id, starts_at, ends_at, channel) values ($1, $2, $3, '2026-03-05T09:15Z', '2026-03-05T09:45Z', 'api') returning id`,
      [ctx.w.orgA, ctx.w.motifA, ctx.w.lieuA]);
    await expect(ctx.svc.db.pool.query('insert into rdv_agents (rdv_id, agent_id, starts_at, ends_at, live) values ($1, $2, now(), now(), false)', [other.rows[0].id, ctx.w.agentA.id]))
      .rejects.toMatchObject({ code: '23P01', constraint: 'rdv_agents_no_overlap' });
    // A revoked RDV does not count: the same insert succeeds once the first is revoked.
    await ctx.svc.db.pool.query(`update rdvs set status = 'revoked' where id = $1`, [rows[0].id]);
    await ctx.svc.db.pool.query('insert into rdv_agents (rdv_id, agent_id, starts_at, ends_at, live) values ($1, $2, now(), now(), false)', [other.rows[0].id, ctx.w.agentA.id]);
    // …and un-revoking it now collides.
    await expect(ctx.svc.db.pool.query(`update rdvs set status = 'unknown' where id = $1`, [rows[0].id])).rejects.toMatchObject({ code: '23P01' });
  });

  it('should book exactly one of many concurrent requests for the same slot', async () => {
    const results = await Promise.all(Array.from({ length: 16 }, (_, i) => ctx.svc.as(i % 2 ? ctx.w.agentA.email : ctx.w.adminA.email).post('/api/rdvs', {
      motifId: ctx.w.motifA, lieuId: ctx.w.lieuA, startsAt: '2026-03-06T14:00:00+01:00', agentIds: [ctx.w.agentA2.id], usagerIds: [ctx.w.usagerA],
    })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(15);
    const winner = results.find((r) => r.status === 201)!.body.id;
    for (const r of results.filter((x) => x.body.error?.code === 'rdv_conflict')) expect(r.body.error.conflictingRdvId ?? winner).toBe(winner);
    const { rows } = await ctx.svc.db.pool.query(
      `select count(*) from rdv_agents where agent_id = $1 and live and starts_at = '2026-03-06T13:00Z'`, [ctx.w.agentA2.id]);
    expect(Number(rows[0].count)).toBe(1);
  });

  it('should refuse a slot outside the agent’s plages with 409 slot_unavailable', async () => {
    const res = await book('2026-03-03T19:00:00+01:00');
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('slot_unavailable');
  });

  it('should answer 422 naming the field for bad bodies, and store nothing', async () => {
    const before = await rdvCount();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ startsAt: 'tomorrow at ten' }, 'startsAt'],
      [{ agentIds: [] }, 'agentIds'],
      [{ motifId: 'abc' }, 'motifId'],
      [{ unexpected: true }, ''],
      [{ usagerIds: [] }, 'usagerIds'],
    ];
    for (const [patch, field] of cases) {
      const res = await book('2026-03-09T10:00:00+01:00', patch);
      expect(res.status).toBe(422);
      if (field) expect(res.body.error.field).toBe(field);
      expect(res.body.error.message).toBeTruthy();
    }
    expect(await rdvCount()).toBe(before);
  });

  it('should refuse booking with a motif, agent or usager of another organisation with 403', async () => {
    const asB = ctx.svc.as(ctx.w.adminB.email);
    const motif = await asB.post('/api/rdvs', { motifId: ctx.w.motifA, lieuId: ctx.w.lieuA, startsAt: '2026-03-09T10:00:00+01:00', agentIds: [ctx.w.adminB.id], usagerIds: [ctx.w.usagerB] });
    expect(motif.status).toBe(403);
    const agent = await ctx.svc.as(ctx.w.agentA.email).post('/api/rdvs', { motifId: ctx.w.motifA, lieuId: ctx.w.lieuA, startsAt: '2026-03-09T10:00:00+01:00', agentIds: [ctx.w.adminB.id], usagerIds: [ctx.w.usagerA] });
    expect(agent.status).toBe(403);
    expect(agent.body.error.field).toBe('agentIds');
  });

  it('should not show an RDV to an agent of another organisation', async () => {
    const mine = await book('2026-03-09T11:00:00+01:00');
    const asB = ctx.svc.as(ctx.w.adminB.email);
    const seen = await asB.get(`/api/rdvs/${mine.body.id}`);
    const missing = await asB.get('/api/rdvs/987654');
    expect(seen.status).toBe(403);
    expect(seen.body).toEqual(missing.body);
    expect((await asB.post(`/api/rdvs/${mine.body.id}/cancel`, { status: 'revoked', reason: 'test' })).status).toBe(403);
  });

  it('should move an RDV, free its old slot and keep the audit trail', async () => {
    const rdv = await book('2026-03-10T09:00:00+01:00');
    const moved = await ctx.svc.as(ctx.w.agentA.email).post(`/api/rdvs/${rdv.body.id}/move`, { startsAt: '2026-03-10T15:00:00+01:00' });
    expect(moved.status).toBe(200);
    expect(moved.body.startsAt).toBe('2026-03-10T14:00:00.000Z');
    expect(moved.body.sequence).toBe(1);
    expect((await book('2026-03-10T09:00:00+01:00')).status).toBe(201);
    const detail = await ctx.svc.as(ctx.w.agentA.email).get(`/api/rdvs/${rdv.body.id}`);
    expect(detail.body.audit.map((a: any) => a.action)).toEqual(['created', 'moved']);
  });

  it('should move an RDV to a time its agent is busy at when the move also hands it to another agent', async () => {
    const rdv = await book('2026-03-16T09:00:00+01:00');
    expect((await book('2026-03-16T14:00:00+01:00')).status).toBe(201); // agent A is busy at 14:00
    const moved = await ctx.svc.as(ctx.w.agentA.email).post(`/api/rdvs/${rdv.body.id}/move`, { startsAt: '2026-03-16T14:00:00+01:00', agentIds: [ctx.w.agentA2.id] });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ startsAt: '2026-03-16T13:00:00.000Z', agentIds: [ctx.w.agentA2.id] });
    const { rows } = await ctx.svc.db.pool.query('select agent_id, starts_at from rdv_agents where rdv_id = $1', [rdv.body.id]);
    expect(rows).toEqual([{ agent_id: ctx.w.agentA2.id, starts_at: new Date('2026-03-16T13:00:00Z') }]);
  });

  it('should cancel an RDV with a reason, which frees the slot, and refuse to cancel it twice', async () => {
    const rdv = await book('2026-03-11T09:00:00+01:00');
    const cancelled = await ctx.svc.as(ctx.w.agentA.email).post(`/api/rdvs/${rdv.body.id}/cancel`, { status: 'excused', reason: 'Enfant malade' });
    expect(cancelled.body).toMatchObject({ status: 'excused', cancelReason: 'Enfant malade' });
    expect((await ctx.svc.as(ctx.w.agentA.email).post(`/api/rdvs/${rdv.body.id}/cancel`, { status: 'revoked', reason: 'x' })).status).toBe(409);
    expect((await book('2026-03-11T09:00:00+01:00')).status).toBe(201);
    const noReason = await ctx.svc.as(ctx.w.agentA.email).post(`/api/rdvs/${rdv.body.id}/cancel`, { status: 'excused' });
    expect(noReason.status).toBe(422);
    expect(noReason.body.error.field).toBe('reason');
  });

  it('should mark a past RDV seen or no-show, but not a future one', async () => {
    const rdv = await book('2026-03-12T09:00:00+01:00');
    const early = await ctx.svc.as(ctx.w.agentA.email).post(`/api/rdvs/${rdv.body.id}/status`, { status: 'seen' });
    expect(early.status).toBe(422);
    ctx.svc.setNow(new Date('2026-03-12T10:00:00Z'));
    try {
      const seen = await ctx.svc.as(ctx.w.agentA.email).post(`/api/rdvs/${rdv.body.id}/status`, { status: 'noshow' });
      expect(seen.body.status).toBe('noshow');
    } finally {
      ctx.svc.setNow(NOW);
    }
  });

  it("should list an agent's RDVs of a period, and refuse a period over three months", async () => {
    const list = await ctx.svc.as(ctx.w.agentA.email).get('/api/rdvs?from=2026-03-02T00:00:00Z&to=2026-03-14T00:00:00Z');
    expect(list.status).toBe(200);
    expect(list.body.length).toBeGreaterThanOrEqual(5);
    expect(list.body.every((r: any) => r.agentIds.includes(ctx.w.agentA.id))).toBe(true);
    expect(list.body[0]).toHaveProperty('motifName', 'Consultation PMI');
    const tooLong = await ctx.svc.as(ctx.w.agentA.email).get('/api/rdvs?from=2026-03-02T00:00:00Z&to=2026-09-14T00:00:00Z');
    expect(tooLong.status).toBe(422);
    expect(tooLong.body.error.field).toBe('to');
  });

  it('should enforce the capacity of a collective RDV, even under concurrent registrations', async () => {
    const created = await ctx.svc.as(ctx.w.agentA.email).post('/api/rdvs', {
      motifId: ctx.w.collectiveMotifA, lieuId: ctx.w.lieuA, startsAt: '2026-03-13T14:00:00+01:00', agentIds: [ctx.w.agentA.id], usagerIds: [],
    });
    expect(created.status).toBe(201);
    expect(created.body.capacity).toBe(3);
    const usagers = await Promise.all(Array.from({ length: 6 }, (_, i) =>
      insertUsager(ctx.svc.db.pool, { territoryId: ctx.w.territoryId, organisationId: ctx.w.orgA, firstName: `Parent${i}`, lastName: 'Collectif' })));
    const results = await Promise.all(usagers.map((u) => ctx.svc.as(ctx.w.agentA.email).post(`/api/rdvs/${created.body.id}/participants`, { usagerIds: [u] })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(3);
    expect(results.filter((r) => r.status === 409).every((r) => r.body.error.code === 'rdv_full')).toBe(true);
  });
});
