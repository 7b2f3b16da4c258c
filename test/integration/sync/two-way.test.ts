/**
 * Both halves of the sync together, as the service runs them (one queue, both handlers): an RDV booked in the store
 * appears in Outlook; moved there by the agent, the RDV follows and nothing is written back; deleted there, it is
 * restored; an Outlook meeting blocks the slot. Exactly the Graph requests each change needs.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { computeAvailability } from '../../../sync-service/src/availability';
import { getMotif } from '../../../sync-service/src/data/rdvs';
import { enqueueJob } from '../../../sync-service/src/queue/jobs';
import { inboundHandler } from '../../../sync-service/src/sync/inbound';
import { outboundHandler } from '../../../sync-service/src/sync/outbound';
import { registerOutboxListener } from '../../../sync-service/src/sync/outbox';
import { SYNC_JOBS } from '../../../sync-service/src/sync/types';
import { startSyncWorld, type SyncWorld } from '../../helpers/sync-world';
import { instant, outbound } from './outbound-support';

describe('two-way sync', () => {
  let sw: SyncWorld;
  let o: ReturnType<typeof outbound>;
  let unregister: () => void;
  let A: number;
  const handlers = () => ({ [SYNC_JOBS.outbound.kind]: outboundHandler(sw.deps), [SYNC_JOBS.inbound.kind]: inboundHandler(sw.deps) });
  const round = async (agentId: number) => {
    await enqueueJob(sw.db.pool, SYNC_JOBS.inbound.kind, { agentId }, { singletonKey: SYNC_JOBS.inbound.key(agentId) });
    await sw.runQueue(handlers());
  };

  beforeAll(async () => {
    sw = await startSyncWorld();
    o = outbound(sw);
    unregister = registerOutboxListener();
    A = sw.w.agentA.id;
    await sw.connect(A);
    await round(A); // first round: the window's state, nothing of ours yet
  });
  afterAll(async () => { unregister?.(); await sw?.stop(); });

  it('should follow in the store a move made in Outlook, and write nothing back', async () => {
    const rdvId = await o.book({ agentIds: [A], startsAt: '2026-03-03T09:00:00Z' });
    await sw.runQueue(handlers());
    const [event] = o.eventsOfRdv(A, rdvId);
    expect(instant(event.start)).toBe('2026-03-03T09:00:00.000Z');

    o.clearLog();
    await sw.outlook(A).update(event.id, { start: { dateTime: '2026-03-03T10:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-03-03T10:30:00', timeZone: 'UTC' } });
    await round(A);
    const { rows } = await sw.db.pool.query('select starts_at from rdvs where id = $1', [rdvId]);
    expect(rows[0].starts_at.toISOString()).toBe('2026-03-03T10:00:00.000Z');
    // The agent's move is the truth now: no write of our own followed it.
    expect(o.eventRequests(A).filter((r) => r.kind !== 'events.get')).toEqual([]);
    const audit = await sw.db.pool.query(`select channel from audit_log where entity_type = 'rdv' and entity_id = $1 and action = 'moved'`, [rdvId]);
    expect(audit.rows).toEqual([{ channel: 'outlook' }]);
  });

  it('should restore an event deleted in Outlook and tell the agent, by default', async () => {
    const rdvId = await o.book({ agentIds: [A], startsAt: '2026-03-04T09:00:00Z' });
    await sw.runQueue(handlers());
    await round(A); // the round our own create's change notification triggers
    const [event] = o.eventsOfRdv(A, rdvId);
    await sw.outlook(A).delete(event.id);
    await round(A);
    const again = o.eventsOfRdv(A, rdvId);
    expect(again).toHaveLength(1);
    expect(again[0].id).not.toBe(event.id);
    expect(instant(again[0].start)).toBe('2026-03-04T09:00:00.000Z');
    const { rows } = await sw.db.pool.query('select status from rdvs where id = $1', [rdvId]);
    expect(rows[0].status).toBe('unknown');
    const link = await sw.db.pool.query('select notice from outlook_events where rdv_id = $1 and agent_id = $2', [rdvId, A]);
    expect(link.rows[0].notice).toMatch(/Supprimé dans Outlook/);
  });

  it('should make an Outlook meeting block the slot, and free it when the meeting is deleted', async () => {
    const slots = async () => {
      const motif = (await getMotif(sw.db.pool, sw.w.motifA))!;
      return JSON.stringify(await computeAvailability(sw.db.pool, { motif, from: '2026-03-05', to: '2026-03-05', now: sw.deps.now(), agentId: A, audience: 'agent' }));
    };
    const before = await slots();
    const meeting = await sw.outlook(A).create({
      subject: 'Réunion de service', start: { dateTime: '2026-03-05T09:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-03-05T11:00:00', timeZone: 'UTC' }, showAs: 'busy',
    }) as { id: string };
    await round(A);
    const blocks = await sw.db.pool.query(`select starts_at, ends_at, show_as from busy_blocks where agent_id = $1`, [A]);
    expect(blocks.rows).toEqual([{ starts_at: new Date('2026-03-05T09:00:00Z'), ends_at: new Date('2026-03-05T11:00:00Z'), show_as: 'busy' }]);
    expect(await slots()).not.toBe(before);
    await sw.outlook(A).delete(meeting.id);
    await round(A);
    expect((await sw.db.pool.query(`select count(*)::int as n from busy_blocks where agent_id = $1`, [A])).rows[0].n).toBe(0);
    expect(await slots()).toBe(before);
  });
});
