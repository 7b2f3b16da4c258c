/**
 * The inbound half of the sync service as a child process, so that a test can SIGKILL it: the Graph webhook
 * receiver (HTTPS on WEBHOOK_PORT, certificate from the local CA) and a job runner for delta rounds and for the
 * connection jobs (which create subscriptions against this receiver when SYNC_NOTIFICATION_URL names it, and enqueue
 * an outbound drain, run here too), against DATABASE_URL and the Graph settings in the environment. The business
 * clock is SYNC_TEST_NOW. Prints "ready".
 * The inbound benchmarks run it too (INBOUND_PROCESS_CONCURRENCY, _POOL, _LEASE_SECONDS): on SIGUSR2 it prints one
 * `snapshot {json}` line (CPU used, RSS now and at its peak, longest event-loop stall and inbound latency samples since the last one).
 */
import https from 'node:https';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import express from 'express';
import pino from 'pino';
import { createPool } from '../../../sync-service/src/data/db';
import { createJobRunner } from '../../../sync-service/src/queue/runner';
import { loadSyncConfig } from '../../../sync-service/src/sync/config';
import { createGraphGateway } from '../../../sync-service/src/sync/graph';
import { connectionHandler } from '../../../sync-service/src/sync/connection';
import { inboundHandler } from '../../../sync-service/src/sync/inbound';
import { outboundHandler } from '../../../sync-service/src/sync/outbound';
import { noMetrics, SYNC_JOBS, type SyncDeps } from '../../../sync-service/src/sync/types';
import { notificationsRouter } from '../../../sync-service/src/sync/webhook';
import { serverCertificateFor } from '../../m365-emulator';

const env = process.env;
const pool = createPool(env.DATABASE_URL!, Number(env.INBOUND_PROCESS_POOL ?? 8));
const config = loadSyncConfig(env, 'https://127.0.0.1')!;
const gateway = await createGraphGateway(config);
const logger = pino({ level: env.LOG_LEVEL ?? 'warn' }, pino.destination(2));
const now = new Date(env.SYNC_TEST_NOW!);
const latencies: number[] = [];
const deps: SyncDeps = { pool, gateway, config, logger, now: () => now, metrics: { ...noMetrics, inboundLatency: (s) => latencies.push(s * 1000) } };
const runner = createJobRunner({
  pool, databaseUrl: env.DATABASE_URL, logger, handlers: { [SYNC_JOBS.inbound.kind]: inboundHandler(deps), [SYNC_JOBS.connection.kind]: connectionHandler(deps), [SYNC_JOBS.outbound.kind]: outboundHandler(deps) },
  concurrency: Number(env.INBOUND_PROCESS_CONCURRENCY ?? 4), pollMs: 50, leaseSeconds: Number(env.INBOUND_PROCESS_LEASE_SECONDS ?? 2), retryBaseMs: 200,
});
let peakRss = process.memoryUsage().rss;
const loopDelay = monitorEventLoopDelay({ resolution: 20 });
loopDelay.enable();
setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss); }, 20).unref();
process.on('SIGUSR2', () => {
  const rss = process.memoryUsage().rss;
  process.stdout.write(`snapshot ${JSON.stringify({ cpu: process.cpuUsage(), rss, peakRss: Math.max(peakRss, rss), latenciesMs: latencies.splice(0), maxLoopDelayMs: loopDelay.max / 1e6 })}\n`);
  peakRss = rss;
  loopDelay.reset();
});
const app = express();
app.use('/graph', notificationsRouter({ pool, logger, now: () => now }));
const cert = serverCertificateFor(['127.0.0.1', 'localhost']);
const server = https.createServer({ cert: cert.cert + cert.ca, key: cert.key }, app);
server.listen(Number(env.WEBHOOK_PORT), '127.0.0.1', () => {
  runner.start();
  process.stdout.write('ready\n');
});
process.on('SIGTERM', () => {
  void (async () => {
    server.close();
    server.closeAllConnections();
    await runner.stop();
    await pool.end();
    process.exit(0);
  })();
});
