/**
 * Shapes shared by every Graph handler: the request as the pipeline sees it (top-level or inside $batch), the
 * response, Graph's error body, and the Prefer header.
 */
import { randomUUID } from 'node:crypto';

export interface AuthContext {
  tenantId: string;
  appId: string;
  roles: string[];
}

export interface GraphRequest {
  method: string;
  /** Path after /v1.0, starting with '/', segments still percent-encoded. */
  path: string;
  query: URLSearchParams;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: unknown;
  auth: AuthContext;
  inBatch: boolean;
  requestId: string;
  /** https://127.0.0.1:<port>/v1.0 */
  graphBase: string;
}

export interface GraphResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export const ODATA_JSON = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

export function graphError(req: Pick<GraphRequest, 'headers' | 'requestId'> | undefined, status: number, code: string, message: string, headers: Record<string, string> = {}): GraphResponse {
  return {
    status,
    headers,
    body: {
      error: {
        code,
        message,
        innerError: {
          date: new Date().toISOString().replace(/\.\d{3}Z$/, ''),
          'request-id': req?.requestId ?? randomUUID(),
          'client-request-id': req?.headers['client-request-id'] ?? req?.requestId ?? randomUUID(),
        },
      },
    },
  };
}

export interface Prefer {
  timeZone?: string;
  immutableId: boolean;
  maxPageSize?: number;
  /** outlook.body-content-type: bodies are answered as HTML unless "text" is asked. */
  bodyContentType?: 'text' | 'html';
}

/** Reads `Prefer: outlook.timezone="…"`, `IdType="ImmutableId"`, `odata.maxpagesize=N` (one header or several, comma-joined). */
export function parsePrefer(headers: Record<string, string>): Prefer {
  const raw = headers['prefer'] ?? '';
  const out: Prefer = { immutableId: false };
  const re = /([A-Za-z.-]+)\s*=\s*("([^"]*)"|[^,;\s]+)/g;
  for (let m = re.exec(raw); m; m = re.exec(raw)) {
    const key = m[1].toLowerCase();
    const value = m[3] ?? m[2];
    if (key === 'outlook.timezone') out.timeZone = value;
    else if (key === 'idtype') out.immutableId = value.toLowerCase() === 'immutableid';
    else if (key === 'odata.maxpagesize') out.maxPageSize = Number(value) > 0 ? Math.floor(Number(value)) : undefined;
    else if (key === 'outlook.body-content-type' && (value.toLowerCase() === 'text' || value.toLowerCase() === 'html')) out.bodyContentType = value.toLowerCase() as 'text' | 'html';
  }
  return out;
}

export function preferenceApplied(p: Prefer, used: { timeZone?: boolean; immutableId?: boolean; maxPageSize?: boolean }): Record<string, string> {
  const parts: string[] = [];
  if (used.timeZone && p.timeZone) parts.push(`outlook.timezone="${p.timeZone}"`);
  if (used.immutableId && p.immutableId) parts.push('IdType="ImmutableId"');
  if (used.maxPageSize && p.maxPageSize) parts.push(`odata.maxpagesize=${p.maxPageSize}`);
  if (used.timeZone && p.bodyContentType) parts.push(`outlook.body-content-type="${p.bodyContentType}"`);
  return parts.length ? { 'Preference-Applied': parts.join(', ') } : {};
}
