/**
 * The service's job queue on a real PostgreSQL: singleton keys that coalesce bursts, a rerun for what arrives while
 * a job runs, leases that bring back the jobs of a dead process, retries with backoff, and runners that share work.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import pino from 'pino';
import { claimJobs, completeJob, enqueueJob, failJob, queueDepth } from '../../sync-service/src/queue/jobs';
import { createJobRunner, RetryLater } from '../../sync-service/src/queue/runner';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

const silent = pino({ level: 'silent' });

describe('the job queue', () => {
  let db: TestDatabase;
  beforeAll(async () => { db = await createTestDatabase(); });
  afterAll(async () => { await db.drop(); });
  beforeEach(async () => { await db.pool.query('delete from jobs; delete from jobs_failed'); });

  const rows = async () => (await db.pool.query('select kind, singleton_key, payload, rerun from jobs order by id')).rows;

  it('should coalesce a burst of requests with one singleton key into one waiting job', async () => {
    for (let i = 0; i < 20; i++) await enqueueJob(db.pool, 'sync.inbound', { agentId: 7 }, { singletonKey: 'inbound:7' });
    await enqueueJob(db.pool, 'sync.inbound', { agentId: 7, full: true }, { singletonKey: 'inbound:7' });
    await enqueueJob(db.pool, 'sync.inbound', { agentId: 8 }, { singletonKey: 'inbound:8' });
    expect(await rows()).toEqual([
      { kind: 'sync.inbound', singleton_key: 'inbound:7', payload: { agentId: 7, full: true }, rerun: false },
      { kind: 'sync.inbound', singleton_key: 'inbound:8', payload: { agentId: 8 }, rerun: false },
    ]);
  });

  it('should run a singleton job once more when it was requested again while it ran, and only once', async () => {
    await enqueueJob(db.pool, 'k', {}, { singletonKey: 's' });
    const [job] = await claimJobs(db.pool, ['k'], 10, 60);
    expect(await claimJobs(db.pool, ['k'], 10, 60)).toEqual([]); // never two runs of one key at once
    await enqueueJob(db.pool, 'k', {}, { singletonKey: 's' });
    await enqueueJob(db.pool, 'k', {}, { singletonKey: 's' });
    await completeJob(db.pool, job);
    const again = await claimJobs(db.pool, ['k'], 10, 60);
    expect(again).toHaveLength(1);
    await completeJob(db.pool, again[0]);
    expect(await rows()).toEqual([]);
  });

  it('should give a job back to the queue when the process holding it died (lease passed)', async () => {
    await enqueueJob(db.pool, 'k', { n: 1 });
    const [first] = await claimJobs(db.pool, ['k'], 1, 60);
    await db.pool.query(`update jobs set locked_until = clock_timestamp() - interval '1 second' where id = $1`, [first.id]);
    const [second] = await claimJobs(db.pool, ['k'], 1, 60);
    expect(second.id).toBe(first.id);
    expect(second.leaseToken).not.toBe(first.leaseToken);
    await completeJob(db.pool, first); // the dead holder's late answer changes nothing
    expect(await rows()).toHaveLength(1);
    await completeJob(db.pool, second);
    expect(await rows()).toHaveLength(0);
  });

  it('should retry a failed job later, then keep it aside once its attempts are spent', async () => {
    await enqueueJob(db.pool, 'k', {}, { maxAttempts: 2 });
    const [a] = await claimJobs(db.pool, ['k'], 1, 60);
    expect(await failJob(db.pool, a, 'boom 1', 0)).toBe('retrying');
    const [b] = await claimJobs(db.pool, ['k'], 1, 60);
    expect(b.attempts).toBe(2);
    expect(await failJob(db.pool, b, 'boom 2', 0)).toBe('failed');
    expect(await rows()).toEqual([]);
    expect((await db.pool.query('select kind, attempts, last_error from jobs_failed')).rows).toEqual([{ kind: 'k', attempts: 2, last_error: 'boom 2' }]);
  });

  it('should not run a job before its time', async () => {
    await enqueueJob(db.pool, 'k', {}, { runAt: new Date(Date.now() + 3_600_000) });
    expect(await claimJobs(db.pool, ['k'], 1, 60)).toEqual([]);
    expect(await queueDepth(db.pool)).toEqual([{ kind: 'k', waiting: 1, running: 0, oldestSeconds: expect.any(Number) }]);
  });

  it('should share the work between two runners, run every job once, and retry after RetryLater', async () => {
    const seen: number[] = [];
    let refusedOnce = false;
    const handler = async (job: { payload: { n: number } }) => {
      if (job.payload.n === 3 && !refusedOnce) { refusedOnce = true; throw new RetryLater(10); }
      seen.push(job.payload.n);
      await new Promise((r) => setTimeout(r, 5));
    };
    const runners = [1, 2].map(() => createJobRunner({ pool: db.pool, databaseUrl: db.url, logger: silent, handlers: { work: handler }, concurrency: 4, pollMs: 50 }));
    runners.forEach((r) => r.start());
    try {
      for (let n = 0; n < 40; n++) await enqueueJob(db.pool, 'work', { n });
      for (;;) {
        await Promise.all(runners.map((r) => r.idle()));
        if ((await rows()).length === 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(seen.sort((x, y) => x - y)).toEqual([...Array(40).keys()]);
    } finally {
      await Promise.all(runners.map((r) => r.stop()));
    }
  });
});
