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
  // Without a connection timeout, requests wait forever for a database that is down instead of answering 503.
  const pool = new pg.Pool({ connectionString, max, connectionTimeoutMillis: 5_000 });
  pool.on('error', () => {}); // idle client errors (server restart) surface on the next query instead
  return pool;
}

export async function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A checked-out client has no pool listener: a server going away between two queries (shutdown, restart)
  // would otherwise be an unhandled 'error' event that kills the process. The next query reports it instead.
  const quiet = () => {};
  client.on('error', quiet);
  try {
    await client.query('begin');
    const result = await fn(client);
    await client.query('commit');
    return result;
  } catch (err) {
    await client.query('rollback').catch(() => {});
    throw err;
  } finally {
    client.off('error', quiet);
    client.release();
  }
}

export interface PgError extends Error { code?: string; constraint?: string; column?: string; detail?: string }
export const isPgError = (err: unknown, code: string): err is PgError => (err as PgError)?.code === code;
export const PG = { uniqueViolation: '23505', foreignKeyViolation: '23503', checkViolation: '23514', exclusionViolation: '23P01', raise: 'P0001' } as const;

const UNREACHABLE_NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN']);

/**
 * True when an error means "the database cannot be reached right now" (down, restarting, shutting down, out of
 * connections), as opposed to a fault of the query: such errors are answered 503, and the pool recovers by itself.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as PgError & { errors?: unknown[] };
  if (!e || typeof e !== 'object') return false;
  if (e.code && UNREACHABLE_NETWORK_CODES.has(e.code)) return true;
  // SQLSTATE class 08 (connection exception), 57P01-03 (shutdown, crash, starting up), 53300 (too many connections).
  if (e.code && (/^08/.test(e.code) || ['57P01', '57P02', '57P03', '53300'].includes(e.code))) return true;
  if (/^Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(e.message ?? '')) return true;
  // Node reports a refused connection to several addresses (localhost → ::1 and 127.0.0.1) as one AggregateError.
  return Array.isArray(e.errors) && e.errors.length > 0 && e.errors.every(isDatabaseUnavailable);
}

/** A dedicated connection LISTENing on a channel; `close()` ends it. Errors end it quietly (callers also poll). */
export async function listenForNotifications(connectionString: string, channel: string, onNotify: (payload: string | undefined) => void): Promise<{ close(): Promise<void> }> {
  const client = new pg.Client({ connectionString });
  client.on('error', () => {});
  client.on('notification', (n) => onNotify(n.payload));
  await client.connect();
  await client.query(`listen ${pg.Client.prototype.escapeIdentifier(channel)}`);
  return { close: () => client.end().catch(() => {}) };
}
