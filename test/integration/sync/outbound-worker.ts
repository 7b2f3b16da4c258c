/**
 * A process that only runs outbound sync jobs (test tooling: the service's own wiring lives elsewhere), so that
 * the crash test can SIGKILL it in the middle of a burst. Settings from the environment: DATABASE_URL, the GRAPH_*
 * settings of sync/config.ts, OUTBOUND_LEASE_SECONDS. Prints "ready" once it runs jobs.
 */
import pino from 'pino';
import { createPool } from '../../../sync-service/src/data/db';
import { createJobRunner } from '../../../sync-service/src/queue/runner';
import { loadSyncConfig } from '../../../sync-service/src/sync/config';
import { createGraphGateway } from '../../../sync-service/src/sync/graph';
import { outboundHandler } from '../../../sync-service/src/sync/outbound';
import { noMetrics, SYNC_JOBS } from '../../../sync-service/src/sync/types';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2));
const pool = createPool(process.env.DATABASE_URL!, 8);
const config = loadSyncConfig(process.env, 'https://127.0.0.1:1')!;
const gateway = await createGraphGateway(config);
const runner = createJobRunner({
  pool, databaseUrl: process.env.DATABASE_URL, logger, pollMs: 20, retryBaseMs: 50,
  leaseSeconds: Number(process.env.OUTBOUND_LEASE_SECONDS ?? 120),
  handlers: { [SYNC_JOBS.outbound.kind]: outboundHandler({ pool, gateway, config, logger, now: () => new Date(process.env.SYNC_NOW!), metrics: noMetrics }) },
});
runner.start();
process.stdout.write('ready\n');
process.once('SIGTERM', () => { void runner.stop().then(() => pool.end()).then(() => process.exit(0)); });
