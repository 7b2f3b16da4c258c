/**
 * Outbound sync under faults, against the emulator through the real SDKs: lost create answers, crashes between the
 * steps of a write, concurrent workers, throttling (429 + Retry-After), unavailability (503, 500), and changes that
 * arrive while their event is being written. Whatever happens: one event per (RDV, agent), at the RDV's time.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createJobRunner } from '../../../sync-service/src/queue/runner';
import { GraphCallError, type CalendarGateway } from '../../../sync-service/src/sync/graph';
import { outboundHandler } from '../../../sync-service/src/sync/outbound';
import { registerOutboxListener } from '../../../sync-service/src/sync/outbox';
import { SYNC_JOBS } from '../../../sync-service/src/sync/types';
import { RetryLater } from '../../../sync-service/src/queue/runner';
import { eventually, startSyncWorld, type SyncWorld } from '../../helpers/sync-world';
import { instant, outbound } from './outbound-support';

describe('outbound sync under faults', () => {
  let sw: SyncWorld;
  let o: ReturnType<typeof outbound>;
  let unregister: () => void;
  let A: number;
  let A2: number;

  beforeAll(async () => {
    sw = await startSyncWorld();
    o = outbound(sw);
    unregister = registerOutboxListener();
    A = sw.w.agentA.id;
    A2 = sw.w.agentA2.id;
    await sw.connect(A);
    await sw.connect(A2);
  });
  afterAll(async () => { unregister?.(); await sw?.stop(); });
  beforeEach(() => { o.clearLog(); sw.emulator.control.clearFaults(); sw.emulator.control.settings({ transactionIdRaceMs: 0 }); });

  const mailboxRow = async (agentId: number) => (await sw.db.pool.query('select last_error, last_error_at from sync_mailboxes where agent_id = $1', [agentId])).rows[0];

  /** A gateway whose create does (or does not) reach Graph, and whose answer is then lost, once. */
  function losingCreates(opts: { performed: boolean }): CalendarGateway {
    let lost = false;
    return {
      ...sw.gateway,
      async createEvent(...args) {
        if (lost) return sw.gateway.createEvent(...args);
        lost = true;
        if (opts.performed) await sw.gateway.createEvent(...args);
        throw new GraphCallError('unavailable', 0, '', 'network: socket hang up (answer lost)');
      },
    };
  }

  describe('a lost create answer', () => {
    it('never makes a second event: the retry finds the event by its RdvLink and adopts it', async () => {
      const rdvId = await o.book({ agentIds: [A], startsAt: '2026-03-03T08:00:00Z' });
      const err = await o.runOutbound(A, { gateway: losingCreates({ performed: true }) });
      expect(err).toBeInstanceOf(RetryLater);
      expect(o.eventsOfRdv(A, rdvId)).toHaveLength(1);
      expect((await o.link(rdvId, A))!.content_hash).toBe('creating');
      expect(await o.runOutbound(A)).toBeNull();
      const events = o.eventsOfRdv(A, rdvId);
      expect(events).toHaveLength(1);
      expect((await o.link(rdvId, A))!.event_id).toBe(events[0].id);
      expect(o.eventRequests(A).filter((r) => r.kind === 'events.create')).toEqual([{ kind: 'events.create', status: 201 }]);
      expect(o.eventRequests(A)).toContainEqual({ kind: 'events.list', status: 200 });
    });

    it('creates the event once when the crash came before the create reached Graph', async () => {
      const rdvId = await o.book({ agentIds: [A], startsAt: '2026-03-03T09:00:00Z' });
      await o.runOutbound(A, { gateway: losingCreates({ performed: false }) });
      expect(o.eventsOfRdv(A, rdvId)).toEqual([]);
      expect(await o.runOutbound(A)).toBeNull();
      expect(o.eventsOfRdv(A, rdvId)).toHaveLength(1);
      expect(instant(o.eventsOfRdv(A, rdvId)[0].start)).toBe('2026-03-03T09:00:00.000Z');
    });

    it('removes a duplicate left by a race, keeping one event', async () => {
      const rdvId = await o.book({ agentIds: [A], startsAt: '2026-03-03T10:00:00Z' });
      // Two creates reached Graph (a race it did not deduplicate), and neither answer came back.
      const gw: CalendarGateway = { ...sw.gateway, async createEvent(m, c, l, t) { await sw.gateway.createEvent(m, c, l, `${t}-a`); await sw.gateway.createEvent(m, c, l, `${t}-b`); throw new GraphCallError('unavailable', 0, '', 'lost'); } };
      await o.runOutbound(A, { gateway: gw });
      expect(o.eventsOfRdv(A, rdvId)).toHaveLength(2);
      expect(await o.runOutbound(A)).toBeNull();
      expect(o.eventsOfRdv(A, rdvId)).toHaveLength(1);
    });
  });

  it('never lets a change made during a write be lost', async () => {
    const rdvId = await o.book({ agentIds: [A], startsAt: '2026-03-04T09:00:00Z' });
    let moved = false;
    const gw: CalendarGateway = {
      ...sw.gateway,
      async createEvent(...args) {
        // The RDV moves while its first version is on its way to Outlook.
        if (!moved) { moved = true; await o.move(rdvId, { startsAt: '2026-03-04T15:00:00Z' }); }
        return sw.gateway.createEvent(...args);
      },
    };
    await sw.runQueue({ [SYNC_JOBS.outbound.kind]: outboundHandler({ ...sw.deps, gateway: gw }) });
    const events = o.eventsOfRdv(A, rdvId);
    expect(events).toHaveLength(1);
    expect(instant(events[0].start)).toBe('2026-03-04T15:00:00.000Z');
    expect(await o.outboxRows()).toEqual([]);
  });

  it('never makes duplicates when several workers and instances write one mailbox at once', async () => {
    // Graph itself would let concurrent creates with one transactionId through: only our serialisation holds.
    sw.emulator.control.settings({ transactionIdRaceMs: 30 });
    const rdvIds: number[] = [];
    for (let i = 0; i < 8; i++) rdvIds.push(await o.book({ agentIds: [A2], startsAt: `2026-03-05T${String(8 + i).padStart(2, '0')}:00:00Z` }));
    // Jobs whose lease ran out while still working, plus two service instances draining the queue.
    const direct = await Promise.all([o.runOutbound(A2), o.runOutbound(A2), o.runOutbound(A2)]);
    expect(direct.every((e) => e === null || e instanceof RetryLater)).toBe(true);
    for (const [i, rdvId] of rdvIds.entries()) await o.move(rdvId, { startsAt: `2026-03-06T${String(8 + i).padStart(2, '0')}:30:00Z` });
    const instances = [0, 1].map(() => createJobRunner({ pool: sw.db.pool, logger: sw.deps.logger, handlers: { [SYNC_JOBS.outbound.kind]: outboundHandler(sw.deps) }, pollMs: 20, retryBaseMs: 50 }));
    instances.forEach((r) => r.start());
    await Promise.all([o.runOutbound(A2), o.runOutbound(A2)]);
    await Promise.all(instances.map((r) => r.idle()));
    await Promise.all(instances.map((r) => r.stop()));
    await eventually(async () => (await o.outboxRows(A2)).length === 0 || (await o.runOutbound(A2), false), { what: 'outbox drained' });
    for (const [i, rdvId] of rdvIds.entries()) {
      const events = o.eventsOfRdv(A2, rdvId);
      expect(events).toHaveLength(1);
      expect(instant(events[0].start)).toBe(`2026-03-06T${String(8 + i).padStart(2, '0')}:30:00.000Z`);
    }
    expect(o.eventRequests(A2).filter((r) => r.kind === 'events.create' && r.status === 201)).toHaveLength(rdvIds.length);
  });

  it('stops between writes when the service stops, leaving the pending changes for the next run', async () => {
    const rdvId = await o.book({ agentIds: [A], startsAt: '2026-03-06T09:00:00Z' });
    const stopping = new AbortController();
    stopping.abort();
    const job = { id: 0, kind: SYNC_JOBS.outbound.kind, singletonKey: SYNC_JOBS.outbound.key(A), payload: { agentId: A }, runAt: new Date(0), attempts: 1, maxAttempts: 10, leaseToken: 't', requestedAt: new Date(0) };
    await expect(outboundHandler(sw.deps)(job, { signal: stopping.signal, logger: sw.deps.logger })).rejects.toThrow('service stopping');
    expect(o.eventsOfRdv(A, rdvId)).toEqual([]);
    expect(await o.outboxRows(A)).toContainEqual({ rdv_id: rdvId, agent_id: A });
    await o.drain();
    expect(o.eventsOfRdv(A, rdvId)).toHaveLength(1);
  });

  describe('throttling and unavailability', () => {
    it('writes the event after the wait Graph asked for (429 with Retry-After)', async () => {
      sw.emulator.control.injectFault(sw.userOf(A).id, { kind: 'status', status: 429, count: 2, retryAfterSeconds: 1, callKind: 'events.create' });
      sw.recorded.throttleWaits.length = 0;
      const rdvId = await o.book({ agentIds: [A], startsAt: '2026-03-09T09:00:00Z' });
      await o.drain();
      expect(o.eventsOfRdv(A, rdvId)).toHaveLength(1);
      expect(o.eventRequests(A)).toEqual([
        { kind: 'events.create', status: 429 }, { kind: 'events.create', status: 429 }, { kind: 'events.create', status: 201 }]);
      expect(sw.recorded.throttleWaits).toEqual([{ kind: 'events.create', waitMs: 1000 }, { kind: 'events.create', waitMs: 1000 }]);
    });

    it('retries 503s and writes the event once', async () => {
      sw.emulator.control.injectFault(sw.userOf(A).id, { kind: 'status', status: 503, count: 2, retryAfterSeconds: 0, callKind: 'events.update' });
      const rdvId = await o.book({ agentIds: [A], startsAt: '2026-03-10T09:00:00Z' });
      await o.drain();
      await o.move(rdvId, { startsAt: '2026-03-10T10:00:00Z' });
      o.clearLog();
      await o.drain();
      expect(o.eventRequests(A)).toEqual([
        { kind: 'events.update', status: 503 }, { kind: 'events.update', status: 503 }, { kind: 'events.update', status: 200 }]);
      expect(instant(o.eventsOfRdv(A, rdvId)[0].start)).toBe('2026-03-10T10:00:00.000Z');
    });

    it('gives the job back with Retry-After when throttling outlasts the retries, tells the mailbox row in French, and clears it once written', async () => {
      sw.emulator.control.injectFault(sw.userOf(A).id, { kind: 'status', status: 429, count: 5, retryAfterSeconds: 0, callKind: 'events.create' });
      sw.recorded.mailboxErrors.length = 0;
      const rdvId = await o.book({ agentIds: [A], startsAt: '2026-03-11T09:00:00Z' });
      const err = await o.runOutbound(A);
      expect(err).toBeInstanceOf(RetryLater);
      expect((err as RetryLater).delayMs).toBe(0);
      const row = await mailboxRow(A);
      expect(row.last_error).toBe(`Écriture dans Outlook impossible pour le rendez-vous n° ${rdvId} : Microsoft 365 limite le nombre de requêtes (nouvel essai automatique dans 0 s).`);
      expect(row.last_error_at).toEqual(sw.deps.now());
      expect(sw.recorded.mailboxErrors).toEqual([{ agentId: A, kind: 'throttled' }]);
      expect(o.eventsOfRdv(A, rdvId)).toEqual([]);
      expect(await o.runOutbound(A)).toBeNull();
      expect(o.eventsOfRdv(A, rdvId)).toHaveLength(1);
      expect((await mailboxRow(A)).last_error).toBeNull();
    });

    it('records a server error on the mailbox row and lets the queue retry it', async () => {
      sw.emulator.control.injectFault(sw.userOf(A).id, { kind: 'status', status: 500, count: 1, callKind: 'events.create' });
      const rdvId = await o.book({ agentIds: [A], startsAt: '2026-03-12T09:00:00Z' });
      const err = await o.runOutbound(A);
      expect(err).toBeInstanceOf(RetryLater);
      expect((await mailboxRow(A)).last_error).toMatch(/Microsoft 365 ne répond pas \(erreur 500\)/);
      await sw.db.pool.query(`update jobs set run_at = clock_timestamp() where singleton_key = $1`, [SYNC_JOBS.outbound.key(A)]);
      await o.drain();
      expect(o.eventsOfRdv(A, rdvId)).toHaveLength(1);
    });
  });
});
