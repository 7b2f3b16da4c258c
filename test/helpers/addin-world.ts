/**
 * The task pane's world for end-to-end tests and the bench: the Microsoft 365 emulator with the demo tenant, and
 * the service as its own process over HTTPS (certificate from the local CA), on a fresh embedded PostgreSQL with the
 * demo data, its business clock set by TEST_CLOCK (NODE_ENV=test). The service can be restarted at another instant
 * on the same data (to reach the hour of an RDV booked earlier). With `sync: true` the service runs the Outlook
 * sync against the emulated tenant (the demo's sync app), as `npm start` does, and mailboxes can be connected.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import https from 'node:https';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createPool, type Pool } from '../../sync-service/src/data/db';
import { ensureCa, issueServerCertificate, startEmulator, type Emulator } from '../m365-emulator';
import { createDemoTenant, DEMO_TENANT } from '../m365-emulator/demo-tenant';
import { freePort } from './free-port';
import { eventually } from './eventually';

export interface AddinWorld {
  baseUrl: string;
  paneUrl: string;
  caPemPath: string;
  emulator: Emulator;
  users: Array<{ id: string; userPrincipalName: string }>;
  /** An access token for the API of the demo agent with this email. */
  tokenFor(email: string): Promise<string>;
  /** Calls the service's API as the demo agent with this email (`body` sent as JSON). */
  api<T = any>(email: string, method: string, apiPath: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** The service's own database (its embedded PostgreSQL), to check what the store holds. */
  store(): Pool;
  /**
   * Connects the mailbox of the demo agent `email` as `adminEmail` (an admin of their organisation) would, and waits
   * until the sync says connected with its import done and its outbox drained. Needs `sync: true`.
   */
  connectMailbox(email: string, adminEmail: string): Promise<{ agentId: number; userId: string }>;
  /** Stops the service and starts it again on the same data with its clock at `instant`. */
  restartAt(instant: string): Promise<void>;
  output(): string;
  stop(): Promise<void>;
}

/** GET trusting our CA whatever this process was started with (the bench runs without NODE_EXTRA_CA_CERTS). */
function readyOver(url: string, ca: string): Promise<boolean> {
  return new Promise((resolve) => {
    https.get(url, { ca }, (res) => { res.resume(); resolve(res.statusCode === 200); }).on('error', () => resolve(false));
  });
}

