/**
 * The Express application: /health, /ready, /api/openapi.json (public), and the authenticated /api routes.
 * Built from its dependencies so that tests run the real thing against their own database.
 */
import express, { type Router } from 'express';
import type { Logger } from 'pino';
import type { Pool } from '../data/db';
import { migrationsComplete } from '../db/migrate';
import { DomainError } from '../errors';
import { authenticate, type AuthSettings } from './auth';
import { errorHandler } from './errors';
import { openApiDocument } from './openapi';
import { availabilityRouter } from './routes/availability';
import { configRouter } from './routes/config';
import { rdvsRouter } from './routes/rdvs';
import { usagersRouter } from './routes/usagers';

export interface AppDeps {
  pool: Pool;
  auth: AuthSettings;
  logger: Logger;
  now?: () => Date;
  publicUrl?: string;
  /** Extra routers mounted under /api (authenticated), e.g. reminders. */
  apiRouters?: Array<[string, Router]>;
  /** Extra public routers (e.g. /dev/outbox in the demo). */
  publicRouters?: Array<[string, Router]>;
  /** Extra detail in /ready's answer, e.g. `{ sync: { credential } }` (a credential about to expire). */
  readyDetail?: () => Record<string, unknown>;
}

export function createApp(deps: AppDeps): express.Express {
  const now = deps.now ?? (() => new Date());
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');

  app.get('/health', (_req, res) => { res.json({ status: 'ok' }); });
  app.get('/ready', async (_req, res) => {
    try {
      await deps.pool.query('select 1');
      if (!(await migrationsComplete(deps.pool))) {
        res.status(503).json({ status: 'not_ready', reason: 'migrations pending' });
        return;
      }
      res.json({ status: 'ready', ...deps.readyDetail?.() });
    } catch (err) {
      res.status(503).json({ status: 'not_ready', reason: 'database unreachable' });
    }
  });
  app.get('/api/openapi.json', (_req, res) => { res.json(openApiDocument(deps.publicUrl)); });
  for (const [path, router] of deps.publicRouters ?? []) app.use(path, router);

  const api = express.Router();
  api.use(express.json({ limit: '200kb' }));
  api.use(authenticate(deps.pool, deps.auth));
  api.use('/config', configRouter(deps.pool));
  api.use('/usagers', usagersRouter(deps.pool));
  api.use('/rdvs', rdvsRouter(deps.pool, { now }));
  api.use('/availability', availabilityRouter(deps.pool, { now }));
  for (const [path, router] of deps.apiRouters ?? []) api.use(path, router);
  app.use('/api', api);

  app.use((req, _res, next) => next(new DomainError(404, 'not_found', `Route inconnue : ${req.method} ${req.path}`)));
  app.use(errorHandler(deps.logger));
  return app;
}
