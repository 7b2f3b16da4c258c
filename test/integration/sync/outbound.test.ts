/**
 * Outbound sync (store → Outlook) against the Microsoft 365 emulator, through the real msal-node and Graph SDK, on
 * a real PostgreSQL: the outbox written by the RDV change's own transaction, and the job that turns it into exactly
 * one Graph write per real change (DESIGN.md §4).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { addParticipants } from '../../../sync-service/src/booking';
import { withTransaction } from '../../../sync-service/src/data/db';
import { emitRdvChange } from '../../../sync-service/src/rdv-events';
import { registerOutboxListener } from '../../../sync-service/src/sync/outbox';
import { startSyncWorld, type SyncWorld } from '../../helpers/sync-world';
import { instant, linkOf, outbound } from './outbound-support';

describe('outbound sync: store → Outlook', () => {
  let sw: SyncWorld;
  let o: ReturnType<typeof outbound>;
  let unregister: () => void;
  let A: number; // agentA, mailbox connected
  let A2: number; // agentA2, mailbox connected

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
  beforeEach(() => o.clearLog());

  describe('the outbox', () => {
    it('is written by the change\'s own transaction, with one outbound job per mailbox', async () => {
      const rdvId = await o.book({ agentIds: [A], startsAt: '2026-03-03T08:00:00Z' });
      expect(await o.outboxRows(A)).toContainEqual({ rdv_id: rdvId, agent_id: A });
      const { rows } = await sw.db.pool.query(`select payload from jobs where singleton_key = $1`, [`sync.outbound:${A}`]);
      expect(rows).toEqual([{ payload: { agentId: A } }]);
      await o.drain();
      expect(await o.outboxRows()).toEqual([]);
    });

    it('is not written when the change rolls back', async () => {
      const rdvId = await o.book({ agentIds: [A], startsAt: '2026-03-03T09:00:00Z' });
      await o.drain();
      await expect(withTransaction(sw.db.pool, async (client) => {
        await emitRdvChange(client, { kind: 'moved', rdvId, at: sw.deps.now() });
        throw new Error('the change failed');
      })).rejects.toThrow('the change failed');
      expect(await o.outboxRows()).toEqual([]);
    });

    it('leaves out agents whose mailbox is not synced', async () => {
      const rdvId = await o.book({ agentIds: [sw.w.adminA.id], startsAt: '2026-03-03T10:00:00Z' });
      expect((await o.outboxRows()).filter((r) => r.rdv_id === rdvId)).toEqual([]);
    });

    it('includes a mailbox still being connected', async () => {
      await sw.connect(sw.w.adminA.id, 'connecting');
      const rdvId = await o.book({ agentIds: [sw.w.adminA.id], startsAt: '2026-03-03T11:00:00Z' });
      expect(await o.outboxRows(sw.w.adminA.id)).toEqual([{ rdv_id: rdvId, agent_id: sw.w.adminA.id }]);
      await o.drain();
      expect(o.eventsOfRdv(sw.w.adminA.id, rdvId)).toHaveLength(1);
    });
  });

  describe('the outbound job', () => {
    it('writes a booked RDV as one private event, with its RdvLink, no attendees and no trace of the usager', async () => {
      const rdvId = await o.book({ agentIds: [A], startsAt: '2026-03-04T09:00:00Z', context: 'Pesée du nourrisson, contexte familial difficile' });
      await o.drain();
      const events = o.eventsOfRdv(A, rdvId);
      expect(events).toHaveLength(1);
      const e = events[0];
      expect(linkOf(e)).toBe(`${rdvId}/${A}`);
      expect(e.subject).toBe('RDV : Consultation PMI');
      expect(e.location.displayName).toBe('Centre Nord, 1 rue de la Paix 86000 Poitiers');
      expect(e.body.content).toContain('géré par le service de prise de rendez-vous');
      expect(e.sensitivity).toBe('private');
      expect(e.showAs).toBe('busy');
      expect(e.attendees ?? []).toEqual([]);
      expect(instant(e.start)).toBe('2026-03-04T09:00:00.000Z');
      expect(instant(e.end)).toBe('2026-03-04T09:30:00.000Z');
      expect(JSON.stringify(e)).not.toMatch(/Hélène|Lefèvre|H\. L\.|33612345678|nourrisson/);
      expect(o.eventRequests(A)).toEqual([{ kind: 'events.create', status: 201 }]);
      const link = await o.link(rdvId, A);
      expect(link).toMatchObject({ event_id: e.id, change_key: e.changeKey });
      expect(link!.content_hash).toMatch(/^v1:/);
      expect(sw.recorded.outboundLatencies.length).toBeGreaterThan(0);
    });

    it('moves the same event when the RDV moves, with exactly one Graph request and no second event', async () => {
      const rdvId = await o.book({ agentIds: [A], startsAt: '2026-03-05T09:00:00Z' });
      await o.drain();
      const [before] = o.eventsOfRdv(A, rdvId);
      o.clearLog();
      await o.move(rdvId, { startsAt: '2026-03-05T13:00:00Z' });
      await o.drain();
      const after = o.eventsOfRdv(A, rdvId);
      expect(after).toHaveLength(1);
      expect(after[0].id).toBe(before.id);
      expect(instant(after[0].start)).toBe('2026-03-05T13:00:00.000Z');
      expect(instant(after[0].end)).toBe('2026-03-05T13:30:00.000Z');
      expect(o.eventRequests(A)).toEqual([{ kind: 'events.update', status: 200 }]);
      expect((await o.link(rdvId, A))!.change_key).toBe(after[0].changeKey);
    });

    it('sends no request for a change that leaves the event as it is', async () => {
      const rdvId = await o.book({ agentIds: [A], startsAt: '2026-03-05T10:00:00Z' });
      await o.drain();
      o.clearLog();
      // A new participant is not in the default template: the event would not change.
      await addParticipants(sw.db.pool, await sw.identity(sw.w.adminA.id), rdvId, [sw.w.usagerA], sw.deps.now());
      expect(await o.outboxRows(A)).toEqual([{ rdv_id: rdvId, agent_id: A }]);
      await o.drain();
      expect(sw.emulator.control.requestLog({ userId: sw.userOf(A).id })).toEqual([]);
      expect(await o.outboxRows()).toEqual([]);
    });

    it('writes each of a burst of changes to one RDV once, as one update when they coalesce', async () => {
      const rdvId = await o.book({ agentIds: [A], startsAt: '2026-03-06T08:00:00Z' });
      await o.drain();
      o.clearLog();
      await o.move(rdvId, { startsAt: '2026-03-06T09:00:00Z' });
      await o.move(rdvId, { startsAt: '2026-03-06T10:00:00Z' });
      await o.move(rdvId, { startsAt: '2026-03-06T11:00:00Z' });
      await o.drain();
      expect(o.eventRequests(A)).toEqual([{ kind: 'events.update', status: 200 }]);
      expect(instant(o.eventsOfRdv(A, rdvId)[0].start)).toBe('2026-03-06T11:00:00.000Z');
    });

    it('deletes the event when the RDV is cancelled', async () => {
      const rdvId = await o.book({ agentIds: [A], startsAt: '2026-03-09T09:00:00Z' });
      await o.drain();
      expect(o.eventsOfRdv(A, rdvId)).toHaveLength(1);
      o.clearLog();
      await o.cancel(rdvId);
      await o.drain();
      expect(o.eventsOfRdv(A, rdvId)).toEqual([]);
      expect(o.eventRequests(A)).toEqual([{ kind: 'events.delete', status: 204 }]);
      expect(await o.link(rdvId, A)).toMatchObject({ event_id: null, generation: 1 });
    });

    it('moves the event from the old agent\'s calendar to the new one when the RDV changes agent', async () => {
      const rdvId = await o.book({ agentIds: [A], startsAt: '2026-03-10T09:00:00Z' });
      await o.drain();
      o.clearLog();
      await o.move(rdvId, { startsAt: '2026-03-10T09:00:00Z', agentIds: [A2] });
      await o.drain();
      expect(o.eventsOfRdv(A, rdvId)).toEqual([]);
      const moved = o.eventsOfRdv(A2, rdvId);
      expect(moved).toHaveLength(1);
      expect(instant(moved[0].start)).toBe('2026-03-10T09:00:00.000Z');
      expect(o.eventRequests(A)).toEqual([{ kind: 'events.delete', status: 204 }]);
      expect(o.eventRequests(A2)).toEqual([{ kind: 'events.create', status: 201 }]);
    });

    it('writes a collective RDV once in each of its agents\' calendars', async () => {
      const rdvId = await o.book({ agentIds: [A, A2], startsAt: '2026-03-11T13:00:00Z', motifId: sw.w.collectiveMotifA, usagerIds: [sw.w.usagerA] });
      await o.drain();
      const a = o.eventsOfRdv(A, rdvId);
      const a2 = o.eventsOfRdv(A2, rdvId);
      expect(a).toHaveLength(1);
      expect(a2).toHaveLength(1);
      expect(a[0].subject).toBe('RDV : Atelier massage bébé (collectif)');
      expect(linkOf(a2[0])).toBe(`${rdvId}/${A2}`);
      expect(instant(a2[0].end)).toBe('2026-03-11T14:00:00.000Z');
    });

    it('brings a cancelled then restored RDV back as a new event with a new transactionId', async () => {
      const rdvId = await o.book({ agentIds: [A], startsAt: '2026-03-12T09:00:00Z' });
      await o.drain();
      const [first] = o.eventsOfRdv(A, rdvId);
      await o.cancel(rdvId);
      await o.drain();
      const { setRdvStatus } = await import('../../../sync-service/src/booking');
      await setRdvStatus(sw.db.pool, await sw.identity(sw.w.adminA.id), rdvId, 'unknown', sw.deps.now());
      await o.drain();
      const again = o.eventsOfRdv(A, rdvId);
      expect(again).toHaveLength(1);
      expect(again[0].id).not.toBe(first.id);
      expect(again[0].transactionId).not.toBe(first.transactionId);
    });

    it('writes over a change made in Outlook meanwhile (412), after reading the event again', async () => {
      const rdvId = await o.book({ agentIds: [A], startsAt: '2026-03-13T09:00:00Z' });
      await o.drain();
      const [e] = o.eventsOfRdv(A, rdvId);
      await sw.outlook(A).update(e.id, { categories: ['Rouge'] }); // new changeKey; the store does not know it
      o.clearLog();
      await o.move(rdvId, { startsAt: '2026-03-13T14:00:00Z' });
      await o.drain();
      expect(o.eventRequests(A)).toEqual([
        { kind: 'events.update', status: 412 }, { kind: 'events.get', status: 200 }, { kind: 'events.update', status: 200 }]);
      const [after] = o.eventsOfRdv(A, rdvId);
      expect(instant(after.start)).toBe('2026-03-13T14:00:00.000Z');
      expect((await o.link(rdvId, A))!.change_key).toBe(after.changeKey);
    });

    it('does not recreate an event deleted in Outlook, and asks for an inbound round instead', async () => {
      const rdvId = await o.book({ agentIds: [A], startsAt: '2026-03-16T09:00:00Z' });
      await o.drain();
      const [e] = o.eventsOfRdv(A, rdvId);
      await sw.outlook(A).delete(e.id);
      o.clearLog();
      await o.move(rdvId, { startsAt: '2026-03-16T10:00:00Z' });
      await o.drain();
      expect(o.eventsOfRdv(A, rdvId)).toEqual([]);
      expect(o.eventRequests(A)).toEqual([{ kind: 'events.update', status: 404 }]);
      const { rows } = await sw.db.pool.query(`select kind, payload from jobs where singleton_key = $1`, [`sync.inbound:${A}`]);
      expect(rows).toEqual([{ kind: 'sync.inbound', payload: { agentId: A } }]);
      expect((await o.link(rdvId, A))!.event_id).toBe(e.id);
      expect(await o.outboxRows(A)).toEqual([]);
    });

    it('deletes the events of a mailbox being disconnected', async () => {
      const rdvId = await o.book({ agentIds: [A2], startsAt: '2026-03-17T09:00:00Z' });
      await o.drain();
      expect(o.eventsOfRdv(A2, rdvId)).toHaveLength(1);
      await sw.db.pool.query(`update sync_mailboxes set state = 'disconnecting' where agent_id = $1`, [A2]);
      await sw.db.pool.query(`insert into sync_outbox (rdv_id, agent_id) select rdv_id, agent_id from outlook_events where agent_id = $1 on conflict do nothing`, [A2]);
      await o.runOutbound(A2);
      expect(o.eventsOf(A2)).toEqual([]);
      await sw.db.pool.query(`update sync_mailboxes set state = 'connected' where agent_id = $1`, [A2]);
    });
  });

  it('drops the pending changes of a mailbox that is no longer synced, without calling Graph', async () => {
    const rdvId = await o.book({ agentIds: [A2], startsAt: '2026-03-17T13:00:00Z' });
    await sw.db.pool.query('delete from sync_mailboxes where agent_id = $1', [A2]);
    expect(await o.runOutbound(A2)).toBeNull();
    expect(await o.outboxRows(A2)).toEqual([]);
    expect(o.eventsOfRdv(A2, rdvId)).toEqual([]);
    expect(o.eventRequests(A2)).toEqual([]);
    await sw.connect(A2);
  });

  describe('the privacy template', () => {
    afterAll(async () => { await sw.db.pool.query(`update territories set outlook_event_detail = 'motif_and_lieu'`); });

    it('adds only the usager\'s initials when the territory chose motif_lieu_and_usager_initials', async () => {
      await sw.db.pool.query(`update territories set outlook_event_detail = 'motif_lieu_and_usager_initials'`);
      const rdvId = await o.book({ agentIds: [A], startsAt: '2026-03-18T09:00:00Z', context: 'notes privées' });
      await o.drain();
      const [e] = o.eventsOfRdv(A, rdvId);
      expect(e.subject).toBe('RDV : Consultation PMI – H. L.');
      expect(JSON.stringify(e)).not.toMatch(/Hélène|Lefèvre|33612345678|notes privées/);
    });

    it('adds the usager\'s name, phone and the notes when the territory chose full', async () => {
      await sw.db.pool.query(`update territories set outlook_event_detail = 'full'`);
      const rdvId = await o.book({ agentIds: [A], startsAt: '2026-03-19T09:00:00Z', context: 'notes pour l\'agent' });
      await o.drain();
      const [e] = o.eventsOfRdv(A, rdvId);
      expect(e.subject).toBe('RDV : Consultation PMI – Hélène Lefèvre');
      expect(e.body.content).toContain('Hélène Lefèvre – +33612345678');
      expect(e.body.content).toContain('notes pour l');
    });

    it('says Téléphone for a phone RDV', async () => {
      await sw.db.pool.query(`update territories set outlook_event_detail = 'motif_and_lieu'`);
      const { insertMotif, insertPlage } = await import('../../helpers/builders');
      const phone = await insertMotif(sw.db.pool, { organisationId: sw.w.orgA, serviceId: sw.w.serviceId, name: 'Entretien téléphonique', locationType: 'phone' });
      await insertPlage(sw.db.pool, { organisationId: sw.w.orgA, agentId: A, lieuId: null, motifIds: [phone], firstDay: '2026-03-20', weekdays: [5], until: '2026-03-20' });
      const rdvId = await o.book({ agentIds: [A], startsAt: '2026-03-20T09:00:00Z', motifId: phone, lieuId: null });
      await o.drain();
      expect(o.eventsOfRdv(A, rdvId)[0].location.displayName).toBe('Téléphone');
    });
  });
});
