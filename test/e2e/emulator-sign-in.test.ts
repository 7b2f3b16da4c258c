/**
 * The API accepts tokens issued by Entra ID — here the emulator's, fetched over HTTPS from its JWKS exactly as
 * from login.microsoftonline.com — and refuses tokens of another tenant or for another API.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createApp } from '../../sync-service/src/http/app';
import { startEmulator, type Emulator } from '../m365-emulator';
import { aWorld, type World } from '../helpers/builders';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

describe('signing in with Entra ID tokens', () => {
  let emulator: Emulator;
  let db: TestDatabase;
  let server: http.Server;
  let base: string;
  let w: World;
  const tenantId = '3b1f0c2d-0000-4000-8000-000000000001';
  const apiAppId = '3b1f0c2d-0000-4000-8000-000000000002';
  let userId: string;
  let strangerTenantUser: string;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0 });
    const c = emulator.control;
    c.createTenant({ id: tenantId, name: 'Département test' });
    c.createApp({ tenantId, clientId: apiAppId, roles: [] });
    db = await createTestDatabase();
    w = await aWorld(db.pool);
    userId = c.createUser({ tenantId, userPrincipalName: w.agentA.email, displayName: 'Agent Nord' }).id;
    c.createTenant({ id: '3b1f0c2d-0000-4000-8000-00000000000f', name: 'Autre' });
    strangerTenantUser = c.createUser({ tenantId: '3b1f0c2d-0000-4000-8000-00000000000f', userPrincipalName: w.agentA.email, displayName: 'Homonyme' }).id;
    const authority = c.authority(tenantId);
    const app = createApp({
      pool: db.pool, logger: pino({ level: 'silent' }),
      auth: { jwksUrl: `${authority}/discovery/v2.0/keys`, issuer: `${authority}/v2.0`, audience: apiAppId, tenantId },
    });
    server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await db.drop();
    await emulator.stop();
  });

  const call = (token: string) => fetch(`${base}/api/config/organisations`, { headers: { authorization: `Bearer ${token}` } });

  it('should accept a user token of the tenant for this API and map it to the agent', async () => {
    const token = await emulator.control.issueUserToken({ tenantId, userId, audience: apiAppId, scopes: ['access_as_user'] });
    const res = await call(token);
    expect(res.status).toBe(200);
    expect(((await res.json()) as Array<{ id: number }>).map((o) => o.id)).toEqual([w.orgA]);
  });

  it('should refuse a token issued for another API', async () => {
    const token = await emulator.control.issueUserToken({ tenantId, userId, audience: 'https://graph.microsoft.com' });
    expect((await call(token)).status).toBe(401);
  });

  it('should refuse a token of another tenant for a user with the same name', async () => {
    const token = await emulator.control.issueUserToken({ tenantId: '3b1f0c2d-0000-4000-8000-00000000000f', userId: strangerTenantUser, audience: apiAppId });
    expect((await call(token)).status).toBe(401);
  });
});
