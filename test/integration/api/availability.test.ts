import { describe, expect, it } from '@jest/globals';
import { apiWorld } from '../../helpers/service';

// Monday 2 March 2026, 08:00 in Paris; three agents of organisation A work Mon–Fri 09:00–17:00 for the 30-min motif.
const NOW = new Date('2026-03-02T07:00:00Z');

describe('availability API', () => {
  const ctx = apiWorld({ now: NOW });

  const slotsOf = async (query: string) => {
    const res = await ctx.svc.as(ctx.w.agentA.email).get(`/api/availability?${query}`);
    expect(res.status).toBe(200);
    // Flatten the day → lieu → agent grouping back into slots for the assertions.
    const slots = (res.body.days ?? []).flatMap((d: any) => d.lieux.flatMap((l: any) => l.agents.flatMap((a: any) =>
      a.starts.map((start: string) => ({ start, agentId: a.agentId, lieuId: l.lieuId })))));
    return { ...res.body, slots };
  };

  it('should offer every 30-minute slot of each agent’s plage, in the territory’s time', async () => {
    const body = await slotsOf(`motifId=${ctx.w.motifA}&from=2026-03-03&to=2026-03-03`);
    expect(body.timeZone).toBe('Europe/Paris');
    expect(body.durationMinutes).toBe(30);
    expect(body.slotCount).toBe(3 * 16);
    const mine = body.slots.filter((s: any) => s.agentId === ctx.w.agentA.id);
    expect(mine[0].start).toBe('2026-03-03T08:00:00.000Z'); // 09:00 in Paris (UTC+1)
    expect(mine.at(-1).start).toBe('2026-03-03T15:30:00.000Z');
    expect(body.days[0].day).toBe('2026-03-03');
  });

  it('should filter by agent and lieu', async () => {
    const body = await slotsOf(`motifId=${ctx.w.motifA}&agentId=${ctx.w.agentA2.id}&lieuId=${ctx.w.lieuA}&from=2026-03-03&to=2026-03-04`);
    expect(body.slotCount).toBe(32);
    expect(new Set(body.slots.map((s: any) => s.agentId))).toEqual(new Set([ctx.w.agentA2.id]));
  });

  it('should stop offering a slot once it is booked, and offer it again once cancelled', async () => {
    const q = `motifId=${ctx.w.motifA}&agentId=${ctx.w.agentA.id}&from=2026-03-05&to=2026-03-05`;
    const before = await slotsOf(q);
    const rdv = await ctx.svc.as(ctx.w.agentA.email).post('/api/rdvs', {
      motifId: ctx.w.motifA, lieuId: ctx.w.lieuA, startsAt: '2026-03-05T10:00:00+01:00', agentIds: [ctx.w.agentA.id], usagerIds: [ctx.w.usagerA],
    });
    expect(rdv.status).toBe(201);
    const after = await slotsOf(q);
    expect(after.slotCount).toBe(before.slotCount - 1);
    expect(after.slots.map((s: any) => s.start)).not.toContain('2026-03-05T09:00:00.000Z');
    await ctx.svc.as(ctx.w.agentA.email).post(`/api/rdvs/${rdv.body.id}/cancel`, { status: 'revoked', reason: 'Agent en formation' });
    expect((await slotsOf(q)).slotCount).toBe(before.slotCount);
  });

  it('should treat Outlook busy time of the agent as blocking', async () => {
    await ctx.svc.db.pool.query(
      `insert into busy_blocks (agent_id, starts_at, ends_at, show_as, source_id) values ($1, '2026-03-06T08:00Z', '2026-03-06T10:00Z', 'busy', 'evt-1')`,
      [ctx.w.agentA.id]);
    const body = await slotsOf(`motifId=${ctx.w.motifA}&agentId=${ctx.w.agentA.id}&from=2026-03-06&to=2026-03-06`);
    expect(body.slots[0].start).toBe('2026-03-06T10:00:00.000Z');
    expect(body.slotCount).toBe(12);
  });

  it('should give the earliest free slot within six months', async () => {
    const res = await ctx.svc.as(ctx.w.agentA.email).get(`/api/availability/next?motifId=${ctx.w.motifA}&agentId=${ctx.w.agentA2.id}`);
    expect(res.status).toBe(200);
    expect(res.body.next.start).toBe('2026-03-02T08:00:00.000Z');
  });

  it('should list collective RDVs with seats left instead of computed slots', async () => {
    const created = await ctx.svc.as(ctx.w.agentA.email).post('/api/rdvs', {
      motifId: ctx.w.collectiveMotifA, lieuId: ctx.w.lieuA, startsAt: '2026-03-10T14:00:00+01:00', agentIds: [ctx.w.agentA2.id], usagerIds: [ctx.w.usagerA],
    });
    expect(created.status).toBe(201);
    const body = await slotsOf(`motifId=${ctx.w.collectiveMotifA}&from=2026-03-02&to=2026-03-31`);
    expect(body.collective).toBe(true);
    expect(body.collectiveRdvs).toEqual([expect.objectContaining({ rdvId: created.body.id, seatsLeft: 2, capacity: 3 })]);
  });

  it('should reject bad periods with 422 naming the field', async () => {
    const cases: Array<[string, string]> = [
      [`motifId=${ctx.w.motifA}&from=2026-03-10&to=2026-03-01`, 'to'],
      [`motifId=${ctx.w.motifA}&from=2026-03-01&to=2026-07-01`, 'to'],
      [`motifId=${ctx.w.motifA}&from=2026-02-30&to=2026-03-03`, 'from'],
      [`motifId=${ctx.w.motifA}&from=lundi&to=2026-03-03`, 'from'],
      [`from=2026-03-01&to=2026-03-03`, 'motifId'],
    ];
    for (const [q, field] of cases) {
      const res = await ctx.svc.as(ctx.w.agentA.email).get(`/api/availability?${q}`);
      expect(res.status).toBe(422);
      expect(res.body.error.field).toBe(field);
    }
  });

  it('should refuse an unknown motif and a motif of another organisation alike', async () => {
    const unknown = await ctx.svc.as(ctx.w.agentA.email).get('/api/availability?motifId=99999&from=2026-03-02&to=2026-03-03');
    const foreign = await ctx.svc.as(ctx.w.agentA.email).get(`/api/availability?motifId=${ctx.w.motifB}&from=2026-03-02&to=2026-03-03`);
    expect(unknown.status).toBe(403);
    expect(foreign.status).toBe(403);
    expect(unknown.body).toEqual(foreign.body);
  });
});
