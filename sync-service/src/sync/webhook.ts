/**
 * placeholder: replaced by the outbound/inbound branch.
 * Graph's change and lifecycle notifications (mounted at /graph, public): /graph/notifications, /graph/lifecycle.
 * This stand-in only answers Graph's validation handshake, so that subscriptions can be created on this branch.
 */
import express, { Router } from 'express';
import type { SyncDeps } from './types';

export function notificationsRouter(_deps: SyncDeps): Router {
  const router = Router();
  router.post(['/notifications', '/lifecycle'], express.text({ type: '*/*' }), (req, res) => {
    const token = req.query.validationToken;
    if (typeof token === 'string') { res.type('text/plain').send(token); return; }
    res.status(202).end();
  });
  return router;
}
