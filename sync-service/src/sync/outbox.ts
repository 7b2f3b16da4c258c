/**
 * The outbound sync's entry: an in-transaction listener of RDV changes (rdv-events.ts) that marks the (RDV, agent)
 * pairs whose Outlook event must be brought up to date, and enqueues one outbound job per mailbox — with the change's
 * own client, so the outbox row and the job commit (or roll back) together with the change: no change is lost,
 * none is written for a change that did not happen.
 *
 * Marked agents: the RDV's agents and every agent that still has an event link for it (so an RDV given to another
 * agent leaves the old calendar), among agents with a mailbox row in any state (a mailbox being connected gets its
 * changes; one being disconnected gets its deletions).
 */
import type { Db } from '../data/db';
import { agentsToSyncForRdv, markOutbox } from '../data/sync';
import { enqueueJob } from '../queue/jobs';
import { onRdvChange } from '../rdv-events';
import { SYNC_JOBS } from './types';

export function registerOutboxListener(): () => void {
  return onRdvChange(async (client, change) => {
    const agentIds = await agentsToSyncForRdv(client, change.rdvId);
    await queueOutbound(client, agentIds.map((agentId) => ({ rdvId: change.rdvId, agentId })));
  });
}

/**
 * Marks pairs to be written and wakes their mailboxes' outbound jobs, with the caller's connection (its
 * transaction). Every writer of the outbox goes through here: a marked pair without a job would wait forever.
 */
export async function queueOutbound(db: Db, pairs: Array<{ rdvId: number; agentId: number }>): Promise<void> {
  if (!pairs.length) return;
  await markOutbox(db, pairs);
  for (const agentId of [...new Set(pairs.map((p) => p.agentId))].sort((a, b) => a - b)) {
    await enqueueJob(db, SYNC_JOBS.outbound.kind, { agentId }, { singletonKey: SYNC_JOBS.outbound.key(agentId) });
  }
}
