import { describe, expect, it } from '@jest/globals';
import { apiWorld } from '../../helpers/service';

describe('configuration API', () => {
  const ctx = apiWorld();

  const count = async (table: string) => Number((await ctx.svc.db.pool.query(`select count(*) from ${table}`)).rows[0].count);

  it('should let an organisation admin create, read, update and delete a lieu', async () => {
    const admin = ctx.svc.as(ctx.w.adminA.email);
    const created = await admin.post('/api/config/lieux', { organisationId: ctx.w.orgA, name: 'Antenne Est', address: '3 place du Marché 86100 Châtellerault' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Antenne Est', availability: 'enabled', organisationId: ctx.w.orgA });
    const patched = await admin.patch(`/api/config/lieux/${created.body.id}`, { availability: 'disabled' });
    expect(patched.body.availability).toBe('disabled');
    expect((await admin.get(`/api/config/lieux/${created.body.id}`)).body.availability).toBe('disabled');
    expect((await admin.delete(`/api/config/lieux/${created.body.id}`)).status).toBe(204);
    expect((await admin.get(`/api/config/lieux/${created.body.id}`)).status).toBe(403);
  });

  it('should refuse configuration changes to an agent without the admin role', async () => {
    const before = await count('lieux');
    const res = await ctx.svc.as(ctx.w.agentA.email).post('/api/config/lieux', { organisationId: ctx.w.orgA, name: 'X', address: 'Y' });
    expect(res.status).toBe(403);
    expect(await count('lieux')).toBe(before);
  });

  it("should refuse an admin of another organisation, without saying whether the object exists", async () => {
    const asB = ctx.svc.as(ctx.w.adminB.email);
    const existing = await asB.get(`/api/config/lieux/${ctx.w.lieuA}`);
    const missing = await asB.get('/api/config/lieux/999999');
    expect(existing.status).toBe(403);
    expect(missing.status).toBe(403);
    expect(existing.body).toEqual(missing.body);
    expect((await asB.patch(`/api/config/motifs/${ctx.w.motifA}`, { name: 'Piraté' })).status).toBe(403);
  });

  it('should answer 422 naming the field for a bad motif, and store nothing', async () => {
    const before = await count('motifs');
    const res = await ctx.svc.as(ctx.w.adminA.email).post('/api/config/motifs', {
      organisationId: ctx.w.orgA, serviceId: ctx.w.serviceId, name: 'Bilan', durationMinutes: 2, locationType: 'public_office',
    });
    expect(res.status).toBe(422);
    expect(res.body.error.field).toBe('durationMinutes');
    const wrongType = await ctx.svc.as(ctx.w.adminA.email).post('/api/config/motifs', {
      organisationId: ctx.w.orgA, serviceId: ctx.w.serviceId, name: 'Bilan', durationMinutes: 30, locationType: 'teleportation',
    });
    expect(wrongType.status).toBe(422);
    expect(wrongType.body.error.field).toBe('locationType');
    expect(await count('motifs')).toBe(before);
  });

  it('should answer 400 for a body that is not JSON', async () => {
    const res = await ctx.svc.as(ctx.w.adminA.email).post('/api/config/lieux', '{ not json');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_json');
  });

  it('should create a plage with its motifs and reject one whose end precedes its start', async () => {
    const admin = ctx.svc.as(ctx.w.adminA.email);
    const ok = await admin.post('/api/config/plages', {
      organisationId: ctx.w.orgA, agentId: ctx.w.agentA.id, lieuId: ctx.w.lieuA, firstDay: '2026-04-06', startTime: '14:00', endTime: '17:00',
      startTime2: null, endTime2: null, motifIds: [ctx.w.motifA], recurrence: { frequency: 'weekly', interval: 2, weekdays: [1, 3], until: '2026-06-30' },
    });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ motifIds: [ctx.w.motifA], startTime: '14:00', recurrence: { interval: 2, weekdays: [1, 3] } });
    const before = await count('plages');
    const bad = await admin.post('/api/config/plages', {
      organisationId: ctx.w.orgA, agentId: ctx.w.agentA.id, lieuId: ctx.w.lieuA, firstDay: '2026-04-06', startTime: '14:00', endTime: '13:00', motifIds: [ctx.w.motifA],
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.field).toBe('endTime');
    const foreignMotif = await admin.post('/api/config/plages', {
      organisationId: ctx.w.orgA, agentId: ctx.w.agentA.id, lieuId: ctx.w.lieuA, firstDay: '2026-04-06', startTime: '14:00', endTime: '15:00', motifIds: [ctx.w.motifB],
    });
    expect(foreignMotif.status).toBe(422);
    expect(foreignMotif.body.error.field).toBe('motifIds');
    const badPatch = await admin.patch(`/api/config/plages/${ok.body.id}`, { endTime: '08:00' });
    expect(badPatch.status).toBe(422);
    expect(await count('plages')).toBe(before);
  });

  it('should let an admin add an agent with a role and list them', async () => {
    const admin = ctx.svc.as(ctx.w.adminA.email);
    const res = await admin.post('/api/config/agents', {
      organisationId: ctx.w.orgA, role: 'intervenant', firstName: 'Noémie', lastName: 'Bérard', email: 'Noemie.Berard@Test.fr', serviceIds: [ctx.w.serviceId],
    });
    expect(res.status).toBe(201);
    expect(res.body.email).toBe('noemie.berard@test.fr');
    const list = await admin.get(`/api/config/agents?organisationId=${ctx.w.orgA}`);
    expect(list.body.map((a: any) => a.email)).toContain('noemie.berard@test.fr');
    const dup = await admin.post('/api/config/agents', { organisationId: ctx.w.orgA, role: 'basic', firstName: 'N', lastName: 'B', email: 'noemie.berard@test.fr' });
    expect(dup.status).toBe(409);
  });

  it('should resolve feature switches with the most specific setting winning', async () => {
    const admin = ctx.svc.as(ctx.w.adminA.email);
    expect((await admin.put('/api/config/feature-switches', { territoryId: ctx.w.territoryId, feature: 'sms_reminders', enabled: true })).status).toBe(200);
    expect((await admin.put('/api/config/feature-switches', { territoryId: ctx.w.territoryId, organisationId: ctx.w.orgA, serviceId: ctx.w.serviceId, feature: 'sms_reminders', enabled: false })).status).toBe(200);
    const orgOnly = await admin.get(`/api/config/feature-switches/effective?organisationId=${ctx.w.orgA}`);
    expect(orgOnly.body.sms_reminders).toBe(true);
    const withService = await admin.get(`/api/config/feature-switches/effective?organisationId=${ctx.w.orgA}&serviceId=${ctx.w.serviceId}`);
    expect(withService.body.sms_reminders).toBe(false);
    const bad = await admin.put('/api/config/feature-switches', { territoryId: ctx.w.territoryId, feature: 'teleport', enabled: true });
    expect(bad.status).toBe(422);
    expect(bad.body.error.field).toBe('feature');
    expect((await ctx.svc.as(ctx.w.agentA.email).put('/api/config/feature-switches', { territoryId: ctx.w.territoryId, feature: 'waitlist', enabled: true })).status).toBe(403);
  });

  it('should keep an audit trail of configuration changes that cannot be rewritten', async () => {
    const { rows } = await ctx.svc.db.pool.query(`select * from audit_log where entity_type = 'lieux' order by id`);
    expect(rows.map((r) => r.action)).toEqual(expect.arrayContaining(['created', 'updated', 'deleted']));
    await expect(ctx.svc.db.pool.query('update audit_log set action = $1', ['x'])).rejects.toThrow(/append-only/);
    await expect(ctx.svc.db.pool.query('delete from audit_log')).rejects.toThrow(/append-only/);
  });
});

describe('configuration API partial updates', () => {
  const ctx = apiWorld();

  it('should leave unsent fields as they were instead of resetting them to their defaults', async () => {
    const admin = ctx.svc.as(ctx.w.adminA.email);
    await admin.patch(`/api/config/motifs/${ctx.w.motifA}`, { remindersEnabled: false, bufferMinutes: 10 });
    const res = await admin.patch(`/api/config/motifs/${ctx.w.motifA}`, { name: 'Consultation du nourrisson' });
    expect(res.body).toMatchObject({ name: 'Consultation du nourrisson', remindersEnabled: false, bufferMinutes: 10 });
  });
});
