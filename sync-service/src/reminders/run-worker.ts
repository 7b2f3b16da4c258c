/**
 * A process that only runs the reminder worker, for scaling workers apart from the API (any number may run
 * against one database) and for the crash test and benchmark, which SIGKILL it mid-batch:
 *   DATABASE_URL=postgres://… SMTP_HOST=… SMS_PROVIDER=… npx tsx sync-service/src/reminders/run-worker.ts
 * Stops gracefully on SIGTERM / SIGINT (in-flight messages finish).
 */
import pg from 'pg';
import pino from 'pino';
import { logTransactionRetries } from '../data/db';
import { loadRemindersConfig, RemindersConfigError } from './config';
import { startReminders } from './index';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'info', base: { service: 'reminders-worker' } }, pino.destination(2));
const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  logger.fatal('DATABASE_URL is missing: set the PostgreSQL connection string of the appointment store');
  process.exit(2);
}
let config;
try {
  config = loadRemindersConfig(process.env);
} catch (err) {
  if (err instanceof RemindersConfigError) { process.stderr.write(`${err.message}\n`); process.exit(2); }
  throw err;
}
const pool = new pg.Pool({ connectionString: databaseUrl, max: Math.max(4, config.worker.concurrency + 2) });
pool.on('error', (err) => logger.error({ err: err.message }, 'idle PostgreSQL client error'));
logTransactionRetries(logger);
const running = await startReminders({ pool, logger, config, databaseUrl });
process.stdout.write('ready\n');

let stopping = false;
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, async () => {
    if (stopping) return;
    stopping = true;
    await running.stop();
    await pool.end();
    process.exit(0);
  });
}
