/**
 * The one place where errors become HTTP answers: {"error": {"code", "message", "field"}}.
 * Validation errors name the field; unreadable bodies and database refusals that slip past validation become
 * French 4xx answers (input-errors.ts); anything unknown is logged with context and answered 500 without internals.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { isDatabaseUnavailable, isPgError, LOCK_RACE_CODES, PG } from '../data/db';
import { DomainError } from '../errors';
import { bodyError, storeRefusal } from './input-errors';

export function validationError(err: z.ZodError, where: 'body' | 'query' | 'params'): DomainError {
  const issue = err.issues[0];
  const field = issue.path.length ? issue.path.join('.') : undefined;
  const message = field ? `${field} : ${issue.message}` : issue.message;
  return new DomainError(422, 'validation_failed', message, field, { in: where, issues: err.issues.map((i) => ({ field: i.path.join('.'), message: i.message })) });
}

/** A restarting PostgreSQL is usually back within seconds. */
const DATABASE_RETRY_AFTER_SECONDS = 5;

/**
 * Concurrency: a write that still lost a lock race (deadlock, serialization conflict, lock timeout) after
 * withTransaction ran it again stored nothing, and the same request will most likely go through a moment later.
 */
const BUSY_RETRY_AFTER_SECONDS = 1;
const BUSY_MESSAGE = "Trop de modifications simultanées : rien n'a été enregistré, réessayez dans un instant.";

export function errorHandler(logger: Logger) {
  // Express recognises error handlers by their four parameters.
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (LOCK_RACE_CODES.has((err as { code?: string })?.code ?? '')) {
      logger.warn({ pgCode: (err as { code: string }).code, method: req.method, path: req.path, agentId: req.agent?.id }, 'lock race lost after retries');
      res.set('Retry-After', String(BUSY_RETRY_AFTER_SECONDS)).status(503).json({ error: { code: 'busy', message: BUSY_MESSAGE } });
      return;
    }
    let e: DomainError;
    let refused: DomainError | null;
    if (err instanceof DomainError) e = err;
    else if (err instanceof z.ZodError) e = validationError(err, 'body');
    else if ((err as { code?: string }).code === 'invalid_availability_input') e = new DomainError(422, 'invalid', (err as Error).message, (err as { field?: string }).field);
    else if ((refused = bodyError(err) ?? storeRefusal(err))) {
      e = refused;
      // The shared schemas should have refused this value: worth knowing which request got this far.
      if (e.code === 'invalid_value') logger.warn({ pgCode: (err as { code?: string }).code, method: req.method, path: req.path, agentId: req.agent?.id }, 'value refused by the store');
    }
    else if (isDatabaseUnavailable(err)) {
      logger.warn({ err: (err as Error).message, method: req.method, path: req.path }, 'database unavailable');
      res.set('Retry-After', String(DATABASE_RETRY_AFTER_SECONDS));
      e = new DomainError(503, 'service_unavailable', 'Service temporairement indisponible : la base de rendez-vous ne répond pas. Réessayez dans quelques instants.');
    } else if (isPgError(err, PG.exclusionViolation)) e = new DomainError(409, 'rdv_conflict', "Ce créneau chevauche un autre rendez-vous de l'agent.");
    else {
      logger.error({ err, method: req.method, path: req.path, agentId: req.agent?.id }, 'unhandled error');
      res.status(500).json({ error: { code: 'internal', message: 'Erreur interne : réessayez, et prévenez le support si elle persiste.' } });
      return;
    }
    if (e.status >= 500 && e.status !== 503) logger.error({ err }, e.message);
    res.status(e.status).json(errorBody(e));
  };
}

/** What the API answers for a domain error (the OpenAPI document's examples are built with it too). */
export const errorBody = (e: DomainError) => ({ error: { code: e.code, message: e.message, ...(e.field ? { field: e.field } : {}), ...(e.details ?? {}) } });

/** Parses `req.body` / `req.query` with a shared schema; a failure becomes a 422 naming the field. */
export function parse<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'params' = 'body'): z.output<S> {
  const r = schema.safeParse(value ?? {});
  if (!r.success) throw validationError(r.error, where);
  return r.data;
}
