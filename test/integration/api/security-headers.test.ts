/**
 * Transport hygiene: security headers on every answer, HSTS only over HTTPS, no caching of API answers, and the
 * demo outbox (usagers' phone numbers and emails) only for a signed-in agent on the machine itself.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Outbox } from '../../../sync-service/src/reminders/sinks';
import { aWorld, type World } from '../../helpers/builders';
import { apiWorld, startTestService, type TestService } from '../../helpers/service';

describe('security headers', () => {
  const ctx = apiWorld();

  it('should send nosniff and a CSP that forbids framing on every answer, and no HSTS over plain HTTP', async () => {
    for (const res of [
      await ctx.svc.withAuthorization(null).get('/health'),
      await ctx.svc.as(ctx.w.agentA.email).get('/api/config/organisations'),
      await ctx.svc.withAuthorization(null).get('/api/config/organisations'),
      await ctx.svc.withAuthorization(null).get('/nowhere'),
    ]) {
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('strict-transport-security')).toBeNull();
      expect(res.headers.get('x-powered-by')).toBeNull();
    }
  });

  it('should forbid caching of every /api answer, refusals included', async () => {
    for (const res of [
      await ctx.svc.as(ctx.w.agentA.email).get(`/api/usagers/${ctx.w.usagerA}`),
      await ctx.svc.withAuthorization(null).get('/api/usagers'),
      await ctx.svc.as(ctx.w.agentA.email).get('/api/nowhere'),
      await ctx.svc.withAuthorization(null).get('/api/openapi.json'),
    ]) expect(res.headers.get('cache-control')).toBe('no-store');
  });
});

describe('security headers over HTTPS', () => {
  let svc: TestService;
  beforeAll(async () => { svc = await startTestService({ deps: { publicUrl: 'https://rdv.departement.example' } }); });
  afterAll(async () => { await svc.stop(); });

  it('should send HSTS when the service is reached over HTTPS (directly or behind a proxy)', async () => {
    const res = await svc.withAuthorization(null).get('/health');
    expect(res.headers.get('strict-transport-security')).toMatch(/^max-age=\d{8,}; includeSubDomains$/);
  });
});

describe('the demo outbox', () => {
  let svc: TestService;
  let w: World;
  const outbox = new Outbox();
  outbox.sms.push({ id: 'sink-1', to: '+33612345678', text: 'Rappel : RDV demain 10:00', sender: 'RDV-DEMO', key: 'k1', segments: 1, receivedAt: new Date('2026-03-02T08:00:00Z') });
  beforeAll(async () => {
    svc = await startTestService({ deps: { demoOutbox: outbox } });
    w = await aWorld(svc.db.pool);
  });
  afterAll(async () => { await svc.stop(); });

  it('should refuse the messages without a token, and show them to a signed-in agent, never cached', async () => {
    const anonymous = await svc.withAuthorization(null).get('/dev/outbox/messages.json');
    expect(anonymous.status).toBe(401);
    expect(JSON.stringify(anonymous.body)).not.toContain('612345678');
    const agent = await svc.as(w.agentA.email).get('/dev/outbox/messages.json');
    expect(agent.status).toBe(200);
    expect(agent.body.sms).toEqual([expect.objectContaining({ to: '+33612345678' })]);
    expect(agent.headers.get('cache-control')).toBe('no-store');
  });

  it('should serve the page as a shell without personal data, under a strict CSP', async () => {
    const page = await svc.withAuthorization(null).get('/dev/outbox');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.body).not.toContain('612345678');
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    const script = await svc.withAuthorization(null).get('/dev/outbox/outbox.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
  });

  it('should refuse a request relayed by a proxy, even from loopback', async () => {
    const res = await svc.as(w.agentA.email).get('/dev/outbox/messages.json', { 'X-Forwarded-For': '203.0.113.7' });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(/depuis la machine/);
  });
});
