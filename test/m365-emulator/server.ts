/**
 * Starts the emulator: the local CA and a server certificate for 127.0.0.1/localhost, one HTTPS server serving
 * Entra (/<tenant>/…), Graph (/v1.0/…) and the control API (/_emulator/…).
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createControl, handleControlHttp, type EmulatorControl } from './control';
import { ensureCa, serverCertificateFor } from './certs';
import { EntraEndpoints } from './entra';
import { GraphApi } from './graph';
import { handleMailboxPage } from './mailbox-page';
import { sendJson } from './http-util';
import { Notifier } from './notifier';
import { DEFAULT_SETTINGS, Store, type EmulatorSettings } from './store';
import { Subscriptions } from './subscriptions';
import { Throttle } from './throttle';
import { TokenService } from './tokens';

export interface EmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  certDir?: string;
  subscriptionMaxMinutes?: number;
  /** When false, prints one line per request. Default true. */
  quiet?: boolean;
  settings?: Partial<EmulatorSettings>;
}

export interface Emulator {
  /** https://127.0.0.1:<port> */
  baseUrl: string;
  /** `${baseUrl}/v1.0` */
  graphBaseUrl: string;
  caCertPath: string;
  port: number;
  control: EmulatorControl;
  stop(): Promise<void>;
}

export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const host = opts.host ?? '127.0.0.1';
  const ca = ensureCa(opts.certDir ?? (process.env.EMULATOR_CERT_DIR || undefined));
  const serverCert = serverCertificateFor(['127.0.0.1', 'localhost', ...(host !== '127.0.0.1' && host !== 'localhost' && host !== '0.0.0.0' ? [host] : [])], ca.certDir);
  const store = new Store({ ...DEFAULT_SETTINGS, ...(opts.subscriptionMaxMinutes ? { subscriptionMaxMinutes: opts.subscriptionMaxMinutes } : {}), ...opts.settings });
  const tokens = new TokenService(store);
  await tokens.init();
  const notifier = new Notifier(store, ca.caCertPem);
  const subscriptions = new Subscriptions(store, notifier);
  const throttle = new Throttle(store);
  const graph = new GraphApi(store, tokens, subscriptions, throttle);
  const entra = new EntraEndpoints(store, tokens, (kind, status, req, started) => {
    store.requestLog.push({ at: new Date(started).toISOString(), method: req.method ?? 'GET', path: req.url ?? '', kind, status, inBatch: false, durationMs: Date.now() - started });
  });
  const control = createControl(store, tokens, notifier, entra);
  const quiet = opts.quiet ?? true;

  const server = https.createServer({ cert: serverCert.cert + serverCert.ca, key: serverCert.key }, (req, res) => {
    const started = Date.now();
    if (!quiet) res.on('finish', () => console.log(`${new Date().toISOString()} ${req.method} ${req.url} → ${res.statusCode} (${Date.now() - started} ms)`));
    const url = new URL(req.url ?? '/', 'https://emulator');
    const work = async () => {
      if (url.pathname === '/v1.0' || url.pathname.startsWith('/v1.0/')) return graph.handleHttp(req, res, url);
      if (url.pathname.startsWith('/_emulator/mailboxes/')) return handleMailboxPage(store, control, req, res, url);
      if (url.pathname.startsWith('/_emulator/')) return handleControlHttp(control, req, res, url);
      if (await entra.handle(req, res, url)) return;
      if (url.pathname === '/') return sendJson(res, 200, { name: 'rdv-outlook Microsoft 365 emulator', graph: graph.graphBase, control: `${graph.baseUrl}/_emulator/`, caCertPath: ca.caCertPath });
      sendJson(res, 404, { error: { code: 'NotFound', message: `Nothing at ${url.pathname}: Graph is under /v1.0/, Entra under /<tenantId>/, control under /_emulator/.` } });
    };
    work().catch((e) => {
      if (!quiet) console.error('emulator error', e);
      sendJson(res, 500, { error: { code: 'InternalServerError', message: (e as Error).message } });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const publicHost = host === '0.0.0.0' ? '127.0.0.1' : host;
  const baseUrl = `https://${publicHost}:${port}`;
  tokens.baseUrl = baseUrl;
  graph.baseUrl = baseUrl;
  return {
    baseUrl,
    graphBaseUrl: `${baseUrl}/v1.0`,
    caCertPath: ca.caCertPath,
    port,
    control,
    async stop() {
      await notifier.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
