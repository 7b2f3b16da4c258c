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

/**
 * How many times a transaction is run in all when it loses a deadlock or a serialization conflict. Writers take
 * their locks in one order (see sync-service/README.md, "Concurrency"), so a deadlock is an accident, not a
 * pattern: a second run almost always goes through; four leave room for bursts without holding a request long.
 */
export const TRANSACTION_ATTEMPTS = 4;
/** Upper bound of the first random pause before a new attempt (doubled each time): 25, 50, 100 ms, about 175 ms at most in all. */
const RETRY_BASE_MS = 25;

/** PostgreSQL errors after which the whole transaction may simply be run again. */
const RETRYABLE = new Set(['40001', '40P01']); // serialization_failure, deadlock_detected
/** Lock races a request may lose even after its transaction was run again: the client should simply retry. */
export const LOCK_RACE_CODES: ReadonlySet<string> = new Set([...RETRYABLE, '55P03']); // + lock_not_available

export interface TransactionRetry { code: string; attempt: number; delayMs: number }
const retryListeners = new Set<(retry: TransactionRetry) => void>();

/** Logs every transaction run again (warn), with the PostgreSQL code and the attempt. */
export function logTransactionRetries(logger: { warn(obj: object, msg: string): void }): () => void {
  return onTransactionRetry((r) => logger.warn({ pgCode: r.code, attempt: r.attempt, delayMs: r.delayMs }, 'transaction run again after a deadlock or serialization conflict'));
}

/** Calls `listener` for every transaction run again. Returns the function that stops it. */
export function onTransactionRetry(listener: (retry: TransactionRetry) => void): () => void {
  retryListeners.add(listener);
  return () => { retryListeners.delete(listener); };
}

/**
 * Runs `fn` in one transaction. A transaction that loses a deadlock or a serialization conflict was rolled back
 * entirely, so it is run again from `begin` (at most TRANSACTION_ATTEMPTS times in all, after a short random
 * pause so that the racers do not meet again). `fn` must therefore keep no state across runs: compute
 * everything inside it from what it reads. What is still failing after the last attempt is thrown as is; the
 * HTTP error handler answers it 503 with Retry-After.
 */
export async function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A checked-out client has no pool listener: a server going away between two queries (shutdown, restart)
  // would otherwise be an unhandled 'error' event that kills the process. The next query reports it instead.
  const quiet = () => {};
  client.on('error', quiet);
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await client.query('begin');
        const result = await fn(client);
        await client.query('commit');
        return result;
      } catch (err) {
        await client.query('rollback').catch(() => {});
        const code = (err as PgError)?.code;
        if (!code || !RETRYABLE.has(code) || attempt >= TRANSACTION_ATTEMPTS) throw err;
        const delayMs = Math.round(Math.random() * RETRY_BASE_MS * 2 ** (attempt - 1));
        for (const listener of retryListeners) listener({ code, attempt, delayMs });
        await new Promise((r) => setTimeout(r, delayMs));
      }
    }
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
