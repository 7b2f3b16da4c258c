/**
 * A Pool-shaped view of ONE open transaction, for code written against a Pool (the booking functions) that must
 * run as one step of a larger unit of work. The demo seed uses it to replay its whole history through the booking
 * path and still commit all or nothing: a crash halfway leaves an empty store, never half a demo.
 *
 * Every query runs on the transaction's client. A `withTransaction` inside (pool.connect, begin … commit/rollback)
 * becomes a savepoint, so a step the store refuses rolls back its own writes only, exactly as it would alone.
 * Steps must run one after the other: two nested transactions at once would interleave their savepoints.
 */
import type { Client, Pool } from './db';

type Query = Client['query'];

/** begin/commit/rollback of a nested transaction, as savepoint statements. */
function asSavepoint(text: string, name: string): string | null {
  if (/^\s*(begin|start\s+transaction)\b/i.test(text)) return `savepoint ${name}`;
  if (/^\s*(commit|end)\b/i.test(text)) return `release savepoint ${name}`;
  if (/^\s*rollback\s*;?\s*$/i.test(text)) return `rollback to savepoint ${name}; release savepoint ${name}`;
  return null;
}

export function poolOverTransaction(client: Client): Pool {
  // Callers may start queries together (Promise.all): one client runs them one at a time, so they are chained
  // here rather than left to pg's own queue (deprecated).
  let tail: Promise<unknown> = Promise.resolve();
  const run = (text: unknown, rest: unknown[]) => {
    const result = tail.then(() => (client.query as (...a: unknown[]) => Promise<unknown>)(text, ...rest));
    tail = result.catch(() => {});
    return result;
  };
  let nested = 0;
  let open = false;
  const query = ((text: unknown, ...rest: unknown[]) => run(text, rest)) as Query;
  const connect = async () => {
    if (open) throw new Error('poolOverTransaction: nested transactions must run one after the other');
    open = true;
    const name = `nested_${++nested}`;
    const nestedQuery = ((text: unknown, ...rest: unknown[]) =>
      run(typeof text === 'string' ? asSavepoint(text, name) ?? text : text, rest)) as Query;
    // `on`/`off`: withTransaction listens for the connection's errors; the outer transaction's client owns that.
    const client = { query: nestedQuery, release: () => { open = false; }, on: () => client, off: () => client };
    return client;
  };
  return { query, connect } as unknown as Pool;
}
