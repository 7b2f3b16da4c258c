/**
 * Starts the Outlook sync inside the service: the Graph gateway (observed by the metrics), the job runner with
 * every sync handler, the in-transaction outbox listener, and the periodic ticks. Ticks (node-cron) only enqueue
 * singleton jobs, so N instances on one database tick N times but the work is done once, by whichever claims it.
 *
 * `stop()` stops the ticks, then the runner: jobs running get a grace period to finish their Graph calls, the
 * rest are aborted and their rows released to the queue for another instance (or the next start).
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { Router } from 'express';
import type { Logger } from 'pino';
import type { Pool } from '../data/db';
import { listMailboxes } from '../data/sync';
import { enqueueJob } from '../queue/jobs';
import { createJobRunner, type JobHandler, type JobRunner } from '../queue/runner';
import { credentialWarning, type SyncConfig } from './config';
import { connectionHandler, reconcileHandler, renewHandler } from './connection';
import { createGraphGateway, type CalendarGateway } from './graph';
import { inboundHandler } from './inbound';
import { createSyncMetrics, metricsRouter } from './metrics';
import { outboundHandler } from './outbound';
import { registerOutboxListener } from './outbox';
import { SYNC_JOBS, type SyncDeps } from './types';
import { notificationsRouter } from './webhook';

/** Subscriptions live days; a quarter-hour tick renews them long before SYNC_RENEW_BEFORE_MINUTES runs out. */
const RENEW_CRON = '*/15 * * * *';
/** Reconciliation runs at night in France, where agents work (the expression is SYNC_RECONCILE_CRON). */
const CRON_TIME_ZONE = 'Europe/Paris';

export interface StartSyncOptions {
  pool: Pool;
  /** For the runner's LISTEN connection (wakes at once on enqueue). */
  databaseUrl?: string;
  logger: Logger;
  config: SyncConfig;
  now: () => Date;
  publicUrl?: string;
  /** Tests: another gateway (default: the real Graph gateway over the settings). */
  gateway?: CalendarGateway;
  /** Default: config.worker (SYNC_WORKER). An API-only instance enqueues and serves, but runs no jobs. */
  worker?: boolean;
  /** Default true; tests turn the cron ticks off and call the tick functions themselves. */
  ticks?: boolean;
  pollMs?: number;
}

export interface SyncStatus {
  worker: boolean;
  /** French warning when the app's secret or certificate expires soon (null when fine). */
  credential: string | null;
  credentialExpiresAt: string | null;
}

export interface RunningSync {
  /** Graph's webhooks: mount at /graph (public, no bearer token: Graph authenticates with clientState). */
  router: Router;
  /** GET /metrics (Prometheus text). */
  metricsRouter: Router;
  deps: SyncDeps;
  runner: JobRunner | null;
  status(): SyncStatus;
  stop(): Promise<void>;
}

export function syncHandlers(deps: SyncDeps): Record<string, JobHandler> {
  return {
    [SYNC_JOBS.outbound.kind]: outboundHandler(deps),
    [SYNC_JOBS.inbound.kind]: inboundHandler(deps),
    [SYNC_JOBS.connection.kind]: connectionHandler(deps),
    [SYNC_JOBS.renew.kind]: renewHandler(deps),
    [SYNC_JOBS.reconcile.kind]: reconcileHandler(deps),
  };
}

/** The renew tick: one job for the whole service. */
export async function enqueueRenewTick(pool: Pool): Promise<void> {
  await enqueueJob(pool, SYNC_JOBS.renew.kind, {}, { singletonKey: SYNC_JOBS.renew.key() });
}

/** The reconciliation tick: one job per connected mailbox. */
export async function enqueueReconcileTick(pool: Pool): Promise<number> {
  const mailboxes = await listMailboxes(pool, { state: 'connected' });
  for (const m of mailboxes) {
    await enqueueJob(pool, SYNC_JOBS.reconcile.kind, { agentId: m.agentId }, { singletonKey: SYNC_JOBS.reconcile.key(m.agentId) });
  }
  return mailboxes.length;
}

export async function startSync(opts: StartSyncOptions): Promise<RunningSync> {
  const { pool, logger, config, now } = opts;
  const bundle = createSyncMetrics(pool);
  const gateway = opts.gateway ?? await createGraphGateway(config, bundle.observer);
  const deps: SyncDeps = { pool, gateway, config, logger: logger.child({ part: 'sync' }), now, metrics: bundle.metrics };
  const unregister = registerOutboxListener();

  const worker = opts.worker ?? config.worker;
  const runner = worker
    ? createJobRunner({ pool, databaseUrl: opts.databaseUrl, logger: deps.logger, handlers: syncHandlers(deps), concurrency: config.concurrency, pollMs: opts.pollMs })
    : null;
  runner?.start();

  const tasks: ScheduledTask[] = [];
  if (opts.ticks ?? true) {
    // A tick that fails (database away) is logged and tried again at the next one: never thrown.
    const tick = (name: string, fn: () => Promise<unknown>) => async () => {
      try { await fn(); } catch (err) { deps.logger.warn({ tick: name, err: (err as Error).message }, 'sync: tick failed'); }
    };
    tasks.push(cron.schedule(RENEW_CRON, tick('renew', () => enqueueRenewTick(pool)), { noOverlap: true }));
    tasks.push(cron.schedule(config.reconcileCron, tick('reconcile', () => enqueueReconcileTick(pool)), { noOverlap: true, timezone: CRON_TIME_ZONE }));
    // Renew once at start too: an instance that was down for days finds subscriptions about to lapse.
    void tick('renew', () => enqueueRenewTick(pool))();
  }

  const status = (): SyncStatus => ({
    worker,
    credential: credentialWarning(config, now()),
    credentialExpiresAt: config.credential.expiresAt?.toISOString() ?? null,
  });
  const warning = status().credential;
  if (warning) deps.logger.warn({ credentialExpiresAt: status().credentialExpiresAt }, warning);

  let stopped = false;
  return {
    router: notificationsRouter(deps),
    metricsRouter: metricsRouter(bundle.registry),
    deps,
    runner,
    status,
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const t of tasks) await t.destroy();
      await runner?.stop();
      unregister();
    },
  };
}
