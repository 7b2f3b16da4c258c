/**
 * Token signing and checking: one RS256 key per emulator run, published as JWKS; app tokens for Graph
 * (client credentials) and user tokens for the product's own API (authorisation code, or issued in-process).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, jwtVerify, SignJWT, errors as joseErrors, type JWK, type JWTPayload, type CryptoKey } from 'jose';
import type { App, Store, User } from './store';

export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

export interface VerifiedToken {
  claims: JWTPayload & { tid?: string; roles?: string[]; scp?: string; appid?: string; azp?: string; oid?: string };
}

export type TokenProblem = 'empty' | 'malformed' | 'signature' | 'expired' | 'audience' | 'issuer';

export class TokenService {
  private privateKey!: CryptoKey;
  private publicKey!: CryptoKey;
  private publicJwk!: JWK;
  readonly kid = randomBytes(20).toString('base64url');
  baseUrl = '';

  constructor(private store: Store) {}

  async init(): Promise<void> {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    this.privateKey = privateKey;
    this.publicKey = publicKey;
    this.publicJwk = { ...(await exportJWK(publicKey)), kid: this.kid, use: 'sig', kty: 'RSA' };
  }

  issuer(tenantId: string): string {
    return `${this.baseUrl}/${tenantId}/v2.0`;
  }

  jwks(tenantId: string): { keys: JWK[] } {
    return { keys: [{ ...this.publicJwk, issuer: this.issuer(tenantId) } as JWK] };
  }

  private async sign(claims: Record<string, unknown>, lifetimeSeconds: number, nowMs = Date.now()): Promise<string> {
    const iat = Math.floor(nowMs / 1000);
    return new SignJWT({ ...claims, iat, nbf: iat - 300, exp: iat + lifetimeSeconds, uti: randomBytes(16).toString('base64url') })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: this.kid })
      .sign(this.privateKey);
  }

  /** Client-credentials token for `resource` (Graph or another API of the tenant). */
  async appToken(app: App, resource: string, opts: { lifetimeSeconds?: number; nowMs?: number } = {}): Promise<string> {
    const isGraph = resource === GRAPH_RESOURCE || resource === GRAPH_APP_ID;
    const aud = isGraph ? GRAPH_RESOURCE : apiAudience(resource);
    return this.sign({
      aud,
      iss: this.issuer(app.tenantId),
      tid: app.tenantId,
      appid: app.clientId,
      azp: app.clientId,
      app_displayname: app.displayName,
      appidacr: '1',
      idtyp: 'app',
      oid: servicePrincipalId(app.clientId),
      sub: servicePrincipalId(app.clientId),
      // App roles are granted on Graph only; the product's own API defines none.
      roles: isGraph ? app.roles : [],
      ver: '1.0',
    }, opts.lifetimeSeconds ?? this.store.settings.tokenLifetimeSeconds, opts.nowMs);
  }

  /** Delegated token of a user for an API (audience = the API's app id, or Graph). */
  async userAccessToken(opts: { user: User; audience: string; scopes?: string[]; clientId?: string; lifetimeSeconds?: number; nowMs?: number; extraClaims?: Record<string, unknown> }): Promise<string> {
    const { user } = opts;
    return this.sign({
      aud: opts.audience,
      iss: this.issuer(user.tenantId),
      tid: user.tenantId,
      oid: user.id,
      sub: user.id,
      name: user.displayName,
      preferred_username: user.userPrincipalName,
      scp: (opts.scopes ?? ['access_as_user']).join(' '),
      azp: opts.clientId ?? opts.audience,
      azpacr: '0',
      ver: '2.0',
      ...opts.extraClaims,
    }, opts.lifetimeSeconds ?? this.store.settings.tokenLifetimeSeconds, opts.nowMs);
  }

  async idToken(opts: { user: User; clientId: string; nonce?: string }): Promise<string> {
    const { user } = opts;
    return this.sign({
      aud: opts.clientId,
      iss: this.issuer(user.tenantId),
      tid: user.tenantId,
      oid: user.id,
      sub: user.id,
      name: user.displayName,
      preferred_username: user.userPrincipalName,
      ver: '2.0',
      ...(opts.nonce ? { nonce: opts.nonce } : {}),
    }, this.store.settings.tokenLifetimeSeconds);
  }

  /** Checks a bearer token against this emulator's key and the expected audience. */
  async verify(token: string | undefined, audience: string): Promise<VerifiedToken | { problem: TokenProblem; detail: string }> {
    if (!token) return { problem: 'empty', detail: 'Access token is empty.' };
    if (token.split('.').length !== 3) return { problem: 'malformed', detail: 'IDX14100: JWT is not well formed, there are no dots (.).' };
    try {
      const { payload } = await jwtVerify(token, this.publicKey, { algorithms: ['RS256'], clockTolerance: 0 });
      if (payload.aud !== audience) return { problem: 'audience', detail: 'Invalid audience.' };
      const tid = (payload as { tid?: string }).tid;
      if (!tid || payload.iss !== this.issuer(tid)) return { problem: 'issuer', detail: 'Invalid issuer.' };
      return { claims: payload as VerifiedToken['claims'] };
    } catch (e) {
      if (e instanceof joseErrors.JWTExpired) return { problem: 'expired', detail: 'Lifetime validation failed, the token is expired.' };
      if (e instanceof joseErrors.JWSSignatureVerificationFailed) return { problem: 'signature', detail: 'Invalid signature.' };
      return { problem: 'malformed', detail: 'IDX14100: JWT is not well formed.' };
    }
  }
}

/** api://<guid>/… or <guid>/… → <guid>; anything else is kept as is. */
export function apiAudience(resource: string): string {
  const m = /^(?:api:\/\/)?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/i.exec(resource);
  return m ? m[1] : resource;
}

/** A stable object id for an app's service principal (deterministic, so tests can predict it). */
export function servicePrincipalId(clientId: string): string {
  const hex = Buffer.from(clientId).toString('hex').padEnd(32, '0').slice(0, 32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function newCode(): string {
  return randomUUID() + '.' + randomBytes(24).toString('base64url');
}
