/**
 * The transaction helper: a transaction that loses a deadlock or a serialization conflict is run again from the
 * start, a bounded number of times; any other error is thrown at once.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { onTransactionRetry, TRANSACTION_ATTEMPTS, withTransaction, type Client } from '../../sync-service/src/data/db';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

describe('withTransaction', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await db.pool.query('create table counters (id int primary key, n int not null)');
    await db.pool.query('insert into counters values (1, 0), (2, 0)');
  });
  afterAll(async () => { await db.drop(); });

  it('should run again a transaction that lost a deadlock, so that both writers commit', async () => {
    const retries: string[] = [];
    const off = onTransactionRetry((e) => retries.push(e.code));
    // Two writers take the same two rows in opposite orders, each waiting until the other holds its first row.
    let held = 0;
    let bothHeld!: () => void;
    const barrier = new Promise<void>((r) => { bothHeld = r; });
    const writer = (first: number, second: number) => withTransaction(db.pool, async (c: Client) => {
      await c.query('update counters set n = n + 1 where id = $1', [first]);
      if (++held === 2) bothHeld();
      await barrier;
      await c.query('update counters set n = n + 1 where id = $1', [second]);
      return first;
    });
    try {
      expect(await Promise.all([writer(1, 2), writer(2, 1)])).toEqual([1, 2]);
    } finally {
      off();
    }
    expect((await db.pool.query('select id, n from counters order by id')).rows).toEqual([{ id: 1, n: 2 }, { id: 2, n: 2 }]);
    expect(retries).toEqual(['40P01']);
  });

  it(`should give up after ${TRANSACTION_ATTEMPTS} attempts and throw the last serialization failure`, async () => {
    let calls = 0;
    const failing = withTransaction(db.pool, async () => {
      calls++;
      throw Object.assign(new Error('could not serialize access'), { code: '40001' });
    });
    await expect(failing).rejects.toMatchObject({ code: '40001' });
    expect(calls).toBe(TRANSACTION_ATTEMPTS);
  });

  it('should not run again a transaction that failed for another reason, and keep nothing of it', async () => {
    let calls = 0;
    const failing = withTransaction(db.pool, async (c) => {
      calls++;
      await c.query('update counters set n = 100 where id = 1');
      await c.query('insert into counters values (2, 0)');
    });
    await expect(failing).rejects.toMatchObject({ code: '23505' });
    expect(calls).toBe(1);
    expect((await db.pool.query('select n from counters where id = 1')).rows[0].n).toBe(2);
  });
});
