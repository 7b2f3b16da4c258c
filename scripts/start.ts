/**
 * `npm start`: the whole product on one machine, for a newcomer or a demo.
 *   - a local certificate authority (.data/certs) trusted by every process we start;
 *   - the Microsoft 365 emulator with a demo tenant whose users are the demo agents;
 *   - the sync service over HTTPS, on the embedded PostgreSQL (DATA_DIR), loading the demo département on first start.
 * Ctrl+C stops everything cleanly. In production only the service runs (`node --import tsx sync-service/src/main.ts`
 * or `npm run service`), configured for the real tenant: see README.md.
 */
import { spawn } from 'node:child_process';
import https from 'node:https';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEMO_AGENTS } from '../sync-service/src/seed/demo';
import { ensureCa, issueServerCertificate, startEmulator } from '../test/m365-emulator';
import { createDemoTenant, DEMO_TENANT } from '../test/m365-emulator/demo-tenant';

const dataDir = path.resolve(process.env.DATA_DIR ?? '.data');
const port = Number(process.env.PORT ?? 3000);
const emulatorPort = Number(process.env.EMULATOR_PORT ?? 8443);

const ca = ensureCa(path.join(dataDir, 'certs'));
const serverCert = issueServerCertificate({ hosts: ['127.0.0.1', 'localhost'], ca });
const tlsDir = path.join(dataDir, 'tls');
mkdirSync(tlsDir, { recursive: true });
writeFileSync(path.join(tlsDir, 'service.pem'), serverCert.cert + serverCert.ca);
writeFileSync(path.join(tlsDir, 'service-key.pem'), serverCert.key, { mode: 0o600 });

const emulator = await startEmulator({ port: emulatorPort, certDir: ca.certDir }).catch((err) => {
  console.error(`The Microsoft 365 emulator could not start on port ${emulatorPort}: ${(err as Error).message}\nSet EMULATOR_PORT to a free port.`);
  process.exit(1);
});
const c = emulator.control;
const users = createDemoTenant(c);
const authority = c.authority(DEMO_TENANT.tenantId);
const publicUrl = `https://127.0.0.1:${port}`;

const service = spawn(process.execPath, ['--import', 'tsx', 'sync-service/src/main.ts'], {
  stdio: 'inherit',
  env: {
    ...process.env,
    NODE_EXTRA_CA_CERTS: ca.caCertPath,
    PORT: String(port),
    PUBLIC_URL: publicUrl,
    DATA_DIR: dataDir,
    TLS_CERT_FILE: path.join(tlsDir, 'service.pem'),
    TLS_KEY_FILE: path.join(tlsDir, 'service-key.pem'),
    SEED_DEMO: process.env.SEED_DEMO ?? 'true',
    BANNER: 'false', // this script prints the one summary, with the emulator's addresses too
    DEMO_OUTBOX: process.env.DEMO_OUTBOX ?? 'true',
    AUTH_JWKS_URL: `${authority}/discovery/v2.0/keys`,
    AUTH_ISSUER: `${authority}/v2.0`,
    AUTH_AUDIENCE: DEMO_TENANT.apiClientId,
    AUTH_TENANT_ID: DEMO_TENANT.tenantId,
    // The Outlook sync, against the emulated tenant's sync app (unless the caller brought their own settings).
    ...(process.env.GRAPH_CLIENT_ID ? {} : {
      GRAPH_TENANT_ID: DEMO_TENANT.tenantId,
      GRAPH_CLIENT_ID: DEMO_TENANT.serviceClientId,
      GRAPH_CLIENT_SECRET: DEMO_TENANT.serviceClientSecret,
      GRAPH_CLIENT_SECRET_EXPIRES_AT: new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10),
      GRAPH_AUTHORITY_HOST: emulator.baseUrl,
      GRAPH_BASE_URL: emulator.baseUrl,
    }),
  },
});

/** A call to the service's API that trusts our CA. */
function api(method: string, url: string, token: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, ca: ca.caCertPem, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => { try { resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null }); } catch (err) { reject(err); } });
    });
    req.on('error', reject);
    req.end(method === 'POST' ? '{}' : undefined);
  });
}

/**
 * Connects the demo agents' mailboxes as their organisations' admins would (POST /api/sync/mailboxes/:id/connect),
 * unless they already are (a second start on the same data folder).
 */
