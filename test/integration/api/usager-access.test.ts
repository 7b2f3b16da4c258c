import { describe, expect, it } from '@jest/globals';
import { insertUsager } from '../../helpers/builders';
import { apiWorld } from '../../helpers/service';

// Monday 2 March 2026, 08:00 in Paris; agents of organisation A work Mon–Fri 09:00–17:00.
const NOW = new Date('2026-03-02T07:00:00Z');

/**
 * Which usagers an agent may put in an RDV: only those their organisation already follows. Following an usager of
 * another organisation of the territory is an explicit, audited action of its own (POST /api/usagers/:id/follow).
 */
describe('Usagers across organisations', () => {
  const ctx = apiWorld({ now: NOW });
  const count = async (table: string) => Number((await ctx.svc.db.pool.query(`select count(*) from ${table}`)).rows[0].count);
  const followers = async (usagerId: number) =>
    (await ctx.svc.db.pool.query('select organisation_id from usager_organisations where usager_id = $1 order by 1', [usagerId])).rows.map((r) => Number(r.organisation_id));
  const bookA = (startsAt: string, usagerIds: number[], motifId = ctx.w.motifA) => ctx.svc.as(ctx.w.agentA.email).post('/api/rdvs', {
    motifId, lieuId: ctx.w.lieuA, startsAt, agentIds: [ctx.w.agentA.id], usagerIds,
  });

  it('should refuse to book an usager followed only by another organisation, as if it did not exist, and store nothing', async () => {
    const rdvAudit = `audit_log where entity_type in ('rdv', 'usager')`;
    const [rdvs, audit] = [await count('rdvs'), await count(rdvAudit)];
    const other = await bookA('2026-03-03T10:00:00+01:00', [ctx.w.usagerB]);
    const missing = await bookA('2026-03-03T10:00:00+01:00', [987654]);
    expect(other.status).toBe(403);
    expect(other.body.error).toMatchObject({ code: 'forbidden', field: 'usagerIds' });
    // Same answer as for an id that does not exist: nothing tells A that B follows this usager.
    expect(other.body.error.message.replace(String(ctx.w.usagerB), 'ID')).toBe(missing.body.error.message.replace('987654', 'ID'));
    expect(await count('rdvs')).toBe(rdvs);
    expect(await count(rdvAudit)).toBe(audit);
    expect(await followers(ctx.w.usagerB)).toEqual([ctx.w.orgB]);
    expect((await ctx.svc.as(ctx.w.agentA.email).get(`/api/usagers/${ctx.w.usagerB}`)).status).toBe(403);
  });

  it('should refuse to add an usager of another organisation to an RDV as a participant', async () => {
    const created = await ctx.svc.as(ctx.w.agentA.email).post('/api/rdvs', {
      motifId: ctx.w.collectiveMotifA, lieuId: ctx.w.lieuA, startsAt: '2026-03-04T14:00:00+01:00', agentIds: [ctx.w.agentA.id], usagerIds: [],
    });
    expect(created.status).toBe(201);
    const res = await ctx.svc.as(ctx.w.agentA.email).post(`/api/rdvs/${created.body.id}/participants`, { usagerIds: [ctx.w.usagerB] });
    expect(res.status).toBe(403);
    expect(res.body.error.field).toBe('usagerIds');
    expect(Number((await ctx.svc.db.pool.query('select count(*) from participations where rdv_id = $1', [created.body.id])).rows[0].count)).toBe(0);
    expect(await followers(ctx.w.usagerB)).toEqual([ctx.w.orgB]);
  });

  it('should refuse an individual RDV whose participants are not one household', async () => {
    const strangers = await Promise.all(Array.from({ length: 5 }, (_, i) =>
      insertUsager(ctx.svc.db.pool, { territoryId: ctx.w.territoryId, organisationId: ctx.w.orgA, firstName: `Usager${i}`, lastName: 'Individuel' })));
    const rdvs = await count('rdvs');
    const res = await bookA('2026-03-05T10:00:00+01:00', [ctx.w.usagerA, ...strangers]);
    expect(res.status).toBe(422);
    expect(res.body.error.field).toBe('usagerIds');
    expect(res.body.error.message).toMatch(/individuel/);
    expect(await count('rdvs')).toBe(rdvs);
  });

  it('should book an individual RDV for a parent with their child, and refuse adding another household to it', async () => {
    const child = await ctx.svc.as(ctx.w.agentA.email).post(`/api/usagers/${ctx.w.usagerA}/relatives`, { firstName: 'Léo', lastName: 'Lefèvre', birthDate: '2025-11-02' });
    expect(child.status).toBe(201);
    const rdv = await bookA('2026-03-05T11:00:00+01:00', [ctx.w.usagerA, child.body.id]);
    expect(rdv.status).toBe(201);
    const stranger = await insertUsager(ctx.svc.db.pool, { territoryId: ctx.w.territoryId, organisationId: ctx.w.orgA, firstName: 'Autre', lastName: 'Foyer' });
    const added = await ctx.svc.as(ctx.w.agentA.email).post(`/api/rdvs/${rdv.body.id}/participants`, { usagerIds: [stranger] });
    expect(added.status).toBe(422);
    expect(added.body.error.field).toBe('usagerIds');
    const { rows } = await ctx.svc.db.pool.query('select usager_id from participations where rdv_id = $1 order by 1', [rdv.body.id]);
    expect(rows.map((r) => Number(r.usager_id))).toEqual([ctx.w.usagerA, child.body.id].sort((a, b) => a - b));
  });

  describe('following an usager of another organisation', () => {
    const follow = (email: string, usagerId: number, organisationId: number) =>
      ctx.svc.as(email).post(`/api/usagers/${usagerId}/follow`, { organisationId });
    const grant = (agentId: number, right: string) => ctx.svc.db.pool.query(
      'insert into territory_rights (territory_id, agent_id, right_code) values ($1, $2, $3) on conflict do nothing', [ctx.w.territoryId, agentId, right]);
    const allow = (on: boolean) => ctx.svc.db.pool.query('update territories set usager_follow_across_organisations = $2 where id = $1', [ctx.w.territoryId, on]);

    it('should refuse it to an organisation admin without the territory right, even where the territory allows it', async () => {
      await allow(true);
      const res = await follow(ctx.w.adminA.email, ctx.w.usagerB, ctx.w.orgA);
      expect(res.status).toBe(403);
      expect(res.body.error.message).toMatch(/droit/i);
      expect(await followers(ctx.w.usagerB)).toEqual([ctx.w.orgB]);
    });

    it('should refuse it, even with the right, in a territory that does not allow it', async () => {
      await allow(false);
      await grant(ctx.w.agentA.id, 'usager_follow');
      const res = await follow(ctx.w.agentA.email, ctx.w.usagerB, ctx.w.orgA);
      expect(res.status).toBe(403);
      expect(res.body.error.message).toMatch(/territoire/);
      expect(await followers(ctx.w.usagerB)).toEqual([ctx.w.orgB]);
    });

    it('should refuse it for an organisation where the agent has no role', async () => {
      await allow(true);
      await grant(ctx.w.agentA.id, 'usager_follow');
      expect((await follow(ctx.w.agentA.email, ctx.w.usagerA, ctx.w.orgB)).status).toBe(403);
      expect(await followers(ctx.w.usagerA)).toEqual([ctx.w.orgA]);
    });

    it('should let an agent with the right follow the usager where the territory allows it, audited, and then book them', async () => {
      await allow(true);
      await grant(ctx.w.agentA.id, 'usager_follow');
      const res = await follow(ctx.w.agentA.email, ctx.w.usagerB, ctx.w.orgA);
      expect(res.status).toBe(201);
      expect(res.body.id).toBe(ctx.w.usagerB);
      expect(await followers(ctx.w.usagerB)).toEqual([ctx.w.orgA, ctx.w.orgB].sort((a, b) => a - b));
      const { rows } = await ctx.svc.db.pool.query(
        `select actor_agent_id, changes from audit_log where entity_type = 'usager' and entity_id = $1 and action = 'followed'`, [ctx.w.usagerB]);
      expect(rows).toEqual([{ actor_agent_id: ctx.w.agentA.id, changes: { organisationId: ctx.w.orgA } }]);
      expect((await bookA('2026-03-06T10:00:00+01:00', [ctx.w.usagerB])).status).toBe(201);
      // Following again changes nothing and writes no second audit row.
      expect((await follow(ctx.w.agentA.email, ctx.w.usagerB, ctx.w.orgA)).status).toBe(200);
      expect(Number((await ctx.svc.db.pool.query(`select count(*) from audit_log where entity_type = 'usager' and entity_id = $1 and action = 'followed'`, [ctx.w.usagerB])).rows[0].count)).toBe(1);
    });

    it("should follow a relative's whole household, since the responsible usager is the one notified", async () => {
      await allow(true);
      await grant(ctx.w.agentA.id, 'usager_follow');
      const parent = await insertUsager(ctx.svc.db.pool, { territoryId: ctx.w.territoryId, organisationId: ctx.w.orgB, firstName: 'Inès', lastName: 'Sud' });
      const kids = await Promise.all(['Lou', 'Noé'].map((firstName) => ctx.svc.as(ctx.w.adminB.email).post(`/api/usagers/${parent}/relatives`, { firstName, lastName: 'Sud' })));
      const res = await follow(ctx.w.agentA.email, kids[0].body.id, ctx.w.orgA);
      expect(res.status).toBe(201);
      expect(res.body.followedUsagerIds).toEqual([parent, kids[0].body.id, kids[1].body.id].sort((a, b) => a - b));
      for (const u of [parent, kids[0].body.id, kids[1].body.id]) expect(await followers(u)).toEqual([ctx.w.orgA, ctx.w.orgB].sort((a, b) => a - b));
      const { rows } = await ctx.svc.db.pool.query(`select entity_id from audit_log where action = 'followed' and entity_id = any($1::bigint[])`, [[parent, kids[1].body.id]]);
      expect(rows).toHaveLength(2);
    });

    it('should answer the same for an usager of another territory as for a missing one', async () => {
      const otherTerritory = Number((await ctx.svc.db.pool.query(`insert into territories (name, departement_code) values ('Ailleurs', '79') returning id`)).rows[0].id);
      const otherOrg = Number((await ctx.svc.db.pool.query('insert into organisations (territory_id, name) values ($1, $2) returning id', [otherTerritory, 'MDS Ailleurs'])).rows[0].id);
      const far = await insertUsager(ctx.svc.db.pool, { territoryId: otherTerritory, organisationId: otherOrg, firstName: 'Loin', lastName: 'Dici' });
      const a = await follow(ctx.w.agentA.email, far, ctx.w.orgA);
      const b = await follow(ctx.w.agentA.email, 987654, ctx.w.orgA);
      expect([a.status, b.status]).toEqual([403, 403]);
      expect(a.body.error.message).toBe(b.body.error.message);
      expect(await followers(far)).toEqual([otherOrg]);
    });
  });
});
