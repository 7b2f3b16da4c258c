/**
 * Serves the Outlook task pane (addin/dist, built by `npm run build:addin`) under /addin/, and the settings the
 * pane needs at runtime (/addin/config.json): who signs it in (Entra authority, the add-in's client id), which
 * scope it asks for, and the service's business clock (so that "today" in the pane is the service's today).
 *
 * Headers: outlookTaskPaneHeaders() (framed only by Outlook's hosts, Office.js from Microsoft's CDN); the Entra
 * authority's origin is added to connect-src, since the pane's sign-in library talks to it (the emulator in the
 * demo, login.microsoftonline.com in production). Hashed assets are cached for a year (their name changes with
 * their content); index.html and config.json are never cached, so a deployment takes effect at the next opening.
 * Scripts go compressed (brotli or gzip, as the browser accepts) from the copies the build writes beside them.
 */
import express, { Router } from 'express';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { outlookTaskPaneHeaders } from './security';

export interface AddinSettings {
  /** Folder of the built task pane (addin/dist). */
  distDir: string;
  /** Entra authority the pane signs in against, e.g. https://login.microsoftonline.com/<tenant id>. */
  authority: string;
  /** Client id of the add-in's app registration (single-page application platform). */
  clientId: string;
  /** Scope of the service's API the pane asks a token for. */
  apiScope: string;
  /** The authority's OpenID metadata, so that msal skips fetching it (one round trip less before Mes RDV). */
  authorityMetadata: { issuer: string; jwks_uri: string; authorization_endpoint: string; token_endpoint: string; end_session_endpoint: string };
}

/**
 * Derives the pane's settings from the service's AUTH_* settings: authority = AUTH_ISSUER without its `/v2.0`,
 * client id = ADDIN_CLIENT_ID or else AUTH_AUDIENCE (one app registration for the add-in and the API, as the
 * admin guide recommends), scope = `<Application ID URI>/access_as_user`.
 */
export function addinSettingsFrom(c: { auth: { issuer: string; audience: string; jwksUrl: string }; ADDIN_CLIENT_ID?: string }, distDir: string): AddinSettings {
  const audience = c.auth.audience;
  const appIdUri = audience.startsWith('api://') ? audience : `api://${audience}`;
  const clientId = c.ADDIN_CLIENT_ID ?? (audience.startsWith('api://') ? audience.slice('api://'.length) : audience);
  const authority = c.auth.issuer.replace(/\/v2\.0\/?$/, '');
  return {
    distDir, authority, clientId, apiScope: `${appIdUri}/access_as_user`,
    // Entra's v2 endpoints are these paths under the authority, for login.microsoftonline.com and the emulator alike.
    authorityMetadata: {
      issuer: c.auth.issuer, jwks_uri: c.auth.jwksUrl, authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
      token_endpoint: `${authority}/oauth2/v2.0/token`, end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
    },
  };
}

const HASHED_ASSET = /-[A-Z0-9]{8,}\.(js|css|map)$/i;
const ONE_YEAR_SECONDS = 365 * 24 * 3600;
const cacheControl = (file: string) => (HASHED_ASSET.test(file) ? `public, max-age=${ONE_YEAR_SECONDS}, immutable` : 'no-cache');
/** The build's compressed copies of each script (scripts/build-addin.ts), best first. */
const COMPRESSED_COPIES: Record<string, string> = { br: '.br', gzip: '.gz' };

export function addinRouter(s: AddinSettings, now: () => Date): Router {
  const router = Router();
  const authorityOrigin = new URL(s.authority).origin;
  router.use(outlookTaskPaneHeaders({ connectSrc: [authorityOrigin] }));
  router.get('/config.json', (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.json({
      authority: s.authority, clientId: s.clientId, apiScope: s.apiScope, authorityMetadata: JSON.stringify(s.authorityMetadata),
      // The authority's host, so that msal trusts it without network discovery (the emulator; harmless for Microsoft's).
      knownAuthorities: [new URL(s.authority).host],
      serverNow: now().toISOString(),
    });
  });
  router.get('/', (_req, res) => res.redirect(302, '/addin/index.html'));
  // Checked at each opening, not at start: a build made while the service runs is served at once.
  router.get('/index.html', (_req, res, next) => {
    if (existsSync(path.join(s.distDir, 'index.html'))) return next();
    res.status(503).type('text/plain; charset=utf-8')
      .send('Le volet Outlook n’est pas construit : lancez `npm run build:addin`. / The task pane is not built: run `npm run build:addin`.');
  });
  router.get(/^\/[\w.-]+\.js$/, (req, res, next) => {
    res.vary('Accept-Encoding');
    // Ours first (brotli is smaller), whatever order the browser lists them in.
    const encoding = Object.keys(COMPRESSED_COPIES).find((e) => req.acceptsEncodings(e) === e);
    const copy = encoding && path.join(s.distDir, `${req.path.slice(1)}${COMPRESSED_COPIES[encoding]}`);
    if (!copy || !existsSync(copy)) return next();
    res.type('js').set({ 'Content-Encoding': encoding, 'Cache-Control': cacheControl(req.path) });
    res.sendFile(copy, { cacheControl: false }, (err) => err && next(err));
  });
  router.use(express.static(s.distDir, { index: false, setHeaders: (res, file) => res.setHeader('Cache-Control', cacheControl(file)) }));
  return router;
}
