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
import { agentsToSyncForRdv, markOutbox } from '../data/sync';
import { enqueueJob } from '../queue/jobs';
import { onRdvChange } from '../rdv-events';
import { SYNC_JOBS } from './types';

export function registerOutboxListener(): () => void {
  return onRdvChange(async (client, change) => {
    const agentIds = await agentsToSyncForRdv(client, change.rdvId);
    if (!agentIds.length) return;
    await markOutbox(client, agentIds.map((agentId) => ({ rdvId: change.rdvId, agentId })));
    for (const agentId of agentIds) {
      await enqueueJob(client, SYNC_JOBS.outbound.kind, { agentId }, { singletonKey: SYNC_JOBS.outbound.key(agentId) });
    }
  });
}
