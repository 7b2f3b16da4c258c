/**
 * placeholder: replaced by the outbound/inbound branch.
 * One delta round for one mailbox (job SYNC_JOBS.inbound, payload { agentId, full? }).
 */
import type { JobHandler } from '../queue/runner';
import type { SyncDeps } from './types';

export function inboundHandler(_deps: SyncDeps): JobHandler {
  return async () => {};
}
