/**
 * What the outbound tests share: booking through the real booking rules, running the outbound job for a mailbox,
 * and reading the emulated calendars (our events only) and the Graph requests they received.
 */
import { cancelRdv, createRdv, moveRdv } from '../../../sync-service/src/booking';
import type { Job } from '../../../sync-service/src/queue/jobs';
import { outboundHandler } from '../../../sync-service/src/sync/outbound';
import { RDV_LINK_PROPERTY } from '../../../sync-service/src/sync/graph';
import { SYNC_JOBS, type SyncDeps } from '../../../sync-service/src/sync/types';
import type { SyncWorld } from '../../helpers/sync-world';

export type OutlookEvent = Record<string, any>;

export const at = (iso: string) => new Date(iso);

export function outbound(sw: SyncWorld) {
  const runOutbound = async (agentId: number, deps: Partial<SyncDeps> = {}): Promise<unknown> => {
    const job = { id: 0, kind: SYNC_JOBS.outbound.kind, singletonKey: SYNC_JOBS.outbound.key(agentId), payload: { agentId }, runAt: new Date(0), attempts: 1, maxAttempts: 10, leaseToken: 'test', requestedAt: new Date(0) } satisfies Job;
    try {
      await outboundHandler({ ...sw.deps, ...deps })(job, { signal: new AbortController().signal, logger: sw.deps.logger });
      return null;
    } catch (err) {
      return err;
    }
  };
  return {
    /** Runs the queue's outbound jobs (as the service does) until none is due. */
    drain: () => sw.runQueue({ [SYNC_JOBS.outbound.kind]: outboundHandler(sw.deps) }),
    /** Runs the outbound handler once for a mailbox, outside the queue; resolves with the error it threw, if any. */
    runOutbound,
    async book(o: { agentIds: number[]; startsAt: string; motifId?: number; usagerIds?: number[]; context?: string; lieuId?: number | null }) {
      const booker = await sw.identity(sw.w.adminA.id);
      const rdv = await createRdv(sw.db.pool, booker, {
        motifId: o.motifId ?? sw.w.motifA, lieuId: o.lieuId === undefined ? sw.w.lieuA : o.lieuId, startsAt: at(o.startsAt), agentIds: o.agentIds,
        usagerIds: o.usagerIds ?? [sw.w.usagerA], context: o.context, channel: 'api',
      }, sw.deps.now());
      return rdv.id;
    },
    async move(rdvId: number, o: { startsAt: string; agentIds?: number[] }) {
      await moveRdv(sw.db.pool, await sw.identity(sw.w.adminA.id), rdvId, { startsAt: at(o.startsAt), agentIds: o.agentIds }, sw.deps.now());
    },
    async cancel(rdvId: number) {
      await cancelRdv(sw.db.pool, await sw.identity(sw.w.adminA.id), rdvId, { status: 'revoked', reason: 'Agent absent' }, sw.deps.now());
    },
    /** Our events (carrying an RdvLink) in an agent's calendar, with immutable ids as the sync stores them. */
    eventsOf(agentId: number): OutlookEvent[] {
      return sw.outlook(agentId).list({ immutableId: true })
        .filter((e: OutlookEvent) => (e.singleValueExtendedProperties ?? []).some((p: { id: string }) => p.id.toLowerCase() === RDV_LINK_PROPERTY.toLowerCase()));
    },
    eventsOfRdv(agentId: number, rdvId: number): OutlookEvent[] {
      return this.eventsOf(agentId).filter((e) => linkOf(e) === `${rdvId}/${agentId}`);
    },
    /** Graph requests on events received for an agent's mailbox since the last clear: kind and status. */
    eventRequests(agentId: number): Array<{ kind: string; status: number }> {
      return sw.emulator.control.requestLog({ userId: sw.userOf(agentId).id })
        .filter((e) => e.kind.startsWith('events.')).map((e) => ({ kind: e.kind, status: e.status }));
    },
    clearLog: () => sw.emulator.control.clearRequestLog(),
    async link(rdvId: number, agentId: number) {
      const { rows } = await sw.db.pool.query('select event_id, change_key, content_hash, generation from outlook_events where rdv_id = $1 and agent_id = $2', [rdvId, agentId]);
      return rows[0] as { event_id: string | null; change_key: string | null; content_hash: string | null; generation: number } | undefined;
    },
    async outboxRows(agentId?: number) {
      const { rows } = await sw.db.pool.query('select rdv_id, agent_id from sync_outbox where ($1::bigint is null or agent_id = $1) order by rdv_id, agent_id', [agentId ?? null]);
      return rows as Array<{ rdv_id: number; agent_id: number }>;
    },
  };
}

export const linkOf = (e: OutlookEvent): string | undefined =>
  (e.singleValueExtendedProperties ?? []).find((p: { id: string }) => p.id.toLowerCase() === RDV_LINK_PROPERTY.toLowerCase())?.value;

/** Graph's `{ dateTime, timeZone: 'UTC' }` as an instant. */
export const instant = (v: { dateTime: string }) => new Date(`${v.dateTime.slice(0, 23)}Z`).toISOString();
