/**
 * Entra ID endpoints under /<tenant>/: OpenID configuration, JWKS, the v2.0 token endpoint (client credentials,
 * authorisation code with PKCE, refresh token) and a minimal sign-in page that lists the emulated users.
 * Error bodies follow Entra's v2 shape ({ error, error_description: "AADSTS…", error_codes, timestamp, trace_id,
 * correlation_id, error_uri }).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { escapeHtml, readBody, send, sendJson } from './http-util';
import type { Store, User } from './store';
import { apiAudience, GRAPH_APP_ID, GRAPH_RESOURCE, newCode, type TokenService } from './tokens';

const AUTHORITY_WIDE = new Set(['common', 'organizations', 'consumers']);

export class EntraEndpoints {
  private refreshTokens = new Map<string, { clientId: string; userId: string; scope: string }>();

  constructor(private store: Store, private tokens: TokenService, private log: (kind: string, status: number, req: IncomingMessage, started: number, appId?: string) => void) {}

  /** Handles the request when the path is an Entra one; returns false otherwise. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const m = /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|\.well-known\/openid-configuration|discovery\/v2\.0\/keys|discovery\/keys|oauth2\/v2\.0\/token|oauth2\/v2\.0\/authorize|oauth2\/v2\.0\/logout)$/.exec(url.pathname);
    if (!m) return false;
    const tenant = decodeURIComponent(m[1]);
    const what = m[2];
    const started = Date.now();
    const cors = { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Headers': '*', 'Access-Control-Allow-Methods': 'GET, POST, OPTIONS' };
    if (req.method === 'OPTIONS') {
      send(res, 204, undefined, cors);
      return true;
    }
    const known = this.store.tenants.has(tenant) || AUTHORITY_WIDE.has(tenant);
    if (!known) {
      this.entraError(res, 400, 'invalid_request', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`, cors);
      this.log('entra.' + what, 400, req, started);
      return true;
    }
    if (what.endsWith('openid-configuration')) {
      sendJson(res, 200, this.openIdConfiguration(tenant), cors);
    } else if (what.includes('keys')) {
      sendJson(res, 200, this.tokens.jwks(tenant), cors);
    } else if (what === 'oauth2/v2.0/token') {
      if (req.method !== 'POST') {
        this.entraError(res, 405, 'invalid_request', 900561, 'The endpoint only accepts POST requests. Received a GET request.', cors);
      } else {
        const status = await this.token(tenant, new URLSearchParams(await readBody(req)), res, cors);
        this.log('token', status, req, started);
        return true;
      }
    } else if (what === 'oauth2/v2.0/authorize') {
      await this.authorize(tenant, req, res, url);
    } else {
      const post = url.searchParams.get('post_logout_redirect_uri');
      if (post) send(res, 302, undefined, { Location: post });
      else send(res, 200, '<!doctype html><p>Signed out.</p>', { 'Content-Type': 'text/html; charset=utf-8' });
    }
    this.log('entra.' + what, res.statusCode, req, started);
    return true;
  }

  openIdConfiguration(tenant: string): Record<string, unknown> {
    const base = this.tokens.baseUrl;
    const issuerTenant = AUTHORITY_WIDE.has(tenant) ? '{tenantid}' : tenant;
    return {
      token_endpoint: `${base}/${tenant}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/${tenant}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${base}/${issuerTenant}/v2.0`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${base}/oidc/userinfo`,
      authorization_endpoint: `${base}/${tenant}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/${tenant}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/${tenant}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email'],
      kerberos_endpoint: `${base}/${tenant}/kerberos`,
      tenant_region_scope: 'EU',
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
      rbac_url: 'https://pas.windows.net',
    };
  }

  /** What msal-node needs as `authorityMetadata` (a JSON string) to skip network discovery. */
  authorityMetadata(tenant: string): string {
    const c = this.openIdConfiguration(tenant);
    return JSON.stringify({ token_endpoint: c.token_endpoint, authorization_endpoint: c.authorization_endpoint, issuer: c.issuer, jwks_uri: c.jwks_uri, end_session_endpoint: c.end_session_endpoint });
  }

  private entraError(res: ServerResponse, status: number, error: string, code: number, text: string, headers: Record<string, string> = {}): number {
    const traceId = randomUUID();
    const correlationId = randomUUID();
    const timestamp = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z').replace('T', ' ');
    sendJson(res, status, {
      error,
      error_description: `AADSTS${code}: ${text} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `${this.tokens.baseUrl}/error?code=${code}`,
    }, headers);
    return status;
  }

  private async token(tenant: string, form: URLSearchParams, res: ServerResponse, cors: Record<string, string>): Promise<number> {
    const grant = form.get('grant_type');
    const clientId = form.get('client_id') ?? '';
    const app = this.store.apps.get(clientId);
    if (!grant) return this.entraError(res, 400, 'invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.", cors);
    if (!app || (!AUTHORITY_WIDE.has(tenant) && app.tenantId !== tenant)) {
      return this.entraError(res, 400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`, cors);
    }
    const secret = form.get('client_secret');
    if (grant === 'client_credentials') {
      if (AUTHORITY_WIDE.has(tenant)) return this.entraError(res, 400, 'invalid_request', 700016, `Application with identifier '${clientId}' was not found in the directory '${tenant}'. Use a tenant-specific endpoint for client credentials.`, cors);
      if (!secret) return this.entraError(res, 401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.", cors);
      if (secret !== app.clientSecret) return this.entraError(res, 401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`, cors);
      const scope = (form.get('scope') ?? '').trim();
      const scopes = scope.split(/\s+/).filter(Boolean);
      if (scopes.length !== 1 || !scopes[0].endsWith('/.default')) {
        return this.entraError(res, 400, 'invalid_scope', 1002012, `The provided value for scope ${scope || '(empty)'} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`, cors);
      }
      const resource = scopes[0].slice(0, -'/.default'.length);
      const known = resource === GRAPH_RESOURCE || resource === GRAPH_APP_ID || this.store.apps.has(apiAudience(resource));
      if (!known) return this.entraError(res, 400, 'invalid_resource', 500011, `The resource principal named ${resource} was not found in the tenant named ${tenant}.`, cors);
      const lifetime = this.store.settings.tokenLifetimeSeconds;
      sendJson(res, 200, { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: await this.tokens.appToken(app, resource) }, { ...cors, 'Cache-Control': 'no-store, no-cache', Pragma: 'no-cache' });
      return 200;
    }
    if (grant === 'authorization_code' || grant === 'refresh_token') {
      if (secret !== null && secret !== app.clientSecret) return this.entraError(res, 401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`, cors);
      let userId: string;
      let scope: string;
      let nonce: string | undefined;
      if (grant === 'authorization_code') {
        const code = this.store.authCodes.get(form.get('code') ?? '');
        if (!code || code.expiresMs < Date.now() || code.clientId !== clientId) return this.entraError(res, 400, 'invalid_grant', 70008, 'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.', cors);
        this.store.authCodes.delete(form.get('code') ?? '');
        if (code.redirectUri !== form.get('redirect_uri')) return this.entraError(res, 400, 'invalid_grant', 50148, 'The redirect_uri does not match the one used in the authorization request.', cors);
        if (code.codeChallenge) {
          const verifier = form.get('code_verifier') ?? '';
          const computed = code.codeChallengeMethod === 'plain' ? verifier : createHash('sha256').update(verifier).digest('base64url');
          if (computed !== code.codeChallenge) return this.entraError(res, 400, 'invalid_grant', 501481, 'The Code_Verifier does not match the code_challenge supplied in the authorization request.', cors);
        }
        userId = code.userId;
        scope = code.scope;
        nonce = code.nonce;
      } else {
        const rt = this.refreshTokens.get(form.get('refresh_token') ?? '');
        if (!rt || rt.clientId !== clientId) return this.entraError(res, 400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.', cors);
        userId = rt.userId;
        scope = form.get('scope') ?? rt.scope;
      }
      const user = this.store.users.get(userId);
      if (!user) return this.entraError(res, 400, 'invalid_grant', 50034, 'The user account does not exist in the directory.', cors);
      sendJson(res, 200, await this.userTokenResponse(user, clientId, scope, nonce), { ...cors, 'Cache-Control': 'no-store, no-cache' });
      return 200;
    }
    return this.entraError(res, 400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grant}'.`, cors);
  }

  private async userTokenResponse(user: User, clientId: string, scope: string, nonce?: string): Promise<Record<string, unknown>> {
    const requested = scope.split(/\s+/).filter(Boolean);
    const apiScopes = requested.filter((s) => !['openid', 'profile', 'email', 'offline_access'].includes(s));
    // The audience is the resource of the first API scope (api://<app id>/access_as_user → <app id>), else the client itself.
    let audience = clientId;
    let scp = ['access_as_user'];
    if (apiScopes.length) {
      const first = apiScopes[0];
      const slash = first.lastIndexOf('/');
      const resource = slash > 0 ? first.slice(0, slash) : first;
      audience = resource === GRAPH_RESOURCE ? GRAPH_RESOURCE : apiAudience(resource);
      scp = apiScopes.map((s) => s.slice(s.lastIndexOf('/') + 1)).map((s) => (s === '.default' ? 'access_as_user' : s));
    }
    const refresh = newCode();
    this.refreshTokens.set(refresh, { clientId, userId: user.id, scope });
    const lifetime = this.store.settings.tokenLifetimeSeconds;
    return {
      token_type: 'Bearer',
      scope: apiScopes.length ? apiScopes.join(' ') : `${audience}/access_as_user`,
      expires_in: lifetime,
      ext_expires_in: lifetime,
      access_token: await this.tokens.userAccessToken({ user, audience, scopes: scp, clientId }),
      refresh_token: refresh,
      id_token: await this.tokens.idToken({ user, clientId, nonce }),
      client_info: Buffer.from(JSON.stringify({ uid: user.id, utid: user.tenantId })).toString('base64url'),
    };
  }

  /** GET shows the sign-in page; POST (the page's form) issues the code and redirects. */
  private async authorize(tenant: string, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const params = req.method === 'POST' ? new URLSearchParams(await readBody(req)) : url.searchParams;
    const clientId = params.get('client_id') ?? '';
    const redirectUri = params.get('redirect_uri') ?? '';
    const app = this.store.apps.get(clientId);
    const html = (status: number, body: string) => send(res, status, `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Sign in (M365 emulator)</title><style>body{font-family:system-ui;max-width:36rem;margin:3rem auto}button{display:block;width:100%;margin:.4rem 0;padding:.6rem;text-align:left}</style></head><body>${body}</body></html>`, { 'Content-Type': 'text/html; charset=utf-8' });
    if (!app) return html(400, `<h1>Sign-in error</h1><p>AADSTS700016: Application with identifier '${escapeHtml(clientId)}' was not found in the directory '${escapeHtml(tenant)}'.</p>`);
    if (!/^https:\/\//.test(redirectUri) && !/^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?\//.test(redirectUri) && !/^[a-z][a-z0-9+.-]*:\/\//.test(redirectUri)) {
      return html(400, `<h1>Sign-in error</h1><p>AADSTS50011: The redirect URI '${escapeHtml(redirectUri)}' specified in the request does not match the redirect URIs configured for the application.</p>`);
    }
    if (app.redirectUris.length && !app.redirectUris.includes(redirectUri)) {
      return html(400, `<h1>Sign-in error</h1><p>AADSTS50011: The redirect URI '${escapeHtml(redirectUri)}' specified in the request does not match the redirect URIs configured for the application '${escapeHtml(clientId)}'.</p>`);
    }
    const tenantId = AUTHORITY_WIDE.has(tenant) ? app.tenantId : tenant;
    const users = [...this.store.users.values()].filter((u) => u.tenantId === tenantId);
    const hint = params.get('login_hint');
    let chosen = params.get('user_id') ? users.find((u) => u.id === params.get('user_id')) : undefined;
    if (!chosen && hint && params.get('prompt') !== 'select_account') chosen = users.find((u) => u.userPrincipalName.toLowerCase() === hint.toLowerCase());
    if (!chosen) {
      const hidden = [...params.entries()].filter(([k]) => k !== 'user_id').map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`).join('');
      const buttons = users.map((u) => `<button type="submit" name="user_id" value="${escapeHtml(u.id)}" data-upn="${escapeHtml(u.userPrincipalName)}"><strong>${escapeHtml(u.displayName)}</strong><br><small>${escapeHtml(u.userPrincipalName)}</small></button>`).join('');
      return html(200, `<h1>Choisir un compte</h1><p>Émulateur Microsoft 365 — locataire ${escapeHtml(this.store.tenants.get(tenantId)?.name ?? tenantId)}</p><form method="post" action="${escapeHtml(url.pathname)}">${hidden}${buttons || '<p>Aucun utilisateur.</p>'}</form>`);
    }
    const code = newCode();
    this.store.authCodes.set(code, {
      clientId, tenantId, userId: chosen.id, redirectUri, scope: params.get('scope') ?? 'openid profile',
      codeChallenge: params.get('code_challenge') ?? undefined, codeChallengeMethod: params.get('code_challenge_method') ?? undefined,
      nonce: params.get('nonce') ?? undefined, expiresMs: Date.now() + 10 * 60_000,
    });
    const answer = new URLSearchParams({ code, client_info: Buffer.from(JSON.stringify({ uid: chosen.id, utid: chosen.tenantId })).toString('base64url') });
    const state = params.get('state');
    if (state !== null) answer.set('state', state);
    answer.set('session_state', newCode());
    const mode = params.get('response_mode') ?? 'query';
    if (mode === 'form_post') {
      const inputs = [...answer.entries()].map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`).join('');
      return html(200, `<form method="post" action="${escapeHtml(redirectUri)}">${inputs}</form><script>document.forms[0].submit()</script>`);
    }
    const target = mode === 'fragment' ? `${redirectUri}#${answer}` : `${redirectUri}${redirectUri.includes('?') ? '&' : '?'}${answer}`;
    send(res, 302, undefined, { Location: target });
  }
}
