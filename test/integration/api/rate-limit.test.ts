/**
 * Abuse: requests are limited per token (a hash of it) and per IP address; a refused request gets 429 with
 * Retry-After and a French message. Limits are small here so that tests stay quick.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { aWorld, type World } from '../../helpers/builders';
import { startTestService, type TestService } from '../../helpers/service';

describe('rate limiting', () => {
  describe('per token', () => {
    let svc: TestService;
    let w: World;
    beforeAll(async () => {
      svc = await startTestService({ deps: { rateLimit: { enabled: true, perToken: 3, perIp: 100, windowSeconds: 60 } } });
      w = await aWorld(svc.db.pool);
    });
    afterAll(async () => { await svc.stop(); });

    it('should answer 429 with Retry-After and a French message once a token has spent its limit', async () => {
      const caller = svc.withAuthorization(`Bearer ${await svc.idp.token({ preferred_username: w.agentA.email })}`);
      for (let i = 0; i < 3; i++) expect((await caller.get('/api/config/organisations')).status).toBe(200);
      const refused = await caller.get('/api/config/organisations');
      expect(refused.status).toBe(429);
      expect(refused.body.error).toMatchObject({ code: 'rate_limited', message: expect.stringMatching(/Trop de requêtes.*secondes/) });
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
    });

    it('should count each token apart', async () => {
      const other = svc.withAuthorization(`Bearer ${await svc.idp.token({ preferred_username: w.adminA.email })}`);
      expect((await other.get('/api/config/organisations')).status).toBe(200);
    });
  });

  describe('per IP address', () => {
    let svc: TestService;
    let w: World;
    beforeAll(async () => {
      svc = await startTestService({ deps: { rateLimit: { enabled: true, perToken: 100, perIp: 4, windowSeconds: 60 } } });
      w = await aWorld(svc.db.pool);
    });
    afterAll(async () => { await svc.stop(); });

    it('should limit an address whatever tokens it sends, anonymous requests included', async () => {
      const emails = [w.agentA.email, w.agentA2.email, w.adminA.email];
      for (const email of emails) {
        const res = await svc.withAuthorization(`Bearer ${await svc.idp.token({ preferred_username: email, name: email })}`).get('/api/config/organisations');
        expect(res.status).toBe(200);
      }
      expect((await svc.withAuthorization(null).get('/api/config/organisations')).status).toBe(401);
      const refused = await svc.withAuthorization(`Bearer ${await svc.idp.token({ preferred_username: w.adminB.email })}`).get('/api/config/organisations');
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    });

    it('should never limit the health and readiness probes', async () => {
      expect((await svc.withAuthorization(null).get('/health')).status).toBe(200);
      expect((await svc.withAuthorization(null).get('/ready')).status).toBe(200);
    });
  });

  describe('turned off', () => {
    let svc: TestService;
    let w: World;
    beforeAll(async () => {
      svc = await startTestService({ deps: { rateLimit: { enabled: false, perToken: 1, perIp: 1, windowSeconds: 60 } } });
      w = await aWorld(svc.db.pool);
    });
    afterAll(async () => { await svc.stop(); });

    it('should let every request through when the operator turned limits off', async () => {
      const caller = svc.withAuthorization(`Bearer ${await svc.idp.token({ preferred_username: w.agentA.email })}`);
      for (let i = 0; i < 5; i++) expect((await caller.get('/api/config/organisations')).status).toBe(200);
    });
  });
});
