/** The error handler never answers 500 for what concurrency causes: a write that keeps losing lock races is 503 with Retry-After. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import express from 'express';
import pino from 'pino';
import { errorHandler } from '../../../sync-service/src/http/errors';

describe('error handler, concurrency failures', () => {
  let server: http.Server;
  let base = '';
  beforeAll(async () => {
    const app = express();
    // Every request fails with the PostgreSQL error code named by its last path segment.
    app.use((req: express.Request, _res: express.Response, next: express.NextFunction) => {
      next(Object.assign(new Error('database said no'), { code: req.path.split('/').pop() }));
    });
    app.use(errorHandler(pino({ level: 'silent' })));
    server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => { await new Promise((r) => server.close(r)); });

  it.each([
    ['40P01', 'a deadlock'],
    ['40001', 'a serialization failure'],
    ['55P03', 'a lock that could not be taken in time'],
  ])('should answer 503 with Retry-After and a French message, not 500, to %s (%s)', async (code) => {
    const res = await fetch(`${base}/x/${code}`);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    const body = await res.json() as { error: { code: string; message: string } };
    expect(body.error.code).toBe('busy');
    expect(body.error.message).toMatch(/réessayez/);
  });
});
