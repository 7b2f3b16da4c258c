import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { withTransaction } from '../../sync-service/src/data/db';
import { poolOverTransaction } from '../../sync-service/src/data/transaction-pool';
import { createTestDatabase, TestDatabase } from '../helpers/db';

// Code written against a Pool (the booking functions) run as steps of one larger transaction (the demo seed).
describe('a pool over one transaction', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await db.pool.query('create table tx_pool_probe (v text primary key)');
  });
  afterAll(async () => { await db.drop(); });

  const values = async () => (await db.pool.query('select v from tx_pool_probe order by v')).rows.map((r) => r.v);

  it('should roll back only the writes of a step that fails, and keep going', async () => {
    await withTransaction(db.pool, async (client) => {
      const pool = poolOverTransaction(client);
      await withTransaction(pool, async (c) => { await c.query(`insert into tx_pool_probe values ('a')`); });
      await expect(withTransaction(pool, async (c) => {
        await c.query(`insert into tx_pool_probe values ('b')`);
        await c.query(`insert into tx_pool_probe values ('a')`); // duplicate key: the step fails
      })).rejects.toMatchObject({ code: '23505' });
      // The transaction is still usable, and sees the first step only.
      expect((await pool.query('select v from tx_pool_probe order by v')).rows.map((r) => r.v)).toEqual(['a']);
      await Promise.all([pool.query('select 1'), pool.query('select 2')]);
    });
    expect(await values()).toEqual(['a']);
  });

  it('should commit nothing when the enclosing transaction fails after its steps committed', async () => {
    await db.pool.query('truncate tx_pool_probe');
    await expect(withTransaction(db.pool, async (client) => {
      const pool = poolOverTransaction(client);
      await withTransaction(pool, async (c) => { await c.query(`insert into tx_pool_probe values ('c')`); });
      throw new Error('crash halfway');
    })).rejects.toThrow('crash halfway');
    expect(await values()).toEqual([]);
  });
});
