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

  it("should refuse the ID token of a real sign-in, though it names the API's own app registration", async () => {
    // Authorization-code flow with the API's client id (as when the add-in and the API share one registration):
    // the ID token passes signature, issuer, audience and tenant checks; only its lack of scopes gives it away.
    const authority = emulator.control.authority(tenantId);
    const redirectUri = 'http://localhost/signed-in';
    const authorize = new URL(`${authority}/oauth2/v2.0/authorize`);
    for (const [k, v] of Object.entries({ client_id: apiAppId, redirect_uri: redirectUri, login_hint: w.agentA.email, scope: 'openid profile', nonce: 'n-42', response_type: 'code' })) authorize.searchParams.set(k, v);
    const redirected = await fetch(authorize, { redirect: 'manual' });
    const code = new URL(redirected.headers.get('location')!).searchParams.get('code')!;
    const tokens = await (await fetch(`${authority}/oauth2/v2.0/token`, {
      method: 'POST', body: new URLSearchParams({ grant_type: 'authorization_code', client_id: apiAppId, code, redirect_uri: redirectUri }),
    })).json() as { id_token: string; access_token: string };
    const res = await call(tokens.id_token);
    expect(res.status).toBe(401);
    // The access token of the same sign-in (scope access_as_user of the API) is accepted.
    expect((await call(tokens.access_token)).status).toBe(200);
  });

  it('should refuse a user token for this API without the access_as_user scope', async () => {
    const token = await emulator.control.issueUserToken({ tenantId, userId, audience: apiAppId, scopes: ['User.Read'] });
    expect((await call(token)).status).toBe(403);
  });

  it('should refuse a token of another tenant for a user with the same name', async () => {
    const token = await emulator.control.issueUserToken({ tenantId: '3b1f0c2d-0000-4000-8000-00000000000f', userId: strangerTenantUser, audience: apiAppId });
    expect((await call(token)).status).toBe(401);
  });
});
