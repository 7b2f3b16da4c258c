import { describe, expect, it } from '@jest/globals';
import { apiWorld } from '../../helpers/service';

describe('usagers API', () => {
  const ctx = apiWorld();

  it('should find an usager whatever the accents and case typed', async () => {
    const res = await ctx.svc.as(ctx.w.agentA.email).get('/api/usagers?q=helene%20LEFEVRE');
    expect(res.status).toBe(200);
    expect(res.body.map((u: any) => u.id)).toEqual([ctx.w.usagerA]);
  });

  it('should find an usager by phone typed in national form, and by birth date', async () => {
    const byPhone = await ctx.svc.as(ctx.w.agentA.email).get('/api/usagers?phone=06%2012%2034%2056%2078');
    expect(byPhone.body.map((u: any) => u.id)).toEqual([ctx.w.usagerA]);
    const byBirth = await ctx.svc.as(ctx.w.agentA.email).get('/api/usagers?birthDate=1990-05-12');
    expect(byBirth.body.map((u: any) => u.id)).toEqual([ctx.w.usagerA]);
  });

  it('should not show usagers followed only by another organisation', async () => {
    const search = await ctx.svc.as(ctx.w.agentA.email).get('/api/usagers?q=zoe');
    expect(search.body).toEqual([]);
    expect((await ctx.svc.as(ctx.w.agentA.email).get(`/api/usagers/${ctx.w.usagerB}`)).status).toBe(403);
    expect((await ctx.svc.as(ctx.w.agentA.email).patch(`/api/usagers/${ctx.w.usagerB}`, { firstName: 'X' })).status).toBe(403);
  });

  it('should refuse a search without any criterion', async () => {
    const res = await ctx.svc.as(ctx.w.agentA.email).get('/api/usagers');
    expect(res.status).toBe(422);
    expect(res.body.error.field).toBe('q');
  });

  it('should create an usager with the phone stored in E.164, overseas numbers included', async () => {
    const res = await ctx.svc.as(ctx.w.agentA.email).post('/api/usagers', { organisationId: ctx.w.orgA, firstName: 'Maëlys', lastName: 'Çelik', phone: '06 90 12 34 56', email: 'MAELYS@example.fr' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ phone: '+590690123456', email: 'maelys@example.fr', notifyBySms: true });
  });

  it.each([
    ['+44 7911 123456', '+447911123456'],
    ['+32 470 12 34 56', '+32470123456'],
    ['0041 79 123 45 67', '+41791234567'],
    ['0639 12 34 56', '+262639123456'],
  ])('should accept the phone %s, stored as %s', async (phone, e164) => {
    const res = await ctx.svc.as(ctx.w.agentA.email).post('/api/usagers', { organisationId: ctx.w.orgA, firstName: 'Amy', lastName: 'Clarke', phone });
    expect(res.status).toBe(201);
    expect(res.body.phone).toBe(e164);
    const found = await ctx.svc.as(ctx.w.agentA.email).get(`/api/usagers?phone=${encodeURIComponent(phone)}`);
    expect(found.body.map((u: any) => u.id)).toContain(res.body.id);
  });

  it('should read a number typed without its country code with the territory’s region (Réunion)', async () => {
    const pool = ctx.svc.db.pool;
    const territory = (await pool.query(`insert into territories (name, departement_code, time_zone) values ('La Réunion', '974', 'Indian/Reunion') returning id`)).rows[0].id;
    const org = (await pool.query(`insert into organisations (territory_id, name) values ($1, 'MDS Saint-Denis') returning id`, [territory])).rows[0].id;
    await pool.query(`insert into agent_roles (agent_id, organisation_id, role) values ($1, $2, 'basic')`, [ctx.w.agentA.id, org]);
    const res = await ctx.svc.as(ctx.w.agentA.email).post('/api/usagers', { organisationId: org, firstName: 'Jean', lastName: 'Hoarau', phone: '692 12 34 56' });
    expect(res.status).toBe(201);
    expect(res.body.phone).toBe('+262692123456');
    const patched = await ctx.svc.as(ctx.w.agentA.email).patch(`/api/usagers/${res.body.id}`, { phone: '693 11 22 33' });
    expect(patched.body.phone).toBe('+262693112233');
  });

  it('should refuse an invalid phone number with 422 naming the field, storing nothing', async () => {
    const before = Number((await ctx.svc.db.pool.query('select count(*) from usagers')).rows[0].count);
    const res = await ctx.svc.as(ctx.w.agentA.email).post('/api/usagers', { organisationId: ctx.w.orgA, firstName: 'A', lastName: 'B', phone: '12 34' });
    expect(res.status).toBe(422);
    expect(res.body.error.field).toBe('phone');
    expect(Number((await ctx.svc.db.pool.query('select count(*) from usagers')).rows[0].count)).toBe(before);
  });

  it('should add a relative (a child) under a responsible usager and show them together', async () => {
    const child = await ctx.svc.as(ctx.w.agentA.email).post(`/api/usagers/${ctx.w.usagerA}/relatives`, { firstName: 'Léo', lastName: 'Lefèvre', birthDate: '2025-11-02' });
    expect(child.status).toBe(201);
    expect(child.body.responsibleId).toBe(ctx.w.usagerA);
    const parent = await ctx.svc.as(ctx.w.agentA.email).get(`/api/usagers/${ctx.w.usagerA}`);
    expect(parent.body.relatives.map((r: any) => r.firstName)).toEqual(['Léo']);
    const ofChild = await ctx.svc.as(ctx.w.agentA.email).get(`/api/usagers/${child.body.id}`);
    expect(ofChild.body.responsible.id).toBe(ctx.w.usagerA);
  });

  it('should update an usager and audit which fields changed, not their values', async () => {
    const res = await ctx.svc.as(ctx.w.agentA.email).patch(`/api/usagers/${ctx.w.usagerA}`, { notifyBySms: false });
    expect(res.body.notifyBySms).toBe(false);
    expect(res.body.notifyByEmail).toBe(true);
    const { rows } = await ctx.svc.db.pool.query(`select changes from audit_log where entity_type = 'usager' and entity_id = $1 and action = 'updated'`, [ctx.w.usagerA]);
    expect(rows[0].changes).toEqual({ fields: ['notifyBySms'] });
  });
});
