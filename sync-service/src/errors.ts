/**
 * Typed domain errors. Code deep in the service throws these; the one Express error handler maps them to
 * HTTP as {"error": {"code", "message", "field"}}. Messages are French (agents read them in the add-in).
 */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 503;

export class DomainError extends Error {
  constructor(
    readonly status: ErrorStatus,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const invalid = (field: string, message: string, code = 'invalid') => new DomainError(422, code, message, field);
/** Same answer whether the object exists elsewhere or not: never reveal objects of other organisations. */
export const forbidden = (message = "Vous n'avez pas accès à cette ressource.") => new DomainError(403, 'forbidden', message);
export const conflict = (code: string, message: string, details?: Record<string, unknown>, field?: string) =>
  new DomainError(409, code, message, field, details);
