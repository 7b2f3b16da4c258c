/**
 * What every conformance test needs: an emulator on a free port with one tenant, a service app and users; the
 * real msal-node and Graph SDK clients configured exactly as the service configures them against Microsoft (only
 * the authority, its metadata, the Graph base URL and the trusted CA differ); and an HTTPS receiver for
 * notifications on loopback, with a certificate from the local CA.
 */
import { ConfidentialClientApplication, LogLevel } from '@azure/msal-node';
import { Client, RetryHandlerOptions, type GraphRequest } from '@microsoft/microsoft-graph-client';
import https from 'node:https';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { serverCertificateFor } from '../certs';
import { startEmulator, type AppCredentials, type Emulator, type User } from '../index';

export interface World {
  emulator: Emulator;
  tenantId: string;
  app: AppCredentials;
  agent: User;
  colleague: User;
  cca: ConfidentialClientApplication;
  graph: Client;
  stop(): Promise<void>;
}

export function msalFor(emulator: Emulator, tenantId: string, clientId: string, clientSecret: string): ConfidentialClientApplication {
  const host = new URL(emulator.baseUrl).host;
  return new ConfidentialClientApplication({
    auth: {
      clientId,
      clientSecret,
      authority: emulator.control.authority(tenantId),
      knownAuthorities: [host],
      authorityMetadata: emulator.control.authorityMetadata(tenantId),
    },
    system: { loggerOptions: { logLevel: LogLevel.Error, piiLoggingEnabled: false, loggerCallback: () => undefined } },
  });
}

export function graphFor(emulator: Emulator, getToken: () => Promise<string>): Client {
  return Client.initWithMiddleware({
    authProvider: { getAccessToken: getToken },
    baseUrl: emulator.baseUrl,
    customHosts: new Set([new URL(emulator.baseUrl).hostname]),
  });
}

export async function startWorld(opts: { roles?: string[]; settings?: Parameters<typeof startEmulator>[0] } = {}): Promise<World> {
  const emulator = await startEmulator({ quiet: true, ...opts.settings });
  if (!process.env.NODE_EXTRA_CA_CERTS || path.resolve(process.env.NODE_EXTRA_CA_CERTS) !== path.resolve(emulator.caCertPath)) {
    await emulator.stop();
    throw new Error(`The SDKs will not trust the emulator: start jest with NODE_EXTRA_CA_CERTS=${emulator.caCertPath} (after 'npx tsx test/m365-emulator/ensure-ca.ts'), as npm test does.`);
  }
  const c = emulator.control;
  const tenant = c.createTenant({ name: 'Mairie de Testville' });
  const app = c.createApp({ tenantId: tenant.id, roles: opts.roles ?? ['Calendars.ReadWrite', 'User.Read.All'] });
  const agent = c.createUser({ tenantId: tenant.id, userPrincipalName: 'claire.martin@testville.example', displayName: 'Claire Martin', timeZone: 'Romance Standard Time' });
  const colleague = c.createUser({ tenantId: tenant.id, userPrincipalName: 'karim.durand@testville.example', displayName: 'Karim Durand' });
  const cca = msalFor(emulator, tenant.id, app.clientId, app.clientSecret);
  const graph = graphFor(emulator, async () => (await cca.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] }))!.accessToken);
  return { emulator, tenantId: tenant.id, app, agent, colleague, cca, graph, stop: () => emulator.stop() };
}

/** Turns off the SDK's RetryHandler for one request, to see 429/503 answers as they are. */
export function noRetry(r: GraphRequest): GraphRequest {
  return r.middlewareOptions([new RetryHandlerOptions(0, 0)]);
}

/** Runs a Graph call that must fail and returns the SDK's GraphError. */
export async function graphError(p: Promise<unknown>): Promise<{ statusCode: number; code: string; message: string; body: string; headers?: Headers }> {
  try {
    await p;
  } catch (e) {
    return e as { statusCode: number; code: string; message: string; body: string; headers?: Headers };
  }
  throw new Error('The Graph call succeeded where a failure was expected.');
}

export interface Received {
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json?: { value: Array<Record<string, unknown>> };
}

export interface Receiver {
  url: string;
  received: Received[];
  /** How to answer the validation handshake: echo the token (default), or misbehave. */
  validation: 'echo' | 'wrong-token' | 'json' | 'status-500' | 'silent';
  /** Status answered to notifications; a function can vary it per call. */
  notificationStatus: number | ((n: number) => number);
  /** Milliseconds to wait before acknowledging a notification. */
  notificationDelayMs: number;
  notifications(): Array<Record<string, unknown>>;
  waitFor(pred: (r: Received[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const cert = serverCertificateFor(['127.0.0.1', 'localhost']);
  let calls = 0;
  const pending = new Set<NodeJS.Timeout>();
  const r: Receiver = {
    url: '',
    received: [],
    validation: 'echo',
    notificationStatus: 202,
    notificationDelayMs: 0,
    notifications: () => r.received.filter((x) => x.json).flatMap((x) => x.json!.value),
    async waitFor(pred, timeoutMs = 5000) {
      const until = Date.now() + timeoutMs;
      while (!pred(r.received)) {
        if (Date.now() > until) throw new Error(`Receiver: condition not met within ${timeoutMs} ms (${r.received.length} requests received).`);
        await new Promise((ok) => setTimeout(ok, 20));
      }
    },
    close: () => new Promise((ok) => {
      for (const t of pending) clearTimeout(t);
      server.close(() => ok());
      server.closeAllConnections();
    }),
  };
  const server = https.createServer({ cert: cert.cert + cert.ca, key: cert.key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'https://receiver');
      const text = Buffer.concat(chunks).toString('utf8');
      let json: Received['json'];
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      r.received.push({ path: url.pathname, query: url.searchParams, headers: req.headers, text, json });
      const token = url.searchParams.get('validationToken');
      if (token !== null) {
        switch (r.validation) {
          case 'echo': res.writeHead(200, { 'Content-Type': 'text/plain' }); res.end(token); return;
          case 'wrong-token': res.writeHead(200, { 'Content-Type': 'text/plain' }); res.end('not-the-token'); return;
          case 'json': res.writeHead(200, { 'Content-Type': 'application/json' }); res.end(JSON.stringify(token)); return;
          case 'status-500': res.writeHead(500); res.end(); return;
          case 'silent': { const t = setTimeout(() => res.destroy(), 30_000); pending.add(t); return; }
        }
      }
      calls += 1;
      const status = typeof r.notificationStatus === 'function' ? r.notificationStatus(calls) : r.notificationStatus;
      const answer = () => {
        res.writeHead(status);
        res.end();
      };
      if (r.notificationDelayMs > 0) {
        const t = setTimeout(answer, r.notificationDelayMs);
        pending.add(t);
      } else answer();
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  r.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/notifications`;
  return r;
}

export function isoIn(minutes: number): string {
  return new Date(Date.now() + minutes * 60_000).toISOString();
}
