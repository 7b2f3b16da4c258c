/**
 * Security headers and access rules of the HTTP layer, as reusable pieces:
 *   - securityHeaders: helmet on every answer. The default Content-Security-Policy is the one for an API (JSON
 *     never needs to load or run anything, and must never be framed); HSTS only when clients reach us over HTTPS.
 *   - noStore: `Cache-Control: no-store` for answers that may carry personal data (all of /api, /dev).
 *   - pageSecurityPolicy / demoPageHeaders / outlookTaskPaneHeaders: the strict CSP for HTML pages; the task pane
 *     variant may be framed by Outlook's hosts only.
 *   - loopbackOnly: refuses requests that do not come from this machine (the demo outbox).
 */
import type { RequestHandler } from 'express';
import helmet from 'helmet';
import net from 'node:net';
import { DomainError } from '../errors';

/**
 * Origins that frame an Outlook add-in's task pane: Outlook on the web (work and personal accounts, and the newer
 * cloud.microsoft domain) and the Office Online hosts. Outlook desktop (classic and new) loads the pane in a
 * WebView at top level, where frame-ancestors does not apply.
 */
export const OUTLOOK_FRAME_ANCESTORS = [
  'https://outlook.office.com',
  'https://outlook.office365.com',
  'https://outlook.live.com',
  'https://outlook.cloud.microsoft',
  'https://*.officeapps.live.com',
] as const;

/** One year, the value HSTS preload lists expect; only sent when clients reach the service over HTTPS. */
const HSTS_MAX_AGE_SECONDS = 365 * 24 * 3600;

export function securityHeaders(opts: { hsts: boolean }): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] },
    },
    // A browser ignores HSTS received over plain HTTP anyway; sending it there would only mislead readers of the headers.
    strictTransportSecurity: opts.hsts ? { maxAge: HSTS_MAX_AGE_SECONDS, includeSubDomains: true } : false,
    xFrameOptions: { action: 'deny' },
  });
}

export const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  next();
};

export interface PagePolicy {
  /** Who may frame the page ('none' by default). */
  frameAncestors?: readonly string[];
  /** Script origins besides our own. */
  scriptSrc?: readonly string[];
  /** fetch/XHR origins besides our own. */
  connectSrc?: readonly string[];
  /** Style sources besides our own files (hashes). */
  styleSrc?: readonly string[];
}

/** A strict CSP for an HTML page of ours: only our own scripts, styles and images, no inline code, no plugins. */
export function pageSecurityPolicy(p: PagePolicy = {}): RequestHandler {
  return helmet.contentSecurityPolicy({
    useDefaults: false,
    directives: {
      defaultSrc: ["'none'"],
      scriptSrc: ["'self'", ...(p.scriptSrc ?? [])],
      styleSrc: ["'self'", ...(p.styleSrc ?? [])],
      imgSrc: ["'self'", 'data:'],
      fontSrc: ["'self'"],
      connectSrc: ["'self'", ...(p.connectSrc ?? [])],
      baseUri: ["'none'"],
      formAction: ["'none'"],
      objectSrc: ["'none'"],
      frameAncestors: [...(p.frameAncestors ?? ["'none'"])],
    },
  });
}

/** Demo pages (/dev/outbox): never framed. */
export const demoPageHeaders = (): RequestHandler => pageSecurityPolicy();

/**
 * For the task pane (to be served under /addin/): framed by Outlook's hosts only. It loads Office.js from
 * Microsoft's CDN and signs in through Entra ID (nested app authentication). X-Frame-Options cannot list origins,
 * so it is removed here and frame-ancestors alone decides. Popups the pane opens (a sign-in fallback) must keep
 * their opener, which helmet's `Cross-Origin-Opener-Policy: same-origin` would cut.
 */
/** CSP hash of an empty inline style ('sha256-' + base64 SHA-256 of ''). */
export const EMPTY_STYLE_HASH = "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='";

export function outlookTaskPaneHeaders(opts: { connectSrc?: readonly string[] } = {}): RequestHandler {
  const csp = pageSecurityPolicy({
    frameAncestors: ["'self'", ...OUTLOOK_FRAME_ANCESTORS],
    scriptSrc: ['https://appsforoffice.microsoft.com'],
    // Extra origins: the Entra authority of the deployment when it is not Microsoft's (the emulator in the demo).
    connectSrc: [...new Set(['https://login.microsoftonline.com', ...(opts.connectSrc ?? [])])],
    // Fluent UI (Griffel) adds EMPTY <style> elements and fills them through the CSSOM (insertRule), which CSP does
    // not restrict; the hash of the empty string allows exactly those empty elements, no inline CSS text.
    styleSrc: [EMPTY_STYLE_HASH],
  });
  return (req, res, next) => {
    res.removeHeader('X-Frame-Options');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin-allow-popups');
    csp(req, res, next);
  };
}

/** True for 127.0.0.0/8, ::1 (also IPv4-mapped) and "localhost": addresses only this machine can reach. */
export function isLoopbackAddress(address: string): boolean {
  const a = address.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (a === 'localhost') return true;
  const v4 = a.startsWith('::ffff:') ? a.slice(7) : a;
  if (net.isIPv4(v4)) return v4.startsWith('127.');
  return net.isIPv6(a) && (a === '::1' || a === '0:0:0:0:0:0:0:1');
}

/**
 * Refuses (403) a request that does not come from this machine. A reverse proxy on this machine relays remote
 * clients from a loopback address, so a request carrying forwarding headers is refused too.
 */
export const loopbackOnly: RequestHandler = (req, _res, next) => {
  const relayed = req.headers['x-forwarded-for'] ?? req.headers.forwarded ?? req.headers['x-real-ip'];
  if (relayed !== undefined || !isLoopbackAddress(req.socket.remoteAddress ?? '')) {
    return next(new DomainError(403, 'loopback_only', 'Page de démonstration : accessible seulement depuis la machine qui fait tourner le service.'));
  }
  next();
};
