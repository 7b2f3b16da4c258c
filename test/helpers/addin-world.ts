/**
 * The task pane's world for end-to-end tests and the bench: the Microsoft 365 emulator with the demo tenant, and
 * the service as its own process over HTTPS (certificate from the local CA), on a fresh embedded PostgreSQL with the
 * demo data, its business clock set by TEST_CLOCK (NODE_ENV=test). The service can be restarted at another instant
 * on the same data (to reach the hour of an RDV booked earlier).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import https from 'node:https';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ensureCa, issueServerCertificate, startEmulator, type Emulator } from '../m365-emulator';
import { createDemoTenant, DEMO_TENANT } from '../m365-emulator/demo-tenant';
import { freePort } from './free-port';

export interface AddinWorld {
  baseUrl: string;
  paneUrl: string;
  caPemPath: string;
  emulator: Emulator;
  users: Array<{ id: string; userPrincipalName: string }>;
  /** An access token for the API of the demo agent with this email. */
  tokenFor(email: string): Promise<string>;
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

export async function startAddinWorld(opts: { testClock: string; logLevel?: string }): Promise<AddinWorld> {
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
  };
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
  await start(opts.testClock);
  return {
    baseUrl, paneUrl: `${baseUrl}/addin/index.html`, caPemPath: ca.caCertPath, emulator, users,
    tokenFor(email) {
      const u = users.find((x) => x.userPrincipalName === email);
      if (!u) throw new Error(`no demo user ${email}`);
      return emulator.control.issueUserToken({ tenantId: DEMO_TENANT.tenantId, userId: u.id, audience: DEMO_TENANT.apiClientId, scopes: ['access_as_user'] });
    },
    async restartAt(instant) { await stopService(); await start(instant); },
    output: () => output,
    async stop() {
      await stopService();
      await emulator.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
