/** Entra ID as the SDKs see it: discovery documents, client credentials, token checks on Graph, user sign-in. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CryptoProvider } from '@azure/msal-node';
import { createRemoteJWKSet, decodeJwt, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { graphError, graphFor, msalFor, startWorld, type World } from './kit';

let w: World;
beforeAll(async () => {
  w = await startWorld();
});
afterAll(async () => {
  await w?.stop();
});

describe('Entra ID token endpoint', () => {
  it('publishes an OpenID configuration whose endpoints point at the emulator', async () => {
    const res = await fetch(`${w.emulator.baseUrl}/${w.tenantId}/v2.0/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Record<string, string>;
    expect(doc.token_endpoint).toBe(`${w.emulator.baseUrl}/${w.tenantId}/oauth2/v2.0/token`);
    expect(doc.jwks_uri).toBe(`${w.emulator.baseUrl}/${w.tenantId}/discovery/v2.0/keys`);
    expect(doc.issuer).toBe(`${w.emulator.baseUrl}/${w.tenantId}/v2.0`);
    expect(doc.authorization_endpoint).toBe(`${w.emulator.baseUrl}/${w.tenantId}/oauth2/v2.0/authorize`);
    expect(doc.id_token_signing_alg_values_supported).toContain('RS256');
  });

  it('gives msal-node a Graph app token, RS256-signed with a key from the JWKS, with aud, iss, tid, roles and expiry', async () => {
    const result = await w.cca.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] });
    expect(result?.tokenType).toBe('Bearer');
    const token = result!.accessToken;
    const jwks = createRemoteJWKSet(new URL(`${w.emulator.baseUrl}/${w.tenantId}/discovery/v2.0/keys`));
    const { payload, protectedHeader } = await jwtVerify(token, jwks, { issuer: `${w.emulator.baseUrl}/${w.tenantId}/v2.0`, audience: 'https://graph.microsoft.com' });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload.tid).toBe(w.tenantId);
    expect(payload.roles).toEqual(['Calendars.ReadWrite', 'User.Read.All']);
    expect(payload.appid).toBe(w.app.clientId);
    expect(payload.exp! - payload.iat!).toBe(3599);
  });

  it('answers a wrong client secret with the documented invalid_client error (AADSTS7000215)', async () => {
    const bad = msalFor(w.emulator, w.tenantId, w.app.clientId, 'not-the-secret');
    const err = (await bad.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] }).catch((e) => e)) as { errorCode: string; errorMessage: string };
    expect(err.errorCode).toBe('invalid_client');
    expect(err.errorMessage).toMatch(/AADSTS7000215: Invalid client secret provided/);
    const raw = await fetch(`${w.emulator.baseUrl}/${w.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: w.app.clientId, client_secret: 'nope', scope: 'https://graph.microsoft.com/.default', grant_type: 'client_credentials' }),
    });
    expect(raw.status).toBe(401);
    const body = (await raw.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['correlation_id', 'error', 'error_codes', 'error_description', 'error_uri', 'timestamp', 'trace_id']);
    expect(body.error_codes).toEqual([7000215]);
  });

  it('refuses a client-credentials scope without /.default', async () => {
    const raw = await fetch(`${w.emulator.baseUrl}/${w.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      body: new URLSearchParams({ client_id: w.app.clientId, client_secret: w.app.clientSecret, scope: 'Calendars.ReadWrite', grant_type: 'client_credentials' }),
    });
    expect(raw.status).toBe(400);
    expect(((await raw.json()) as { error: string }).error).toBe('invalid_scope');
  });
});

describe('Graph token checks', () => {
  const eventsOf = (w: World) => `/users/${w.agent.id}/events`;

  it('answers 401 InvalidAuthenticationToken when the token is missing', async () => {
    const res = await fetch(`${w.emulator.graphBaseUrl}${eventsOf(w)}`);
    expect(res.status).toBe(401);
    const body = (await res.json()) as { error: { code: string; message: string; innerError: Record<string, string> } };
    expect(body.error.code).toBe('InvalidAuthenticationToken');
    expect(body.error.message).toBe('Access token is empty.');
    expect(Object.keys(body.error.innerError).sort()).toEqual(['client-request-id', 'date', 'request-id']);
  });

  it('answers 401 when the token has expired', async () => {
    const expired = await w.emulator.control.issueAppToken({ clientId: w.app.clientId, expiresInSeconds: 60, nowMs: Date.now() - 3600_000 });
    const err = await graphError(graphFor(w.emulator, async () => expired).api(eventsOf(w)).get());
    expect(err.statusCode).toBe(401);
    expect(err.code).toBe('InvalidAuthenticationToken');
    expect(err.message).toMatch(/expired/);
  });

  it('answers 401 when the token is signed by another key', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const claims = decodeJwt(await w.emulator.control.issueAppToken({ clientId: w.app.clientId }));
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT' }).sign(privateKey);
    const err = await graphError(graphFor(w.emulator, async () => forged).api(eventsOf(w)).get());
    expect(err.statusCode).toBe(401);
    expect(err.code).toBe('InvalidAuthenticationToken');
  });

  it('answers 403 ErrorAccessDenied when the app lacks the calendar permission', async () => {
    const weak = w.emulator.control.createApp({ tenantId: w.tenantId, roles: ['User.Read.All'] });
    const cca = msalFor(w.emulator, w.tenantId, weak.clientId, weak.clientSecret);
    const graph = graphFor(w.emulator, async () => (await cca.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] }))!.accessToken);
    const err = await graphError(graph.api(eventsOf(w)).get());
    expect(err.statusCode).toBe(403);
    expect(err.code).toBe('ErrorAccessDenied');
    const readOnly = w.emulator.control.createApp({ tenantId: w.tenantId, roles: ['Calendars.Read'] });
    const ro = msalFor(w.emulator, w.tenantId, readOnly.clientId, readOnly.clientSecret);
    const roGraph = graphFor(w.emulator, async () => (await ro.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] }))!.accessToken);
    await expect(roGraph.api(eventsOf(w)).get()).resolves.toHaveProperty('value');
    const write = await graphError(roGraph.api(eventsOf(w)).post({ subject: 'x', start: { dateTime: '2026-03-02T09:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-03-02T10:00:00', timeZone: 'UTC' } }));
    expect(write.statusCode).toBe(403);
  });

  it('does not let a token of one tenant read a mailbox of another', async () => {
    const other = w.emulator.control.createTenant({ name: 'Autre mairie' });
    const stranger = w.emulator.control.createUser({ tenantId: other.id, userPrincipalName: 'x@autre.example', displayName: 'X' });
    const err = await graphError(w.graph.api(`/users/${stranger.id}/events`).get());
    expect(err.statusCode).toBe(404);
    expect(err.code).toBe('ErrorInvalidUser');
  });
});

describe('User tokens for the product API', () => {
  it('signs a user in through the authorisation-code flow with PKCE and a sign-in page listing the users', async () => {
    const api = w.emulator.control.createApp({ tenantId: w.tenantId, roles: [] });
    const cca = msalFor(w.emulator, w.tenantId, api.clientId, api.clientSecret);
    const pkce = await new CryptoProvider().generatePkceCodes();
    const redirectUri = 'https://127.0.0.1:3000/auth/callback';
    const scopes = [`api://${api.clientId}/access_as_user`];
    const authUrl = await cca.getAuthCodeUrl({ scopes, redirectUri, codeChallenge: pkce.challenge, codeChallengeMethod: 'S256', state: 'etat-42' });
    const page = await fetch(authUrl);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('claire.martin@testville.example');
    expect(html).toContain('karim.durand@testville.example');
    const form = new URLSearchParams(new URL(authUrl).searchParams);
    form.set('user_id', w.agent.id);
    const chosen = await fetch(new URL(authUrl).origin + new URL(authUrl).pathname, { method: 'POST', body: form, redirect: 'manual' });
    expect(chosen.status).toBe(302);
    const back = new URL(chosen.headers.get('location')!);
    expect(back.origin + back.pathname).toBe(redirectUri);
    expect(back.searchParams.get('state')).toBe('etat-42');
    const result = await cca.acquireTokenByCode({ code: back.searchParams.get('code')!, scopes, redirectUri, codeVerifier: pkce.verifier });
    const claims = decodeJwt(result.accessToken);
    expect(claims.aud).toBe(api.clientId);
    expect(claims.oid).toBe(w.agent.id);
    expect(claims.tid).toBe(w.tenantId);
    expect(claims.preferred_username).toBe('claire.martin@testville.example');
    expect(claims.name).toBe('Claire Martin');
    expect(claims.scp).toBe('access_as_user');
    expect(result.account?.username).toBe('claire.martin@testville.example');
    const jwks = createRemoteJWKSet(new URL(`${w.emulator.baseUrl}/${w.tenantId}/discovery/v2.0/keys`));
    await expect(jwtVerify(result.accessToken, jwks, { audience: api.clientId, issuer: `${w.emulator.baseUrl}/${w.tenantId}/v2.0` })).resolves.toBeTruthy();
  });

  it('issues a user token in-process for API tests', async () => {
    const token = await w.emulator.control.issueUserToken({ tenantId: w.tenantId, userId: w.colleague.id, audience: 'api-app-id' });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ aud: 'api-app-id', oid: w.colleague.id, tid: w.tenantId, preferred_username: 'karim.durand@testville.example', name: 'Karim Durand' });
  });
});
