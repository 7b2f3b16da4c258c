/**
 * /addin/: the built task pane with the task pane's headers (framed by Outlook only, connect-src naming the
 * deployment's Entra authority), hashed assets cached for a year, index.html and config.json never cached, a
 * missing build said in words; and the pane's settings derived from the service's AUTH_* settings.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import express from 'express';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import { addinRouter, addinSettingsFrom } from '../../../sync-service/src/http/addin';

describe('the task pane route', () => {
  let dir: string;
  let server: Server;
  let base: string;
  const settings = () => addinSettingsFrom({ auth: { issuer: 'https://127.0.0.1:8443/tid-1/v2.0', audience: 'app-1', jwksUrl: 'https://127.0.0.1:8443/tid-1/discovery/v2.0/keys' } }, dir);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'addin-dist-'));
    await writeFile(path.join(dir, 'app-ABCDEFGH.js'), 'console.log(1)');
    const app = express();
    app.use('/addin', addinRouter(settings(), () => new Date('2026-12-08T09:10:00Z')));
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('should derive the pane’s authority, client id and scope from the AUTH_* settings, ADDIN_CLIENT_ID first', () => {
    expect(settings()).toMatchObject({ authority: 'https://127.0.0.1:8443/tid-1', clientId: 'app-1', apiScope: 'api://app-1/access_as_user' });
    expect(addinSettingsFrom({ auth: { issuer: 'https://login.microsoftonline.com/t/v2.0', audience: 'api://app-2', jwksUrl: 'https://login.microsoftonline.com/t/discovery/v2.0/keys' }, ADDIN_CLIENT_ID: 'spa-3' }, dir))
      .toMatchObject({ authority: 'https://login.microsoftonline.com/t', clientId: 'spa-3', apiScope: 'api://app-2/access_as_user' });
  });

  it('should say in words that the pane is not built, instead of a blank page', async () => {
    const res = await fetch(`${base}/addin/index.html`);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('npm run build:addin');
  });

  it('should serve index.html uncached and hashed assets for a year, with the task pane’s policy', async () => {
    await writeFile(path.join(dir, 'index.html'), '<!doctype html><title>x</title>');
    const page = await fetch(`${base}/addin/index.html`);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain('connect-src \'self\' https://login.microsoftonline.com https://127.0.0.1:8443');
    expect(csp).toContain('frame-ancestors \'self\' https://outlook.office.com');
    expect(csp).not.toContain('unsafe-inline');
    const js = await fetch(`${base}/addin/app-ABCDEFGH.js`);
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('should give the pane its settings and the service’s business clock, never cached', async () => {
    const res = await fetch(`${base}/addin/config.json`);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(await res.json()).toEqual({
      authority: 'https://127.0.0.1:8443/tid-1', clientId: 'app-1', apiScope: 'api://app-1/access_as_user',
      knownAuthorities: ['127.0.0.1:8443'], serverNow: '2026-12-08T09:10:00.000Z',
      authorityMetadata: JSON.stringify({
        issuer: 'https://127.0.0.1:8443/tid-1/v2.0', jwks_uri: 'https://127.0.0.1:8443/tid-1/discovery/v2.0/keys',
        authorization_endpoint: 'https://127.0.0.1:8443/tid-1/oauth2/v2.0/authorize', token_endpoint: 'https://127.0.0.1:8443/tid-1/oauth2/v2.0/token',
        end_session_endpoint: 'https://127.0.0.1:8443/tid-1/oauth2/v2.0/logout',
      }),
    });
  });
});
