import { describe, expect, it } from '@jest/globals';
import express from 'express';
import type { AddressInfo } from 'node:net';
import type { Request } from 'express';
import { DomainError } from '../../../sync-service/src/errors';
import { isLoopbackAddress, loopbackOnly, OUTLOOK_FRAME_ANCESTORS, outlookTaskPaneHeaders, securityHeaders } from '../../../sync-service/src/http/security';

const requestFrom = (remoteAddress: string, headers: Record<string, string> = {}) =>
  ({ socket: { remoteAddress }, headers } as unknown as Request);

const verdict = (req: Request) => {
  let passed: unknown = 'not called';
  loopbackOnly(req, {} as never, (err?: unknown) => { passed = err; });
  return passed;
};

describe('loopback-only routes', () => {
  it('should let requests from loopback through, IPv4, IPv6 and IPv4-mapped', () => {
    for (const a of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) expect(verdict(requestFrom(a))).toBeUndefined();
  });

  it('should refuse with 403 a request from another machine', () => {
    for (const a of ['10.1.2.3', '192.168.1.20', '::ffff:10.0.0.1', 'fe80::1', '']) {
      const err = verdict(requestFrom(a));
      expect(err).toBeInstanceOf(DomainError);
      expect((err as DomainError).status).toBe(403);
    }
  });

  it('should refuse a loopback connection that carries forwarding headers (a reverse proxy relaying a remote client)', () => {
    expect(verdict(requestFrom('127.0.0.1', { 'x-forwarded-for': '203.0.113.7' }))).toBeInstanceOf(DomainError);
    expect(verdict(requestFrom('127.0.0.1', { forwarded: 'for=203.0.113.7' }))).toBeInstanceOf(DomainError);
  });

  it('should recognise loopback host names and addresses for the HOST setting', () => {
    for (const h of ['127.0.0.1', 'localhost', '::1', '[::1]']) expect(isLoopbackAddress(h)).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.5', 'rdv.example.fr']) expect(isLoopbackAddress(h)).toBe(false);
  });
});

describe('the task pane framing policy', () => {
  it('should let only Outlook hosts frame the task pane, and send no X-Frame-Options that would forbid them', async () => {
    const app = express();
    app.use(securityHeaders({ hsts: false })); // as in the service: the pane's policy replaces the API's
    app.use('/addin', outlookTaskPaneHeaders(), (_req, res) => { res.type('html').send('<!DOCTYPE html><title>Volet</title>'); });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/addin/taskpane.html`);
      const csp = res.headers.get('content-security-policy')!;
      const ancestors = csp.split(';').map((d) => d.trim()).find((d) => d.startsWith('frame-ancestors'))!;
      expect(ancestors.split(/\s+/).slice(1)).toEqual(["'self'", ...OUTLOOK_FRAME_ANCESTORS]);
      expect(OUTLOOK_FRAME_ANCESTORS).toEqual(expect.arrayContaining([
        'https://outlook.office.com', 'https://outlook.office365.com', 'https://outlook.live.com', 'https://*.officeapps.live.com',
      ]));
      expect(res.headers.get('x-frame-options')).toBeNull();
      expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin-allow-popups');
      expect(csp).not.toContain('unsafe-inline');
    } finally {
      server.close();
    }
  });
});
