/**
 * The Express application: /health, /ready, /api/openapi.json (public), and the authenticated /api routes.
 * Built from its dependencies so that tests run the real thing against their own database.
 */
import express, { type Router } from 'express';
import type { Logger } from 'pino';
import type { Pool } from '../data/db';
import { migrationsComplete } from '../db/migrate';
import { DomainError } from '../errors';
import { outboxRouter } from '../reminders/demo';
import type { Outbox } from '../reminders/sinks';
import type { MailboxFollower } from '../sync/connection';
import { addinRouter, type AddinSettings } from './addin';
import { authenticate, type AuthSettings } from './auth';
import { errorHandler } from './errors';
import { idempotency } from './idempotency';
import { jsonBodiesOnly } from './input-errors';
import { openApiDocument } from './openapi';
import { DEFAULT_RATE_LIMITS, rateLimiters, type RateLimitSettings } from './rate-limit';
import { demoPageHeaders, loopbackOnly, noStore, securityHeaders } from './security';
import { availabilityRouter } from './routes/availability';
import { configRouter } from './routes/config';
import type { CalendarGateway } from '../sync/graph';
import { outlookRouter } from './routes/outlook';
import { rdvsRouter, type ComposeBooking } from './routes/rdvs';
import { usagersRouter } from './routes/usagers';

export interface AppDeps {
  pool: Pool;
  auth: AuthSettings;
  logger: Logger;
  now?: () => Date;
  publicUrl?: string;
  /** Extra routers mounted under /api (authenticated), e.g. reminders. */
  apiRouters?: Array<[string, Router]>;
  /** Extra public routers. */
  publicRouters?: Array<[string, Router]>;
  /** Demo only: what the local sinks caught, shown at /dev/outbox to a signed-in agent on this machine. */
  demoOutbox?: Outbox;
  /** Request limits per token and per address; on with the documented defaults unless given. */
  rateLimit?: RateLimitSettings;
  /** Number of reverse proxies whose X-Forwarded-For is believed (client address for rate limits). */
  trustProxy?: number;
  /** Extra detail in /ready's answer, e.g. `{ sync: { credential } }` (a credential about to expire). */
  readyDetail?: () => Record<string, unknown>;
  /** The Outlook task pane served under /addin/ (with its runtime settings at /addin/config.json). */
  addin?: AddinSettings;
  /** The sync's part of the Outlook item routes and of bookings made in compose mode (absent: sync off). */
  outlook?: { gateway: CalendarGateway; composeBooking: ComposeBooking };
  /** The Outlook sync, when configured: configuration changes connect and disconnect agents' mailboxes. */
  followMailboxes?: MailboxFollower;
  /** Paths of the extra routers, for /api/openapi.json (e.g. the sync's). */
  openApiPaths?: Record<string, unknown>;
}

export function createApp(deps: AppDeps): express.Express {
  const now = deps.now ?? (() => new Date());
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.set('trust proxy', deps.trustProxy ?? 0);
  // HSTS when clients reach us over HTTPS: TLS here (PUBLIC_URL then defaults to https://) or a proxy's https PUBLIC_URL.
  app.use(securityHeaders({ hsts: deps.publicUrl?.startsWith('https://') ?? false }));
  const limiters = rateLimiters(deps.rateLimit ?? DEFAULT_RATE_LIMITS, deps.logger);
  const requireAgent = authenticate(deps.pool, deps.auth);

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
  // Mounted after the probes, which stay unlimited (an orchestrator polling /ready must never be refused).
  if (limiters.length) app.use(['/api', '/dev'], limiters);
  app.use('/api', noStore);
  app.get('/api/openapi.json', (_req, res) => { res.json(openApiDocument(deps.publicUrl, deps.openApiPaths)); });
  for (const [path, router] of deps.publicRouters ?? []) app.use(path, router);
  if (deps.addin) app.use('/addin', addinRouter(deps.addin, now));
  if (deps.demoOutbox) app.use('/dev/outbox', loopbackOnly, noStore, demoPageHeaders(), outboxRouter({ outbox: deps.demoOutbox }, requireAgent));

  const api = express.Router();
  api.use(express.json({ limit: '200kb' }));
  api.use(jsonBodiesOnly);
  api.use(requireAgent);
  api.use('/config', configRouter(deps.pool, { followMailboxes: deps.followMailboxes }));
  const idempotent = idempotency(deps.pool, now, deps.logger);
  api.use('/usagers', usagersRouter(deps.pool, { idempotent }));
  api.use('/rdvs', rdvsRouter(deps.pool, { now, idempotent, composeBooking: deps.outlook?.composeBooking }));
  // Mounted with the sync off too: its routes then say so in French.
  api.use('/outlook', outlookRouter(deps.pool, deps.outlook?.gateway ?? null));
  api.use('/availability', availabilityRouter(deps.pool, { now, logger: deps.logger }));
  for (const [path, router] of deps.apiRouters ?? []) api.use(path, router);
  app.use('/api', api);

  app.use((req, _res, next) => next(new DomainError(404, 'not_found', `Route inconnue : ${req.method} ${req.path}`)));
  app.use(errorHandler(deps.logger));
  return app;
}
