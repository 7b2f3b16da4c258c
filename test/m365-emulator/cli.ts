/**
 * `npm run emulator`: starts the Microsoft 365 emulator standalone and prints what a service needs to point at it.
 * Seeds a small demo tenant unless `--empty` is given. Settings come from the environment (see README.md).
 */
import { createDemoTenant, DEMO_TENANT as DEMO } from './demo-tenant';
import { startEmulator } from './server';

function intEnv(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`${name}=${v} is not a valid non-negative integer; unset it or fix it.`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<void> {
  const args = new Set(process.argv.slice(2));
  const emulator = await startEmulator({
    port: intEnv('EMULATOR_PORT', 8443),
    host: process.env.EMULATOR_HOST || '127.0.0.1',
    certDir: process.env.EMULATOR_CERT_DIR || undefined,
    subscriptionMaxMinutes: intEnv('EMULATOR_SUBSCRIPTION_MAX_MINUTES', 4230),
    quiet: process.env.EMULATOR_QUIET === '1',
    settings: {
      concurrencyLimit: intEnv('EMULATOR_CONCURRENCY_LIMIT', 4),
      baselineLatencyMs: intEnv('EMULATOR_BASELINE_LATENCY_MS', 0),
      latencySpreadMs: intEnv('EMULATOR_LATENCY_SPREAD_MS', 0),
      rateLimit: intEnv('EMULATOR_RATE_LIMIT', 10_000),
      rateWindowMs: intEnv('EMULATOR_RATE_WINDOW_SECONDS', 600) * 1000,
    },
  });
  const c = emulator.control;
  const lines = [
    'Microsoft 365 emulator',
    `  base URL           ${emulator.baseUrl}`,
    `  Graph              ${emulator.graphBaseUrl}`,
    `  control API        ${emulator.baseUrl}/_emulator/`,
    `  CA certificate     ${emulator.caCertPath}   (start clients with NODE_EXTRA_CA_CERTS=${emulator.caCertPath})`,
  ];
  if (!args.has('--empty')) {
    const users = createDemoTenant(c);
    lines.push(
      '',
      `Demo tenant "${DEMO.tenantName}"`,
      `  tenant id          ${DEMO.tenantId}`,
      `  authority          ${c.authority(DEMO.tenantId)}`,
      `  service app        client id ${DEMO.serviceClientId}  secret ${DEMO.serviceClientSecret}  (Calendars.ReadWrite, User.Read.All)`,
      `  add-in / API app   client id ${DEMO.apiClientId}  (user tokens: scope api://${DEMO.apiClientId}/access_as_user)`,
      `  sign-in page       ${c.authority(DEMO.tenantId)}/oauth2/v2.0/authorize?client_id=${DEMO.apiClientId}&response_type=code&redirect_uri=…`,
      '  users:',
      ...users.map((u) => `    ${u.displayName.padEnd(20)} ${u.userPrincipalName.padEnd(40)} ${u.id}`),
      '',
      'For the sync service (.env):',
      `  NODE_EXTRA_CA_CERTS=${emulator.caCertPath}`,
      `  AUTH_JWKS_URL=${c.authority(DEMO.tenantId)}/discovery/v2.0/keys`,
      `  AUTH_ISSUER=${c.authority(DEMO.tenantId)}/v2.0`,
      `  AUTH_AUDIENCE=${DEMO.apiClientId}`,
      `  AUTH_TENANT_ID=${DEMO.tenantId}`,
      `  GRAPH_AUTHORITY=${c.authority(DEMO.tenantId)}   GRAPH_BASE_URL=${emulator.baseUrl}`,
      `  GRAPH_CLIENT_ID=${DEMO.serviceClientId}   GRAPH_CLIENT_SECRET=${DEMO.serviceClientSecret}`,
    );
  } else {
    lines.push('', 'Empty: create tenants, apps and users through POST /_emulator/tenants, /_emulator/apps, /_emulator/users.');
  }
  console.log(lines.join('\n'));
  const stop = async () => {
    await emulator.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e) => {
  console.error(`The emulator could not start: ${(e as Error).message}`);
  if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') console.error('The port is taken: set EMULATOR_PORT to another one.');
  process.exit(1);
});
