/**
 * placeholder: replaced by the outbound/inbound branch.
 * Drains the outbox of one mailbox (job SYNC_JOBS.outbound, payload { agentId }).
 */
import type { JobHandler } from '../queue/runner';
import type { SyncDeps } from './types';

export function outboundHandler(_deps: SyncDeps): JobHandler {
  return async () => {};
}
