import { beforeAll, describe, expect, it } from '@jest/globals';
import { insertAgent } from '../../helpers/builders';
import { apiWorld } from '../../helpers/service';
import { oidOf } from '../../helpers/tokens';

/**
 * Who an agent is (their Entra account) changes only through the territory right `agent_identities`, never by an
 * organisation's admin; every change to an agent (profile, role, binding, removal) leaves an audit row.
 */
describe('Agent identities and their audit', () => {
  const ctx = apiWorld();
  /** Works for organisation B (where she signed in) and, as a basic agent, for organisation A too. */
  const shared = { email: 'partagee.sud@test.fr', id: 0 };
  const keeper = { email: 'identites.territoire@test.fr', id: 0 };
  const NEW_OID = '3f0e4c1d-aaaa-4bbb-8ccc-000000000042';

  beforeAll(async () => {
    shared.id = await insertAgent(ctx.svc.db.pool, { email: shared.email, organisationId: ctx.w.orgB, role: 'basic', oid: oidOf(shared.email) });
    await ctx.svc.db.pool.query(`insert into agent_roles (agent_id, organisation_id, role) values ($1, $2, 'basic')`, [shared.id, ctx.w.orgA]);
    keeper.id = await insertAgent(ctx.svc.db.pool, { email: keeper.email, organisationId: ctx.w.orgB, role: 'basic' });
    await ctx.svc.db.pool.query(`insert into territory_rights (territory_id, agent_id, right_code) values ($1, $2, 'agent_identities')`, [ctx.w.territoryId, keeper.id]);
  });

  const agentRow = async (id: number) => (await ctx.svc.db.pool.query('select * from agents where id = $1', [id])).rows[0];
  const auditOf = async (id: number) => (await ctx.svc.db.pool.query(
    `select action, actor_agent_id, changes from audit_log where entity_type = 'agents' and entity_id = $1 order by id`, [id])).rows;

  it("should refuse an organisation admin rebinding an agent who also works for another organisation, and keep that agent's access", async () => {
    const res = await ctx.svc.as(ctx.w.adminA.email).patch(`/api/config/agents/${shared.id}`, { organisationId: ctx.w.orgA, entraOid: NEW_OID });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(/identités/);
    expect((await agentRow(shared.id)).entra_oid).toBe(oidOf(shared.email));
    // The agent still signs in with their own account, and the admin's chosen account is nobody.
    expect((await ctx.svc.as(shared.email).get('/api/config/organisations')).status).toBe(200);
    const taken = await ctx.svc.idp.token({ oid: NEW_OID, preferred_username: 'complice@test.fr' });
    expect((await ctx.svc.withAuthorization(`Bearer ${taken}`).get('/api/config/organisations')).status).toBe(403);
  });

  it('should refuse an organisation admin unbinding or rebinding even an agent of their own organisation only', async () => {
    for (const entraOid of [null, NEW_OID]) {
      const res = await ctx.svc.as(ctx.w.adminA.email).patch(`/api/config/agents/${ctx.w.agentA.id}`, { organisationId: ctx.w.orgA, entraOid });
      expect(res.status).toBe(403);
    }
    const created = await ctx.svc.as(ctx.w.adminA.email).post('/api/config/agents', {
      organisationId: ctx.w.orgA, role: 'basic', firstName: 'Lié', lastName: 'Davance', email: 'lie.davance@test.fr', entraOid: NEW_OID,
    });
    expect(created.status).toBe(403);
    expect(Number((await ctx.svc.db.pool.query(`select count(*) from agents where email = 'lie.davance@test.fr'`)).rows[0].count)).toBe(0);
  });

  it("should refuse an organisation admin changing the profile or mailbox of an agent shared with another organisation", async () => {
    const res = await ctx.svc.as(ctx.w.adminA.email).patch(`/api/config/agents/${shared.id}`, { organisationId: ctx.w.orgA, outlookMailbox: 'boite.espion@test.fr' });
    expect(res.status).toBe(403);
    expect((await agentRow(shared.id)).outlook_mailbox).toBeNull();
    // Their role in the admin's own organisation is the admin's to set.
    const role = await ctx.svc.as(ctx.w.adminA.email).patch(`/api/config/agents/${shared.id}`, { organisationId: ctx.w.orgA, role: 'intervenant' });
    expect(role.status).toBe(200);
  });

  it('should let the holder of the territory right rebind an agent, with the old and new binding in the audit log', async () => {
    const res = await ctx.svc.as(keeper.email).patch(`/api/config/agents/${shared.id}`, { organisationId: ctx.w.orgB, entraOid: NEW_OID });
    expect(res.status).toBe(200);
    expect((await agentRow(shared.id)).entra_oid).toBe(NEW_OID);
    expect((await auditOf(shared.id)).at(-1)).toEqual({
      action: 'updated', actor_agent_id: keeper.id,
      changes: { organisationId: ctx.w.orgB, fields: ['entraOid'], entraOid: [oidOf(shared.email), NEW_OID] },
    });
  });

  it('should answer 409 in French when binding an Entra account already bound to another agent', async () => {
    await ctx.svc.as(ctx.w.adminB.email).get('/api/config/organisations'); // binds adminB's own account
    const res = await ctx.svc.as(keeper.email).patch(`/api/config/agents/${shared.id}`, { organisationId: ctx.w.orgB, entraOid: oidOf(ctx.w.adminB.email) });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ field: 'entraOid' });
    expect(res.body.error.message).toMatch(/déjà rattaché/);
    expect((await agentRow(shared.id)).entra_oid).toBe(NEW_OID);
  });

  it("should audit an admin's update of an agent of their organisation and the removal of an agent from it", async () => {
    const admin = ctx.svc.as(ctx.w.adminA.email);
    const upd = await admin.patch(`/api/config/agents/${ctx.w.agentA2.id}`, { organisationId: ctx.w.orgA, lastName: 'Renommée', role: 'admin' });
    expect(upd.status).toBe(200);
    expect((await auditOf(ctx.w.agentA2.id)).at(-1)).toEqual({
      action: 'updated', actor_agent_id: ctx.w.adminA.id, changes: { organisationId: ctx.w.orgA, fields: ['lastName', 'role'], role: ['basic', 'admin'] },
    });
    const del = await admin.delete(`/api/config/agents/${ctx.w.agentA2.id}?organisationId=${ctx.w.orgA}`);
    expect(del.status).toBe(204);
    expect((await auditOf(ctx.w.agentA2.id)).at(-1)).toEqual({
      action: 'removed_from_organisation', actor_agent_id: ctx.w.adminA.id, changes: { organisationId: ctx.w.orgA, role: 'admin' },
    });
  });

  it('should audit the removal of a feature switch like its setting', async () => {
    const admin = ctx.svc.as(ctx.w.adminA.email);
    const set = await admin.put('/api/config/feature-switches', { territoryId: ctx.w.territoryId, organisationId: ctx.w.orgA, feature: 'waitlist', enabled: true });
    expect(set.status).toBe(200);
    expect((await admin.delete(`/api/config/feature-switches/${set.body.id}`)).status).toBe(204);
    const { rows } = await ctx.svc.db.pool.query(
      `select action, actor_agent_id from audit_log where entity_type = 'feature_switches' and entity_id = $1 order by id`, [set.body.id]);
    expect(rows).toEqual([{ action: 'set', actor_agent_id: ctx.w.adminA.id }, { action: 'deleted', actor_agent_id: ctx.w.adminA.id }]);
  });

  describe('territory rights', () => {
    const rightsOf = async (agentId: number) => (await ctx.svc.db.pool.query(
      'select right_code from territory_rights where agent_id = $1 order by 1', [agentId])).rows.map((r) => r.right_code);

    it('should refuse an organisation admin granting territory rights, to themselves or anyone', async () => {
      const res = await ctx.svc.as(ctx.w.adminA.email).put(`/api/config/territories/${ctx.w.territoryId}/rights`, { agentId: ctx.w.adminA.id, right: 'agent_identities' });
      expect(res.status).toBe(403);
      expect(await rightsOf(ctx.w.adminA.id)).toEqual([]);
    });

    it('should let the holder of agent_identities grant and revoke rights, audited, but never remove the last holder', async () => {
      const keeperApi = ctx.svc.as(keeper.email);
      const grant = await keeperApi.put(`/api/config/territories/${ctx.w.territoryId}/rights`, { agentId: ctx.w.agentA.id, right: 'usager_follow' });
      expect(grant.status).toBe(200);
      expect(await rightsOf(ctx.w.agentA.id)).toEqual(['usager_follow']);
      const list = await keeperApi.get(`/api/config/territories/${ctx.w.territoryId}/rights`);
      expect(list.body.map((r: any) => [r.agentId, r.right])).toEqual(expect.arrayContaining([[ctx.w.agentA.id, 'usager_follow'], [keeper.id, 'agent_identities']]));
      const revoke = await keeperApi.delete(`/api/config/territories/${ctx.w.territoryId}/rights?agentId=${ctx.w.agentA.id}&right=usager_follow`);
      expect(revoke.status).toBe(204);
      expect(await rightsOf(ctx.w.agentA.id)).toEqual([]);
      const last = await keeperApi.delete(`/api/config/territories/${ctx.w.territoryId}/rights?agentId=${keeper.id}&right=agent_identities`);
      expect(last.status).toBe(409);
      expect(await rightsOf(keeper.id)).toEqual(['agent_identities']);
      const { rows } = await ctx.svc.db.pool.query(
        `select action, changes from audit_log where entity_type = 'territories' and entity_id = $1 and action like 'right_%' order by id`, [ctx.w.territoryId]);
      expect(rows).toEqual([
        { action: 'right_granted', changes: { agentId: ctx.w.agentA.id, right: 'usager_follow' } },
        { action: 'right_revoked', changes: { agentId: ctx.w.agentA.id, right: 'usager_follow' } },
      ]);
    });

    it('should refuse granting a right to an agent with no role in the territory', async () => {
      const other = Number((await ctx.svc.db.pool.query(`insert into territories (name, departement_code) values ('Ailleurs', '79') returning id`)).rows[0].id);
      const otherOrg = Number((await ctx.svc.db.pool.query('insert into organisations (territory_id, name) values ($1, $2) returning id', [other, 'MDS Ailleurs'])).rows[0].id);
      const stranger = await insertAgent(ctx.svc.db.pool, { email: 'etranger.ailleurs@test.fr', organisationId: otherOrg });
      const res = await ctx.svc.as(keeper.email).put(`/api/config/territories/${ctx.w.territoryId}/rights`, { agentId: stranger, right: 'usager_follow' });
      expect(res.status).toBe(422);
      expect(res.body.error.field).toBe('agentId');
      expect(await rightsOf(stranger)).toEqual([]);
    });

    it('should give the creator of a territory its rights, so that someone can manage its identities', async () => {
      const res = await ctx.svc.as(ctx.w.adminA.email).post('/api/config/territories', { name: 'Nouveau', departementCode: '16' });
      expect(res.status).toBe(201);
      const { rows } = await ctx.svc.db.pool.query('select agent_id, right_code from territory_rights where territory_id = $1 order by 2', [res.body.id]);
      expect(rows).toEqual([
        { agent_id: ctx.w.adminA.id, right_code: 'agent_identities' },
        { agent_id: ctx.w.adminA.id, right_code: 'usager_follow' },
      ]);
    });
  });
});
