/** Data access: stored answers of creating requests that carried an Idempotency-Key (see migration 031). */
import type { Db } from './db';

export interface IdempotentAnswer { requestHash: string; status: number; body: string }

/** The answer recorded for this agent's key since `notBefore`, if any. */
export async function findIdempotentAnswer(db: Db, agentId: number, key: string, notBefore: Date): Promise<IdempotentAnswer | null> {
  const { rows } = await db.query(
    'select request_hash, status_code, response_body from idempotency_keys where agent_id = $1 and key = $2 and created_at >= $3',
    [agentId, key, notBefore],
  );
  return rows[0] ? { requestHash: rows[0].request_hash, status: rows[0].status_code, body: rows[0].response_body } : null;
}

/**
 * Records an answer, replacing an expired record of the same key. Returns false when a live record exists (a
 * concurrent request with this key committed first): the caller must then roll its transaction back.
 */
export async function recordIdempotentAnswer(
  db: Db, r: { agentId: number; key: string; requestHash: string; status: number; body: string; at: Date; notBefore: Date },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `insert into idempotency_keys (agent_id, key, request_hash, status_code, response_body, created_at)
     values ($1, $2, $3, $4, $5, $6)
     on conflict (agent_id, key) do update
       set request_hash = excluded.request_hash, status_code = excluded.status_code,
           response_body = excluded.response_body, created_at = excluded.created_at
       where idempotency_keys.created_at < $7`,
    [r.agentId, r.key, r.requestHash, r.status, r.body, r.at, r.notBefore],
  );
  return rowCount === 1;
}

export async function purgeExpiredIdempotencyKeys(db: Db, before: Date): Promise<number> {
  const { rowCount } = await db.query('delete from idempotency_keys where created_at < $1', [before]);
  return rowCount ?? 0;
}
