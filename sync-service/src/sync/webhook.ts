/**
 * The Graph webhook receiver, mounted publicly (no bearer token: Graph authenticates itself with the subscription's
 * `clientState`) at /graph:
 *   POST /graph/notifications  change notifications → one delta round per mailbox (singleton job: a burst makes one);
 *   POST /graph/lifecycle      lifecycle events → full round (`missed`), resubscription (`subscriptionRemoved`),
 *                              reauthorisation (`reauthorizationRequired`).
 * Both answer Graph's validation handshake. Notifications only enqueue: the answer (202) never waits for a round,
 * as Graph wants it within 3 s and throttles endpoints slower than that.
 *
 * Answers to what was not sent by Graph: bad JSON or shape → 400; every notification with a wrong clientState →
 * 403 (logged with the subscription id); an unknown subscription → ignored and logged, 202 (a subscription we
 * just deleted may still have notifications in flight, and any other answer makes Graph retry them for hours).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Pool } from '../data/db';
import { mailboxBySubscription, type MailboxRow } from '../data/sync';
import { enqueueJob } from '../queue/jobs';
import { SYNC_JOBS } from './types';

const notification = z.object({
  subscriptionId: z.string().min(1).max(200),
  clientState: z.string().max(256).optional(),
  changeType: z.string().optional(),
  lifecycleEvent: z.string().optional(),
  resource: z.string().optional(),
}).passthrough();
export const payloadSchema = z.object({ value: z.array(notification).min(1).max(1000) }).passthrough();

/** Constant-time comparison: digests have equal lengths, so neither content nor length leaks through timing. */
function clientStateMatches(expected: string, received: string | undefined): boolean {
  const a = createHash('sha256').update(expected, 'utf8').digest();
  const b = createHash('sha256').update(received ?? '', 'utf8').digest();
  return timingSafeEqual(a, b) && received !== undefined;
}

function refuse(res: Response, status: 400 | 403, code: string, message: string) {
  res.status(status).json({ error: { code, message } });
}

export function notificationsRouter(deps: { pool: Pool; logger: Logger; now: () => Date }): Router {
  const router = express.Router();
  const log = deps.logger.child({ part: 'graph-webhook' });
  // Graph sends JSON; the validation handshake has an empty text/plain body. Parsed here whatever the type says.
  router.use(express.text({ type: () => true, limit: '2mb' }));

  const handle = (route: 'notifications' | 'lifecycle') => async (req: Request, res: Response) => {
    const token = req.query.validationToken;
    if (typeof token === 'string') {
      // Graph wants the decoded token back as plain text, within 10 s. nosniff: the token is echoed verbatim.
      res.status(200).type('text/plain').set('X-Content-Type-Options', 'nosniff').send(token);
      return;
    }
    let body: unknown = req.body;
    try {
      // A JSON parser mounted before this router may have parsed it already.
      if (typeof body === 'string' || body === undefined) body = JSON.parse(body ?? '');
    } catch {
      refuse(res, 400, 'invalid_json', 'Notification Microsoft Graph : JSON invalide.');
      return;
    }
    const parsed = payloadSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      refuse(res, 400, 'invalid_notification', `Notification Microsoft Graph mal formée : ${issue.path.join('.') || 'corps'} (${issue.message}).`);
      return;
    }

    // What to enqueue, per mailbox: several notifications for one mailbox make one request.
    const wanted = new Map<number, { round: boolean; full: boolean; connection?: 'resubscribe' | 'reauthorize' }>();
    const mailboxes = new Map<string, MailboxRow | null>();
    let accepted = 0;
    let wrongState = 0;
    for (const n of parsed.data.value) {
      if (!mailboxes.has(n.subscriptionId)) mailboxes.set(n.subscriptionId, await mailboxBySubscription(deps.pool, n.subscriptionId));
      const mb = mailboxes.get(n.subscriptionId)!;
      if (!mb) {
        log.warn({ subscriptionId: n.subscriptionId, route }, 'graph webhook: notification for an unknown subscription ignored');
        continue;
      }
      if (!clientStateMatches(mb.clientState, n.clientState)) {
        wrongState++;
        log.warn({ subscriptionId: n.subscriptionId, agentId: mb.agentId, route }, 'graph webhook: wrong clientState, notification refused');
        continue;
      }
      accepted++;
      const w = wanted.get(mb.agentId) ?? { round: false, full: false };
      switch (n.lifecycleEvent) {
        case undefined: w.round = true; break;
        case 'missed': w.round = true; w.full = true; break;
        case 'subscriptionRemoved': w.round = true; w.full = true; w.connection = 'resubscribe'; break;
        case 'reauthorizationRequired': w.connection ??= 'reauthorize'; break;
        default: log.info({ subscriptionId: n.subscriptionId, lifecycleEvent: n.lifecycleEvent }, 'graph webhook: lifecycle event ignored');
      }
      wanted.set(mb.agentId, w);
    }
    if (!accepted && wrongState) {
      refuse(res, 403, 'client_state_mismatch', 'Notification refusée : clientState invalide.');
      return;
    }
    for (const [agentId, w] of wanted) {
      if (w.connection) {
        await enqueueJob(deps.pool, SYNC_JOBS.connection.kind, { agentId, action: w.connection }, { singletonKey: SYNC_JOBS.connection.key(agentId) });
        log.info({ agentId, action: w.connection }, 'graph webhook: lifecycle event, connection job enqueued');
      }
      if (w.round) {
        await enqueueJob(deps.pool, SYNC_JOBS.inbound.kind, { agentId, ...(w.full ? { full: true } : {}) }, { singletonKey: SYNC_JOBS.inbound.key(agentId) });
      }
    }
    res.status(202).end();
  };

  const guarded = (route: 'notifications' | 'lifecycle') => {
    const h = handle(route);
    return async (req: Request, res: Response) => {
      try {
        await h(req, res);
      } catch (err) {
        // The database is the only thing that can fail here: Graph retries a 503 later, which is what we want.
        log.error({ err: (err as Error).message, route }, 'graph webhook: could not record a notification');
        if (!res.headersSent) res.status(503).set('Retry-After', '5').json({ error: { code: 'service_unavailable', message: 'Service temporairement indisponible : réessayez.' } });
      }
    };
  };
  router.post('/notifications', guarded('notifications'));
  router.post('/lifecycle', guarded('lifecycle'));
  // Body too large and the like, raised by the parser.
  router.use((err: { type?: string }, _req: Request, res: Response, next: (e?: unknown) => void) => {
    if (err?.type === 'entity.too.large') return refuse(res, 400, 'body_too_large', 'Notification Microsoft Graph trop volumineuse.');
    if (err?.type) return refuse(res, 400, 'invalid_body', 'Notification Microsoft Graph illisible.');
    next(err);
  });
  return router;
}
