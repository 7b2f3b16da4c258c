/**
 * Database plumbing for the data-access layer: the pool, transactions, and mapping of PostgreSQL errors.
 * Nothing outside sync-service/src/data and sync-service/src/db imports `pg`.
 */
import pg from 'pg';

// bigint ids fit in a JS number for this store's lifetime; return them as numbers, not strings.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
// `date` columns are local calendar days: keep them as 'YYYY-MM-DD' strings, never as shifted Date objects.
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);

export type Pool = pg.Pool;
export type Client = pg.PoolClient;
export type Db = pg.Pool | pg.PoolClient;

export function createPool(connectionString: string, max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString, max });
  pool.on('error', () => {}); // idle client errors (server restart) surface on the next query instead
  return pool;
}

export async function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const result = await fn(client);
    await client.query('commit');
    return result;
  } catch (err) {
    await client.query('rollback').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

export interface PgError extends Error { code?: string; constraint?: string; column?: string; detail?: string }
export const isPgError = (err: unknown, code: string): err is PgError => (err as PgError)?.code === code;
export const PG = { uniqueViolation: '23505', foreignKeyViolation: '23503', checkViolation: '23514', exclusionViolation: '23P01', raise: 'P0001' } as const;
