/**
 * Idempotency-Key on the POST routes that create (RDV, usager, relative): a client cut off mid-request retries
 * with the same key and gets the first answer (status and body) without anything being done again.
 *   - same agent, same key, same request (method, path, JSON body up to key order) within 24 h → the first answer,
 *     with `Idempotent-Replayed: true`;
 *   - same key, another request → 422 `idempotency_key_reused`;
 *   - requests with one key at the same time → the first creates, the others wait for it and get its answer.
 * The route records its answer through `record`, inside the transaction of the creation (see migration 031).
 */
import { createHash } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Client, Pool } from '../data/db';
import { findIdempotentAnswer, purgeExpiredIdempotencyKeys, recordIdempotentAnswer } from '../data/idempotency';
import { DomainError, invalid } from '../errors';

/** How long a key is remembered: a client retries within minutes; a day covers a night of an offline laptop. */
export const IDEMPOTENCY_TTL_MS = 24 * 3600_000;
/** Expired keys are purged at most this often (per instance), outside any request's transaction. */
const PURGE_EVERY_MS = 3600_000;
/** Visible ASCII, no spaces, as HTTP header values travel safely; a UUID fits. */
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export interface Answer { status: number; body: unknown }
/** Call inside the creation's transaction, last, with the answer the client will get. */
export type RecordAnswer = (client: Client, answer: Answer) => Promise<void>;
export type IdempotentHandler = (req: Request, record: RecordAnswer | undefined) => Promise<Answer>;

/** JSON with object keys sorted, so that the same body written in another key order has the same fingerprint. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

const fingerprint = (req: Request) =>
  createHash('sha256').update(`${req.method} ${req.baseUrl}${req.path}\n${canonicalJson(req.body)}`).digest('hex');

/** Returns a wrapper for creating routes; one per app (it keeps the time of the last purge). */
export function idempotency(pool: Pool, now: () => Date, logger: Logger) {
  let lastPurge = -Infinity;
  return (handler: IdempotentHandler): RequestHandler => async (req, res) => {
    const key = req.get('Idempotency-Key');
    if (key === undefined) {
      const answer = await handler(req, undefined);
      res.status(answer.status).json(answer.body);
      return;
    }
    if (!KEY_PATTERN.test(key)) {
      throw invalid('Idempotency-Key', 'en-tête Idempotency-Key invalide : 1 à 255 caractères ASCII visibles, sans espace (un UUID par exemple)');
    }
    const at = now();
    const notBefore = new Date(at.getTime() - IDEMPOTENCY_TTL_MS);
    const requestHash = fingerprint(req);
    const replay = async (): Promise<boolean> => {
      const prior = await findIdempotentAnswer(pool, req.agent.id, key, notBefore);
      if (!prior) return false;
      if (prior.requestHash !== requestHash) {
        throw new DomainError(422, 'idempotency_key_reused', 'Cette clé Idempotency-Key a déjà été utilisée pour une autre requête : utilisez une nouvelle clé.', 'Idempotency-Key');
      }
      res.status(prior.status).set('Idempotent-Replayed', 'true').type('json').send(prior.body);
      return true;
    };

    if (await replay()) return;
    let sent: string | undefined;
    const record: RecordAnswer = async (client, answer) => {
      const body = JSON.stringify(answer.body);
      if (!(await recordIdempotentAnswer(client, { agentId: req.agent.id, key, requestHash, status: answer.status, body, at, notBefore }))) {
        // Another request with this key committed while this one ran: undo ours (the throw rolls it back), answer as a retry.
        throw new DomainError(409, 'idempotency_in_progress', 'Une requête avec la même clé Idempotency-Key est en cours : réessayez dans un instant.', 'Idempotency-Key');
      }
      sent = body;
    };
    let answer: Answer;
    try {
      answer = await handler(req, record);
    } catch (err) {
      // The first request with this key may have committed meanwhile and made ours fail (slot now taken, key now
      // recorded): the client gets the first answer, as for any retry.
      if (await replay()) return;
      throw err;
    }
    res.status(answer.status);
    if (sent !== undefined) res.type('json').send(sent); else res.json(answer.body);

    if (at.getTime() - lastPurge >= PURGE_EVERY_MS) {
      lastPurge = at.getTime();
      purgeExpiredIdempotencyKeys(pool, notBefore).catch((err) => logger.warn({ err }, 'idempotency: purge of expired keys failed'));
    }
  };
}
