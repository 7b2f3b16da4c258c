/**
 * Every failure of a call to the service, as one error type with a `kind` the screens turn into words (what
 * happened and what to do): the service unreachable, the session expired, a slot taken meanwhile…
 */
export type ApiErrorKind = 'network' | 'expired' | 'forbidden' | 'not_found' | 'conflict' | 'invalid' | 'rate_limited' | 'busy' | 'unavailable' | 'unknown';

export class ApiError extends Error {
  constructor(
    readonly kind: ApiErrorKind,
    readonly status: number,
    message: string,
    readonly code?: string,
    readonly field?: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function kindOfStatus(status: number, code?: string): ApiErrorKind {
  if (status === 401) return 'expired';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 400 || status === 422) return 'invalid';
  if (status === 429) return 'rate_limited';
  if (status === 503 && code === 'busy') return 'busy';
  if (status === 503 || status === 502 || status === 504) return 'unavailable';
  return 'unknown';
}