export async function startAddinWorld(opts: { testClock: string; logLevel?: string; sync?: boolean }): Promise<AddinWorld> {
  const ca = ensureCa(); // the CA of NODE_EXTRA_CA_CERTS (npm test)
  const emulator = await startEmulator({ port: 0, certDir: ca.certDir });
  const users = createDemoTenant(emulator.control);
  const authority = emulator.control.authority(DEMO_TENANT.tenantId);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'rdv-addin-'));
  const cert = issueServerCertificate({ hosts: ['127.0.0.1', 'localhost'], ca });
  await writeFile(path.join(dataDir, 'service.pem'), cert.cert + cert.ca);
  await writeFile(path.join(dataDir, 'service-key.pem'), cert.key, { mode: 0o600 });
  const port = await freePort();
  const baseUrl = `https://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env, DATABASE_URL: '', DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()), PORT: String(port), HOST: '127.0.0.1',
    PUBLIC_URL: baseUrl, TLS_CERT_FILE: path.join(dataDir, 'service.pem'), TLS_KEY_FILE: path.join(dataDir, 'service-key.pem'),
    SEED_DEMO: 'true', BANNER: 'false', LOG_LEVEL: opts.logLevel ?? 'warn', RATE_LIMIT_ENABLED: 'false', DEMO_OUTBOX: 'true', SMTP_HOST: '',
    AUTH_JWKS_URL: `${authority}/discovery/v2.0/keys`, AUTH_ISSUER: `${authority}/v2.0`, AUTH_AUDIENCE: DEMO_TENANT.apiClientId, AUTH_TENANT_ID: DEMO_TENANT.tenantId,
    NODE_ENV: 'test', NODE_EXTRA_CA_CERTS: ca.caCertPath,
    ...(opts.sync ? {
      GRAPH_TENANT_ID: DEMO_TENANT.tenantId, GRAPH_CLIENT_ID: DEMO_TENANT.serviceClientId, GRAPH_CLIENT_SECRET: DEMO_TENANT.serviceClientSecret,
      // A fixed far date: the credential warning never depends on the day the tests run.
      GRAPH_CLIENT_SECRET_EXPIRES_AT: '2099-12-31', GRAPH_AUTHORITY_HOST: emulator.baseUrl, GRAPH_BASE_URL: emulator.baseUrl,
    } : { GRAPH_CLIENT_ID: '' }),
  };
  const pgPort = Number(env.EMBEDDED_PG_PORT);
  let pool: Pool | null = null;
  let output = '';
  let child: ChildProcess | null = null;

  async function start(testClock: string) {
    const c = spawn(process.execPath, ['--import', 'tsx', 'sync-service/src/main.ts'], { env: { ...env, TEST_CLOCK: testClock }, stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    c.stdout!.on('data', (d) => { output += d; });
    c.stderr!.on('data', (d) => { output += d; });
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      if (c.exitCode !== null) throw new Error(`the service exited early (code ${c.exitCode}):\n${output}`);
      if (await readyOver(`${baseUrl}/ready`, ca.caCertPem)) return;
      await new Promise((r) => setTimeout(r, 150));
    }
    throw new Error(`the service was not ready after 90 s:\n${output}`);
  }
  async function stopService() {
    const c = child;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await exited;
  }
  function userOf(email: string) {
    const u = users.find((x) => x.userPrincipalName === email);
    if (!u) throw new Error(`no demo user ${email}`);
    return u;
  }
  function tokenFor(email: string) {
    return emulator.control.issueUserToken({ tenantId: DEMO_TENANT.tenantId, userId: userOf(email).id, audience: DEMO_TENANT.apiClientId, scopes: ['access_as_user'] });
  }
  async function api(email: string, method: string, apiPath: string, body?: unknown) {
    const res = await fetch(`${baseUrl}${apiPath}`, {
      method, headers: { authorization: `Bearer ${await tokenFor(email)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }
  await start(opts.testClock);
  return {
    baseUrl, paneUrl: `${baseUrl}/addin/index.html`, caPemPath: ca.caCertPath, emulator, users, tokenFor, api,
    store: () => (pool ??= createPool(`postgres://postgres:postgres@127.0.0.1:${pgPort}/rdv_outlook`, 2)),
    async connectMailbox(email, adminEmail) {
      const agents = (await api(adminEmail, 'GET', '/api/config/agents')).body as Array<{ id: number; email: string }>;
      const agentId = agents.find((a) => a.email === email)?.id;
      if (!agentId) throw new Error(`${adminEmail} sees no agent ${email}`);
      const asked = await api(adminEmail, 'POST', `/api/sync/mailboxes/${agentId}/connect`);
      if (asked.status !== 202) throw new Error(`connecting ${email}: ${asked.status} ${JSON.stringify(asked.body)}`);
      // Bounded: the import of the agent's weeks of demo RDVs on a busy machine, polled every 20 ms at most.
      await eventually(async () => {
        const s = (await api(email, 'GET', `/api/sync/mailboxes/${agentId}`)).body;
        if (s.lastError) throw new Error(`the sync of ${email} failed: ${s.lastError}`);
        return s.connected && s.pendingOutboundChanges === 0 && s.import && s.import.done >= s.import.total;
      }, `the mailbox of ${email} connected, imported and drained`, 3000);
      return { agentId, userId: userOf(email).id };
    },
    async restartAt(instant) { await stopService(); await start(instant); },
    output: () => output,
    async stop() {
      await pool?.end();
      await stopService();
      await emulator.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
