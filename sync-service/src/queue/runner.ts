/**
 * Runs jobs of the `jobs` table (jobs.ts) in this process, on the shared work loop (loop.ts): claims due jobs of
 * the kinds it has handlers for, keeps long jobs' leases alive, completes them, and retries failures with backoff
 * (or after the delay a handler asks for with RetryLater). `stop()` stops claiming, lets running jobs finish for a
 * grace period, then aborts them: an aborted job is released untouched for another process.
 */
import type { Logger } from 'pino';
import type { Pool } from '../data/db';
import { claimJobs, completeJob, extendLease, failJob, releaseJob, type Job } from './jobs';
import { backoffMs, createWorkLoop } from './loop';

export interface JobContext {
  /** Aborted when the process stops: a handler should return (or throw) soon after. */
  signal: AbortSignal;
  logger: Logger;
}

export type JobHandler = (job: Job<any>, ctx: JobContext) => Promise<void>;

/** Throw it from a handler to retry after a given delay (e.g. Graph's Retry-After). */
export class RetryLater extends Error {
  constructor(readonly delayMs: number, message = 'retry later') { super(message); }
}

export interface RunnerOptions {
  pool: Pool;
  /** Connection string for LISTEN (an enqueue wakes the runner at once); without it the runner only polls. */
  databaseUrl?: string;
  logger: Logger;
  handlers: Record<string, JobHandler>;
  concurrency?: number;
  pollMs?: number;
  leaseSeconds?: number;
  retryBaseMs?: number;
  stopGraceMs?: number;
}

export interface JobRunner {
  start(): void;
  stop(): Promise<void>;
  /** Resolves when nothing is running and no due job of its kinds is left (tests, benchmarks). */
  idle(): Promise<void>;
}

export function createJobRunner(opts: RunnerOptions): JobRunner {
  const { pool, logger, handlers } = opts;
  const kinds = Object.keys(handlers);
  const leaseSeconds = opts.leaseSeconds ?? 120;
  const retryBaseMs = opts.retryBaseMs ?? 5_000;
  const running = new Set<AbortController>();
  let stopping = false;

  async function runJob(job: Job): Promise<void> {
    const abort = new AbortController();
    running.add(abort);
    const heartbeat = setInterval(() => {
      extendLease(pool, job, leaseSeconds).catch((err) => logger.warn({ err: (err as Error).message, jobId: job.id }, 'queue: could not extend a lease'));
    }, (leaseSeconds * 1000) / 3);
    try {
      await handlers[job.kind](job, { signal: abort.signal, logger });
      await completeJob(pool, job);
    } catch (err) {
      if (abort.signal.aborted && stopping) {
        await releaseJob(pool, job).catch(() => {});
        return;
      }
      const message = (err as Error)?.message ?? String(err);
      const retryIn = err instanceof RetryLater ? err.delayMs : backoffMs(retryBaseMs, job.attempts, 3_600_000);
      const outcome = await failJob(pool, job, message, retryIn)
        .catch((e) => { logger.error({ err: (e as Error).message, jobId: job.id }, 'queue: could not record a failure'); return 'unknown'; });
      const level = outcome === 'failed' ? 'error' : 'warn';
      logger[level]({ jobId: job.id, kind: job.kind, key: job.singletonKey, attempt: job.attempts, err: message, outcome }, 'queue: job failed');
    } finally {
      clearInterval(heartbeat);
      running.delete(abort);
    }
  }

  const loop = createWorkLoop<Job>({
    name: 'jobs',
    claim: (limit) => claimJobs(pool, kinds, limit, leaseSeconds),
    run: runJob,
    release: async (jobs) => { for (const job of jobs) await releaseJob(pool, job); },
    concurrency: opts.concurrency ?? 8,
    pollMs: opts.pollMs ?? 1000,
    databaseUrl: opts.databaseUrl,
    logger,
  });

  return {
    start: () => loop.start(),
    async stop() {
      stopping = true;
      const stopped = loop.stop();
      const grace = new Promise<void>((r) => setTimeout(r, opts.stopGraceMs ?? 10_000).unref());
      await Promise.race([stopped, grace]);
      for (const abort of running) abort.abort();
      await stopped;
    },
    async idle() {
      for (;;) {
        if (loop.busy() === 0 && loop.drained()) {
          const { rows } = await pool.query(`select count(*)::int as n from jobs where kind = any($1) and run_at <= clock_timestamp()`, [kinds]);
          if (rows[0].n === 0 && loop.busy() === 0) return;
        }
        loop.wake();
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}
