/**
 * /addin/: the built task pane with the task pane's headers (framed by Outlook only, connect-src naming the
 * deployment's Entra authority), hashed assets cached for a year, index.html and config.json never cached, scripts
 * sent compressed from the build's copies when the browser accepts it, a missing build said in words; and the pane's
 * settings derived from the service's AUTH_* settings.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import express from 'express';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { addinRouter, addinSettingsFrom } from '../../../sync-service/src/http/addin';

describe('the task pane route', () => {
  let dir: string;
  let server: Server;
  let base: string;
  const settings = () => addinSettingsFrom({ auth: { issuer: 'https://127.0.0.1:8443/tid-1/v2.0', audience: 'app-1', jwksUrl: 'https://127.0.0.1:8443/tid-1/discovery/v2.0/keys' } }, dir);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'addin-dist-'));
    await writeFile(path.join(dir, 'app-ABCDEFGH.js'), 'console.log(1)');
    await writeFile(path.join(dir, 'app-ABCDEFGH.js.br'), brotliCompressSync('console.log(1)'));
    await writeFile(path.join(dir, 'app-ABCDEFGH.js.gz'), gzipSync('console.log(1)'));
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

  /** A GET with this Accept-Encoding, its body as received (fetch would decompress it). */
  const raw = (file: string, acceptEncoding: string) => new Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    http.get(`${base}/addin/${file}`, { headers: { 'Accept-Encoding': acceptEncoding } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });

  it('should send a script brotli-compressed, else gzipped, from the build\'s copies, cached for a year', async () => {
    const br = await raw('app-ABCDEFGH.js', 'gzip, deflate, br');
    expect(br.headers).toMatchObject({ 'content-encoding': 'br', 'vary': 'Accept-Encoding', 'cache-control': 'public, max-age=31536000, immutable' });
    expect(br.headers['content-type']).toMatch(/^(application|text)\/javascript/);
    expect(brotliDecompressSync(br.body).toString()).toBe('console.log(1)');
    const gz = await raw('app-ABCDEFGH.js', 'gzip');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).toString()).toBe('console.log(1)');
  });

  it('should send a script as it is to a client that takes no compression, or when the build left no copy', async () => {
    const plain = await raw('app-ABCDEFGH.js', 'identity');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.vary).toBe('Accept-Encoding');
    expect(plain.body.toString()).toBe('console.log(1)');
    await writeFile(path.join(dir, 'other-IJKLMNOP.js'), 'console.log(2)');
    const noCopy = await raw('other-IJKLMNOP.js', 'br');
    expect(noCopy.headers['content-encoding']).toBeUndefined();
    expect(noCopy.body.toString()).toBe('console.log(2)');
  });
});
