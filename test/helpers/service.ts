/**
 * Starts the real HTTP API on loopback against a fresh test database and a test identity provider.
 *   const svc = await startTestService(); const res = await svc.as('agent@x.fr').post('/api/rdvs', body);
 */
import type { AddressInfo } from 'node:net';
import http from 'node:http';
import { afterAll, beforeAll } from '@jest/globals';
import pino from 'pino';
import { createPool } from '../../sync-service/src/data/db';
import { createApp, type AppDeps } from '../../sync-service/src/http/app';
import { DEFAULT_RATE_LIMITS } from '../../sync-service/src/http/rate-limit';
import { aWorld, type World } from './builders';
import { createTestDatabase, type TestDatabase } from './db';
import { startTestIdentityProvider, type TestIdentityProvider } from './tokens';

export interface ApiResponse<T = any> { status: number; body: T; headers: Headers }

/** Extra request headers, e.g. { 'Idempotency-Key': 'k1' }. */
export type RequestHeaders = Record<string, string>;

export interface Caller {
  get<T = any>(path: string, headers?: RequestHeaders): Promise<ApiResponse<T>>;
  post<T = any>(path: string, body?: unknown, headers?: RequestHeaders): Promise<ApiResponse<T>>;
  patch<T = any>(path: string, body?: unknown): Promise<ApiResponse<T>>;
  put<T = any>(path: string, body?: unknown): Promise<ApiResponse<T>>;
  delete<T = any>(path: string): Promise<ApiResponse<T>>;
}

export interface TestService {
  baseUrl: string;
  db: TestDatabase;
  idp: TestIdentityProvider;
  /** Calls the API with a valid token for this email (preferred_username). */
  as(email: string): Caller;
  /** Calls the API with an explicit Authorization header value (or none). */
  withAuthorization(authorization: string | null): Caller;
  /** Moves the service's clock. */
  setNow(now: Date): void;
  stop(): Promise<void>;
}

/** `databaseUrlFor` lets a test put something between the service and its database (a relay it can cut). */
export async function startTestService(opts: { now?: Date; deps?: Partial<AppDeps>; databaseUrlFor?: (url: string) => string } = {}): Promise<TestService> {
  const db = await createTestDatabase();
  const idp = await startTestIdentityProvider();
  let now = opts.now ?? new Date();
  const servicePool = opts.databaseUrlFor ? createPool(opts.databaseUrlFor(db.url), 4) : db.pool;
  const app = createApp({
    pool: servicePool,
    auth: { jwksUrl: idp.jwksUrl, issuer: idp.issuer, audience: idp.audience, tenantId: idp.tenantId },
    logger: pino({ level: 'silent' }),
    now: () => now,
    // Request limits are per address and every test speaks from 127.0.0.1: off unless a test turns them on.
    rateLimit: { ...DEFAULT_RATE_LIMITS, enabled: false },
    ...opts.deps,
  });
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const caller = (authorization: () => Promise<string | null>): Caller => {
    const call = async (method: string, path: string, body?: unknown, headers: RequestHeaders = {}) => {
      const auth = await authorization();
      const res = await fetch(baseUrl + path, {
        method,
        headers: { ...(auth ? { authorization: auth } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try { parsed = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
      return { status: res.status, body: parsed as any, headers: res.headers };
    };
    return {
      get: (p, h) => call('GET', p, undefined, h),
      post: (p, b, h) => call('POST', p, b ?? {}, h),
      patch: (p, b) => call('PATCH', p, b ?? {}),
      put: (p, b) => call('PUT', p, b ?? {}),
      delete: (p) => call('DELETE', p),
    };
  };

  return {
    baseUrl,
    db,
    idp,
    as: (email) => caller(async () => `Bearer ${await idp.token({ preferred_username: email })}`),
    withAuthorization: (a) => caller(async () => a),
    setNow: (n) => { now = n; },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await idp.stop();
      if (servicePool !== db.pool) await servicePool.end();
      await db.drop();
    },
  };
}

/**
 * For a test file (or describe block): the API on a fresh database holding aWorld(), started before its tests
 * and stopped after them. Read `ctx.svc` and `ctx.w` inside tests.
 */
export function apiWorld(opts: { now?: Date; deps?: Partial<AppDeps> } = {}): { svc: TestService; w: World } {
  const ctx = {} as { svc: TestService; w: World };
  beforeAll(async () => {
    ctx.svc = await startTestService({ now: opts.now, deps: opts.deps });
    ctx.w = await aWorld(ctx.svc.db.pool);
  });
  afterAll(async () => { await ctx.svc?.stop(); });
  return ctx;
}
