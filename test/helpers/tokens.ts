/**
 * A stand-in identity provider for API tests: its own RSA key pair, served as a JWKS on loopback HTTP,
 * and a minting function for Entra-shaped access tokens (iss, aud, tid, oid, preferred_username, scp, exp).
 * Like Entra, every user token carries an `oid`: unless one is given (or `oid: null` asks for none), it is
 * derived from the sign-in name, so that one name always signs in as the same account.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';

export interface TestIdentityProvider {
  jwksUrl: string;
  issuer: string;
  audience: string;
  tenantId: string;
  /** An access token for the API (`scp` access_as_user unless given; `null` leaves a claim out). */
  token(claims: TokenClaims): Promise<string>;
  /** A token signed with a key that is NOT in the JWKS. */
  forgedToken(claims: { preferred_username: string }): Promise<string>;
  stop(): Promise<void>;
}

export interface TokenClaims {
  oid?: string | null; preferred_username?: string; tid?: string; aud?: string; iss?: string; expiresIn?: string | number; name?: string;
  scp?: string | null; roles?: string[]; nonce?: string;
}

/** A stable object id for a sign-in name: a valid (version 4, RFC variant) UUID, as Entra's are. */
export function oidOf(username: string): string {
  const h = createHash('sha256').update(username.toLowerCase()).digest('hex');
  const hex = `${h.slice(0, 12)}4${h.slice(13, 16)}${'89ab'[parseInt(h[16], 16) % 4]}${h.slice(17, 32)}`;
  return hex.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
}

export async function startTestIdentityProvider(): Promise<TestIdentityProvider> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const forger = await generateKeyPair('RS256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const server = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const tenantId = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
  const issuer = `https://login.example.test/${tenantId}/v2.0`;
  const audience = 'api://rdv-outlook-test';
  const sign = (key: CryptoKey, kid: string, c: TokenClaims) => {
    const { expiresIn = '1h', iss = issuer, aud = audience, tid = tenantId, scp = 'access_as_user', ...rest } = c;
    const oid = c.oid === undefined && c.preferred_username ? oidOf(c.preferred_username) : c.oid;
    const claims: Record<string, unknown> = { ...rest, tid, ver: '2.0' };
    if (oid) claims.oid = oid; else delete claims.oid;
    if (scp !== null) claims.scp = scp;
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .setIssuer(iss).setAudience(aud).setIssuedAt().setExpirationTime(expiresIn).sign(key);
  };
  return {
    jwksUrl: `http://127.0.0.1:${port}/keys`,
    issuer,
    audience,
    tenantId,
    token: (c) => sign(privateKey, 'test-key', c),
    forgedToken: (c) => sign(forger.privateKey, 'test-key', c),
    stop: () => new Promise((r) => server.close(() => r())),
  };
}
