import { describe, expect, it } from '@jest/globals';
import { apiWorld } from '../../helpers/service';

describe('API authentication', () => {
  const ctx = apiWorld();

  it('should answer /health and /ready without a token', async () => {
    expect((await ctx.svc.withAuthorization(null).get('/health')).body).toEqual({ status: 'ok' });
    expect((await ctx.svc.withAuthorization(null).get('/ready')).body).toEqual({ status: 'ready' });
  });

  it('should refuse an /api call without a bearer token with 401', async () => {
    const res = await ctx.svc.withAuthorization(null).get('/api/config/organisations');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthorized');
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('should refuse a token signed by a key outside the JWKS', async () => {
    const token = await ctx.svc.idp.forgedToken({ preferred_username: ctx.w.agentA.email });
    expect((await ctx.svc.withAuthorization(`Bearer ${token}`).get('/api/config/organisations')).status).toBe(401);
  });

  it('should refuse an expired token, a wrong audience, a wrong issuer and another tenant', async () => {
    const base = { preferred_username: ctx.w.agentA.email };
    const past = Math.floor(Date.now() / 1000) - 3600;
    for (const token of [
      await ctx.svc.idp.token({ ...base, expiresIn: past }),
      await ctx.svc.idp.token({ ...base, aud: 'api://another-app' }),
      await ctx.svc.idp.token({ ...base, iss: 'https://login.example.test/other/v2.0' }),
      await ctx.svc.idp.token({ ...base, tid: '11111111-2222-3333-4444-555555555555' }),
    ]) {
      const res = await ctx.svc.withAuthorization(`Bearer ${token}`).get('/api/config/organisations');
      expect(res.status).toBe(401);
    }
  });

  it('should refuse with 403 a valid token whose user is no agent of the store', async () => {
    const res = await ctx.svc.as('stranger@test.fr').get('/api/config/organisations');
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(/aucun agent/);
  });

  it('should map a token to its agent by oid as well as by preferred_username', async () => {
    const oid = '6c2b1a6e-7f4e-4d0a-9b57-3f1c2d4e5a6b';
    await ctx.svc.db.pool.query('update agents set entra_oid = $1 where id = $2', [oid, ctx.w.agentA.id]);
    const token = await ctx.svc.idp.token({ oid, preferred_username: 'renamed.upn@test.fr' });
    const res = await ctx.svc.withAuthorization(`Bearer ${token}`).get('/api/config/organisations');
    expect(res.status).toBe(200);
    expect(res.body.map((o: any) => o.id)).toEqual([ctx.w.orgA]);
  });

  it("should bind an agent's Entra object id at first sign-in and refuse another account with the same name afterwards", async () => {
    const first = '0b7f5e1a-1111-4c3d-9e2f-000000000001';
    const other = '0b7f5e1a-2222-4c3d-9e2f-000000000002';
    const ok = await ctx.svc.withAuthorization(`Bearer ${await ctx.svc.idp.token({ oid: first, preferred_username: ctx.w.agentA2.email })}`).get('/api/config/organisations');
    expect(ok.status).toBe(200);
    const { rows } = await ctx.svc.db.pool.query('select entra_oid from agents where id = $1', [ctx.w.agentA2.id]);
    expect(rows[0].entra_oid).toBe(first);
    const impostor = await ctx.svc.withAuthorization(`Bearer ${await ctx.svc.idp.token({ oid: other, preferred_username: ctx.w.agentA2.email })}`).get('/api/config/organisations');
    expect(impostor.status).toBe(403);
  });

  it('should refuse an ID token from the sign-in flow, even one addressed to this API', async () => {
    // With nested app authentication the add-in and the API may share one app registration: an ID token then
    // carries the API's audience, but it proves a sign-in, not a grant to call the API (no scp).
    const idToken = await ctx.svc.idp.token({ preferred_username: ctx.w.agentA.email, scp: null, nonce: 'n-0S6_WzA2Mj' });
    const res = await ctx.svc.withAuthorization(`Bearer ${idToken}`).get('/api/config/organisations');
    expect(res.status).toBe(401);
    expect(res.body.error.message).toMatch(/jeton d'accès/);
    expect(res.headers.get('www-authenticate')).toMatch(/invalid_token/);
  });

  it('should refuse an access token whose scopes do not include access_as_user', async () => {
    for (const scp of ['User.Read', '', 'User.Read access_as_user_extra', 'openid profile']) {
      const token = await ctx.svc.idp.token({ preferred_username: ctx.w.agentA.email, scp });
      const res = await ctx.svc.withAuthorization(`Bearer ${token}`).get('/api/config/organisations');
      expect({ scp, status: res.status }).toEqual({ scp, status: 403 });
      expect(res.body.error.code).toBe('insufficient_scope');
      expect(res.headers.get('www-authenticate')).toMatch(/insufficient_scope.*access_as_user/);
    }
  });

  it('should accept access_as_user among other scopes', async () => {
    const token = await ctx.svc.idp.token({ preferred_username: ctx.w.adminA.email, scp: 'User.Read access_as_user' });
    expect((await ctx.svc.withAuthorization(`Bearer ${token}`).get('/api/config/organisations')).status).toBe(200);
  });

  it('should never map a token without oid to an agent by its sign-in name', async () => {
    const token = await ctx.svc.idp.token({ preferred_username: ctx.w.adminB.email, oid: null });
    const res = await ctx.svc.withAuthorization(`Bearer ${token}`).get('/api/config/organisations');
    expect(res.status).toBe(401);
    const { rows } = await ctx.svc.db.pool.query('select entra_oid from agents where id = $1', [ctx.w.adminB.id]);
    expect(rows[0].entra_oid).toBeNull();
  });

  it('should audit the binding of an Entra account at first sign-in, and bind only one of two racing accounts', async () => {
    const email = 'nouvelle.venue@test.fr';
    const { rows: [{ id }] } = await ctx.svc.db.pool.query(
      'insert into agents (first_name, last_name, email) values ($1, $2, $3) returning id', ['Nouvelle', 'Venue', email]);
    await ctx.svc.db.pool.query(`insert into agent_roles (agent_id, organisation_id, role) values ($1, $2, 'basic')`, [id, ctx.w.orgA]);
    const oids = ['5a5a5a5a-0000-4000-8000-000000000001', '5a5a5a5a-0000-4000-8000-000000000002'];
    const answers = await Promise.all(oids.map(async (oid) =>
      (await ctx.svc.withAuthorization(`Bearer ${await ctx.svc.idp.token({ oid, preferred_username: email })}`).get('/api/config/organisations')).status));
    expect([...answers].sort()).toEqual([200, 403]);
    const bound = (await ctx.svc.db.pool.query('select entra_oid from agents where id = $1', [id])).rows[0].entra_oid;
    expect(oids[answers.indexOf(200)]).toBe(bound);
    const { rows } = await ctx.svc.db.pool.query(`select actor_agent_id, channel, changes from audit_log where entity_type = 'agents' and entity_id = $1 and action = 'identity_bound'`, [id]);
    expect(rows).toEqual([{ actor_agent_id: id, channel: 'sign_in', changes: { entraOid: bound } }]);
  });

  it('should publish an OpenAPI document generated from the shared schemas', async () => {
    const res = await ctx.svc.withAuthorization(null).get('/api/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    const create = res.body.paths['/api/rdvs'].post.requestBody.content['application/json'].schema;
    expect(create.required).toEqual(expect.arrayContaining(['motifId', 'startsAt', 'agentIds']));
  });

  it('should answer an unknown route with 404 in the error shape', async () => {
    const res = await ctx.svc.as(ctx.w.adminA.email).get('/api/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });
});