async function connectDemoMailboxes(): Promise<number> {
  let requested = 0;
  for (const [i, agent] of DEMO_AGENTS.entries()) {
    if (agent.role !== 'admin') continue;
    const token = await c.issueUserToken({ tenantId: DEMO_TENANT.tenantId, userId: users[i].id, audience: DEMO_TENANT.apiClientId, scopes: ['access_as_user'] });
    const list = await api('GET', `${publicUrl}/api/sync/mailboxes`, token);
    if (list.status !== 200) throw new Error(`GET /api/sync/mailboxes answered ${list.status}`);
    for (const m of list.body as Array<{ agentId: number; outlookMailbox: string | null; state: string }>) {
      if (!m.outlookMailbox || m.state !== 'disconnected') continue;
      const res = await api('POST', `${publicUrl}/api/sync/mailboxes/${m.agentId}/connect`, token);
      if (res.status === 202) requested++;
      else console.error(`could not connect ${m.outlookMailbox}: ${res.body?.error?.message ?? res.status}`);
    }
  }
  return requested;
}

/** GET that trusts our CA (this process started before the CA existed, so NODE_EXTRA_CA_CERTS cannot help it). */
function ready(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    https.get(url, { ca: ca.caCertPem }, (res) => { res.resume(); resolve(res.statusCode === 200); }).on('error', () => resolve(false));
  });
}

// Once the service answers, print where everything is and a token to try the API with.
(async () => {
  for (let i = 0; i < 600 && service.exitCode === null; i++) {
    if (await ready(`${publicUrl}/ready`)) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  if (service.exitCode !== null) return;
  if (!process.env.GRAPH_CLIENT_ID) await connectDemoMailboxes().catch((err) => console.error('could not connect the demo mailboxes:', (err as Error).message));
  // The token goes to a file only its owner can read, never to the output (which ends up in log files).
  const token = await c.issueUserToken({ tenantId: DEMO_TENANT.tenantId, userId: users[0].id, audience: DEMO_TENANT.apiClientId, scopes: ['access_as_user'], expiresInSeconds: 8 * 3600 });
  const tokenFile = path.join(dataDir, 'demo-token');
  writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  chmodSync(tokenFile, 0o600); // also when the file was already there with other rights
  const shown = (file: string) => (path.relative(process.cwd(), file).startsWith('..') ? file : path.relative(process.cwd(), file));
  console.log([
    '',
    'rdv-outlook is running (Ctrl+C to stop):',
    `  API                 ${publicUrl}/api   (OpenAPI: ${publicUrl}/api/openapi.json, health: ${publicUrl}/ready)`,
    `  Outlook task pane   ${publicUrl}/addin/index.html   (open it in a browser that trusts the CA below; sign in as a demo agent)`,
    `  Messages sent       ${publicUrl}/dev/outbox   (emails and SMS of the demo; paste the token below to see them)`,
    `  Microsoft 365       ${emulator.baseUrl}   (emulator; control API ${emulator.baseUrl}/_emulator/)`,
    `  Outlook calendars   ${emulator.baseUrl}/_emulator/mailboxes/${encodeURIComponent(DEMO_AGENTS[0].email)}   (one page per agent: move or delete an event "in Outlook")`,
    `  Sync metrics        ${publicUrl}/metrics   (state: npm run sync -- status, or GET /api/sync/mailboxes)`,
    `  Sign-in page        ${authority}/oauth2/v2.0/authorize?client_id=${DEMO_TENANT.apiClientId}&response_type=code&redirect_uri=${encodeURIComponent(publicUrl)}&scope=api://${DEMO_TENANT.apiClientId}/access_as_user`,
    `  CA certificate      ${ca.caCertPath}   (trust it in your browser or with NODE_EXTRA_CA_CERTS)`,
    '',
    `Try the API as ${DEMO_AGENTS[0].firstName} ${DEMO_AGENTS[0].lastName} (${DEMO_AGENTS[0].email}); the token, valid 8 h, is in ${shown(tokenFile)}:`,
    `  curl --cacert ${shown(ca.caCertPath)} -H "Authorization: Bearer $(cat ${shown(tokenFile)})" "${publicUrl}/api/rdvs?from=$(date -u +%Y-%m-%dT00:00:00Z)&to=$(date -u -d '+7 days' +%Y-%m-%dT00:00:00Z)"`,
    '',
  ].join('\n'));
})().catch((err) => console.error('could not print the demo summary:', err));

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  if (service.exitCode === null) {
    service.kill('SIGTERM');
    await new Promise((r) => service.once('exit', r));
  }
  await emulator.stop();
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
service.on('exit', (code) => {
  if (!stopping) {
    console.error(`The service stopped (exit code ${code}).`);
    void emulator.stop().then(() => process.exit(code ?? 1));
  }
});
