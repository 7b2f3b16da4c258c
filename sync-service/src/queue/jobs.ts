/**
 * The service's durable job queue (table `jobs`, migration 040): every SQL statement of it, as named functions
 * taking their connection. Claimed with FOR UPDATE SKIP LOCKED and a lease on the database clock, so that any
 * number of processes share the work and a job of a process that died comes back once its lease has passed.
 *
 * Singleton keys: one row per key. Enqueuing a key that waits coalesces into it (earliest run time wins, payloads
 * merge); enqueuing a key whose job is running marks it `rerun`, so it runs once more after it finishes. A burst of
 * notifications for one mailbox therefore makes one delta round at a time, and never loses the last change.
 */
import type { Db } from '../data/db';
import { QUEUE_CHANNEL } from './loop';

export interface Job<P = Record<string, unknown>> {
  id: number;
  kind: string;
  singletonKey: string | null;
  payload: P;
  runAt: Date;
  attempts: number;
  maxAttempts: number;
  leaseToken: string;
  requestedAt: Date;
}

export interface EnqueueOptions {
  singletonKey?: string;
  /** Default: now (database clock). */
  runAt?: Date;
  /** Instead of runAt: this long after now on the database clock (the one claims compare with). */
  delayMs?: number;
  maxAttempts?: number;
}


export async function enqueueJob(db: Db, kind: string, payload: Record<string, unknown> = {}, opts: EnqueueOptions = {}): Promise<void> {
  await db.query(
    `insert into jobs (kind, singleton_key, payload, run_at, max_attempts)
     values ($1, $2, $3, coalesce($4, clock_timestamp() + make_interval(secs => coalesce($6::float8, 0) / 1000)), $5)
     on conflict (singleton_key) where singleton_key is not null do update
        set run_at = least(jobs.run_at, excluded.run_at),
            payload = jobs.payload || excluded.payload,
            rerun = jobs.rerun or (jobs.locked_until is not null and jobs.locked_until > clock_timestamp())`,
    [kind, opts.singletonKey ?? null, JSON.stringify(payload), opts.runAt ?? null, opts.maxAttempts ?? 10, opts.delayMs ?? null],
  );
  await db.query('select pg_notify($1, $2)', [QUEUE_CHANNEL, kind]);
}

function toJob(r: any): Job {
  return {
    id: Number(r.id), kind: r.kind, singletonKey: r.singleton_key, payload: r.payload, runAt: r.run_at,
    attempts: r.attempts, maxAttempts: r.max_attempts, leaseToken: r.lease_token, requestedAt: r.requested_at,
  };
}

/** Claims up to `limit` due jobs of the given kinds, oldest first. */
export async function claimJobs(db: Db, kinds: string[], limit: number, leaseSeconds: number): Promise<Job[]> {
  const { rows } = await db.query(
    `with due as (
       select id from jobs
        where kind = any($1) and run_at <= clock_timestamp()
          and (locked_until is null or locked_until < clock_timestamp())
        order by run_at, id
        limit $2
        for update skip locked)
     update jobs j
        set lease_token = gen_random_uuid(), locked_until = clock_timestamp() + make_interval(secs => $3),
            attempts = j.attempts + 1, rerun = false
       from due where j.id = due.id
     returning j.*`,
    [kinds, limit, leaseSeconds],
  );
  return rows.map(toJob);
}

/** Keeps a long job's lease (an initial import) from running out while it still works. */
export async function extendLease(db: Db, job: Pick<Job, 'id' | 'leaseToken'>, leaseSeconds: number): Promise<boolean> {
  const { rowCount } = await db.query(
    `update jobs set locked_until = clock_timestamp() + make_interval(secs => $3) where id = $1 and lease_token = $2`,
    [job.id, job.leaseToken, leaseSeconds],
  );
  return rowCount === 1;
}

/**
 * Removes one key from a running job's payload: a flag the handler has taken in hand (a delta round's `full`)
 * must not stick to the reruns that later requests ask for.
 */
export async function takePayloadKey(db: Db, job: Pick<Job, 'id' | 'leaseToken'>, key: string): Promise<void> {
  await db.query(`update jobs set payload = payload - $3::text where id = $1 and lease_token = $2`, [job.id, job.leaseToken, key]);
}

/** Done: the row goes, unless it was asked to run again meanwhile. */
export async function completeJob(db: Db, job: Pick<Job, 'id' | 'leaseToken'>): Promise<void> {
  const { rowCount } = await db.query(`delete from jobs where id = $1 and lease_token = $2 and not rerun`, [job.id, job.leaseToken]);
  if (rowCount === 1) return;
  await db.query(
    `update jobs set rerun = false, lease_token = null, locked_until = null, attempts = 0, last_error = null,
            run_at = clock_timestamp(), requested_at = clock_timestamp()
      where id = $1 and lease_token = $2`,
    [job.id, job.leaseToken],
  );
  await db.query('select pg_notify($1, $2)', [QUEUE_CHANNEL, 'rerun']);
}

/**
 * Failed: retried after `retryInMs`, or, once its attempts are spent, moved to `jobs_failed` (a singleton key is
 * then free for new requests).
 */
export async function failJob(db: Db, job: Pick<Job, 'id' | 'leaseToken'>, error: string, retryInMs: number | null): Promise<'retrying' | 'failed'> {
  const { rows } = await db.query(
    `update jobs set lease_token = null, locked_until = null, last_error = $3,
            run_at = clock_timestamp() + make_interval(secs => $4::float8 / 1000)
      where id = $1 and lease_token = $2 and ($4::float8 is not null and attempts < max_attempts or rerun)
      returning id`,
    [job.id, job.leaseToken, error.slice(0, 2000), retryInMs],
  );
  if (rows.length) return 'retrying';
  await db.query(
    `with gone as (delete from jobs where id = $1 and lease_token = $2 returning *)
     insert into jobs_failed (id, kind, singleton_key, payload, attempts, last_error)
     select id, kind, singleton_key, payload, attempts, $3 from gone`,
    [job.id, job.leaseToken, error.slice(0, 2000)],
  );
  return 'failed';
}

/** Gives back a claimed job untouched (graceful stop), so that another process need not wait for the lease. */
export async function releaseJob(db: Db, job: Pick<Job, 'id' | 'leaseToken'>): Promise<void> {
  await db.query(
    `update jobs set lease_token = null, locked_until = null, attempts = greatest(attempts - 1, 0) where id = $1 and lease_token = $2`,
    [job.id, job.leaseToken],
  );
}

export interface QueueDepth { kind: string; waiting: number; running: number; oldestSeconds: number }

/** Depth and age of the queue by kind, for /metrics. */
export async function queueDepth(db: Db): Promise<QueueDepth[]> {
  const { rows } = await db.query(
    `select kind,
            count(*) filter (where locked_until is null or locked_until < clock_timestamp())::int as waiting,
            count(*) filter (where locked_until >= clock_timestamp())::int as running,
            coalesce(extract(epoch from clock_timestamp() - min(requested_at)), 0)::float8 as oldest
       from jobs group by kind`,
  );
  return rows.map((r) => ({ kind: r.kind, waiting: r.waiting, running: r.running, oldestSeconds: r.oldest }));
}
