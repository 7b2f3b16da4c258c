/**
 * placeholder: replaced by the outbound/inbound branch.
 * Graph's change and lifecycle notifications (mounted at /graph, public): /graph/notifications, /graph/lifecycle.
 */
import { Router } from 'express';
import type { SyncDeps } from './types';

export function notificationsRouter(_deps: SyncDeps): Router {
  return Router();
}
