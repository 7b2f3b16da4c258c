/**
 * Runs jobs of the queue (jobs.ts) in this process: claims due jobs of the kinds it has handlers for, runs up to
 * `concurrency` at once, keeps long jobs' leases, retries failures with exponential backoff, and wakes at once on
 * a NOTIFY from an enqueue (no waiting for the next poll). Never throws: errors go to the logger.
 * `stop()` stops claiming, lets running jobs finish for a grace period, then aborts them and releases their rows.
 */
import type { Logger } from 'pino';
import { listenForNotifications, type Pool } from '../data/db';
import { claimJobs, completeJob, extendLease, failJob, JOBS_CHANNEL, releaseJob, type Job } from './jobs';

export interface JobContext {
  /** Aborted when the process stops: a handler should return (or throw) soon after. */
  signal: AbortSignal;
  logger: Logger;
}

export type JobHandler = (job: Job<any>, ctx: JobContext) => Promise<void>;

/** Throw it from a handler to retry after a given delay without it counting as a failure (e.g. Retry-After). */
export class RetryLater extends Error {
  constructor(readonly delayMs: number, message = 'retry later') { super(message); }
}

export interface RunnerOptions {
  pool: Pool;
  /** Connection string for the LISTEN connection (NOTIFY wakes the runner); without it the runner only polls. */
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
  /** Resolves when nothing is running and nothing due is left (tests, benchmarks). */
  idle(): Promise<void>;
}

export function createJobRunner(opts: RunnerOptions): JobRunner {
  const { pool, logger, handlers } = opts;
  const kinds = Object.keys(handlers);
  const concurrency = opts.concurrency ?? 8;
  const pollMs = opts.pollMs ?? 1000;
  const leaseSeconds = opts.leaseSeconds ?? 120;
  const retryBaseMs = opts.retryBaseMs ?? 5_000;
  const running = new Map<number, { job: Job; done: Promise<void>; abort: AbortController }>();
  let stopping = false;
  let started = false;
  let wake: (() => void) | null = null;
  let listener: { close(): Promise<void> } | null = null;
  let loopDone: Promise<void> = Promise.resolve();
  let lastClaimEmpty = false;

  const sleep = (ms: number) => new Promise<void>((resolve) => {
    const t = setTimeout(() => { wake = null; resolve(); }, ms);
    wake = () => { clearTimeout(t); wake = null; resolve(); };
  });

  async function runOne(job: Job): Promise<void> {
    const abort = new AbortController();
    const heartbeat = setInterval(() => {
      extendLease(pool, job, leaseSeconds).catch((err) => logger.warn({ err: (err as Error).message, jobId: job.id }, 'queue: could not extend a lease'));
    }, (leaseSeconds * 1000) / 3);
    const done = (async () => {
      try {
        await handlers[job.kind](job, { signal: abort.signal, logger });
        await completeJob(pool, job);
      } catch (err) {
        if (abort.signal.aborted && stopping) {
          await releaseJob(pool, job).catch(() => {});
          return;
        }
        const message = (err as Error)?.message ?? String(err);
        const retryIn = err instanceof RetryLater ? err.delayMs : Math.min(retryBaseMs * 4 ** (job.attempts - 1), 3_600_000);
        const outcome = await failJob(pool, job, message, retryIn).catch((e) => { logger.error({ err: (e as Error).message }, 'queue: could not record a failure'); return 'unknown'; });
        const log = outcome === 'failed' ? logger.error.bind(logger) : logger.warn.bind(logger);
        log({ jobId: job.id, kind: job.kind, key: job.singletonKey, attempt: job.attempts, err: message, outcome }, 'queue: job failed');
      } finally {
        clearInterval(heartbeat);
        running.delete(job.id);
        wake?.();
      }
    })();
    running.set(job.id, { job, done, abort });
  }

  async function loop(): Promise<void> {
    while (!stopping) {
      const free = concurrency - running.size;
      if (free > 0) {
        try {
          const jobs = await claimJobs(pool, kinds, free, leaseSeconds);
          lastClaimEmpty = jobs.length === 0;
          for (const job of jobs) void runOne(job);
          if (jobs.length === free) continue; // more may be due
        } catch (err) {
          logger.warn({ err: (err as Error).message }, 'queue: could not claim jobs');
        }
      }
      if (!stopping) await sleep(pollMs);
    }
  }

  async function listen(): Promise<void> {
    if (!opts.databaseUrl) return;
    try {
      listener = await listenForNotifications(opts.databaseUrl, JOBS_CHANNEL, () => wake?.());
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'queue: LISTEN unavailable, polling only');
      listener = null;
    }
  }

  return {
    start() {
      if (started) return;
      started = true;
      loopDone = listen().then(loop);
    },
    async stop() {
      stopping = true;
      wake?.();
      await loopDone;
      const grace = new Promise<void>((r) => setTimeout(r, opts.stopGraceMs ?? 10_000).unref());
      await Promise.race([Promise.all([...running.values()].map((r) => r.done)), grace]);
      for (const r of running.values()) r.abort.abort();
      await Promise.all([...running.values()].map((r) => r.done));
      await listener?.close();
    },
    async idle() {
      for (;;) {
        if (running.size === 0 && lastClaimEmpty) {
          const { rows } = await pool.query(
            `select count(*)::int as n from jobs where kind = any($1) and run_at <= clock_timestamp()`, [kinds]);
          if (rows[0].n === 0 && running.size === 0) return;
        }
        wake?.();
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}
