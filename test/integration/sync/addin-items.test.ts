/**
 * The add-in opened on an Outlook appointment, and RDVs booked from an appointment being composed, through the real
 * API, a real PostgreSQL and the Microsoft 365 emulator (real msal-node and Graph SDKs). "Outlook" here is the
 * emulator's user acting on their own calendar: it saves items with the add-in's custom property and hands out
 * REST ids, as Outlook and convertToRestId do.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { addinCustomPropertiesId } from '../../../shared/src/sync/addin-item';
import { updateMailbox, upsertMailbox } from '../../../sync-service/src/data/sync';
import { createJobRunner } from '../../../sync-service/src/queue/runner';
import { RDV_LINK_PROPERTY } from '../../../sync-service/src/sync/graph';
import { runInboundRound } from '../../../sync-service/src/sync/inbound';
import { outboundHandler } from '../../../sync-service/src/sync/outbound';
import { registerOutboxListener } from '../../../sync-service/src/sync/outbox';
import { SYNC_JOBS } from '../../../sync-service/src/sync/types';
import { aWorld } from '../../helpers/builders';
import { startTestService } from '../../helpers/service';
import { enableOutlookSync, SYNC_NOW, startSyncWorld, type SyncWorld } from '../../helpers/sync-ops-world';
import pino from 'pino';

let sw: SyncWorld;
let unregister: () => void;
let A: number;
let CECP: string;

beforeAll(async () => {
  sw = await startSyncWorld();
  await enableOutlookSync(sw, sw.w.orgA);
  unregister = registerOutboxListener();
  A = sw.w.agentA.id;
  CECP = addinCustomPropertiesId(sw.config.addinId);
  for (const key of ['agentA', 'adminB'] as const) {
    await upsertMailbox(sw.deps.pool, sw.w[key].id, sw.userOf[key].upn, `client-state-${key}`);
    await updateMailbox(sw.deps.pool, sw.w[key].id, { state: 'connected', connectedAt: SYNC_NOW });
  }
  await runInboundRound(sw.deps, A, { full: true }); // the window's state before the tests
}, 60_000);
afterAll(async () => { unregister?.(); await sw?.stop(); });

/** Runs the outbound jobs that are due, as the service does. */
async function drainOutbound(deps = sw.deps) {
  const runner = createJobRunner({ pool: sw.deps.pool, logger: pino({ level: 'silent' }), pollMs: 20, retryBaseMs: 50, handlers: { [SYNC_JOBS.outbound.kind]: outboundHandler(deps) } });
  runner.start();
  await runner.idle();
  await runner.stop();
}

const outlook = (key: 'agentA' | 'agentA2' | 'adminB') => sw.emulator.control.userEvent(sw.userOf[key].id);
const graphTime = (iso: string) => ({ dateTime: iso.replace(/Z$/, ''), timeZone: 'UTC' });
/** Every item of agentA's calendar starting at this instant (ours or not). */
const itemsAt = (iso: string) => outlook('agentA').list({ immutableId: true }).filter((e: any) => new Date(`${e.start.dateTime.slice(0, 23)}Z`).toISOString() === iso);
const prop = (e: any, id: string) => (e.singleValueExtendedProperties ?? []).find((p: { id: string }) => p.id.toLowerCase() === id.toLowerCase())?.value;

async function book(startsAt: string, extra: Record<string, unknown> = {}) {
  const res = await sw.svc.as(sw.w.agentA.email).post('/api/rdvs', {
    motifId: sw.w.motifA, lieuId: sw.w.lieuA, startsAt, agentIds: [A], usagerIds: [sw.w.usagerA], channel: 'addin', ...extra,
  });
  expect(res.status).toBe(201);
  return res.body;
}

/** Outlook saving the appointment the pane filled and tagged: answers its REST id (what convertToRestId gives). */
async function saveInOutlook(key: 'agentA' | 'agentA2', fill: { subject: string; start: string; end: string; location: string }, rdvLink: string) {
  const item = await outlook(key).create({
    subject: fill.subject, start: graphTime(fill.start), end: graphTime(fill.end), location: { displayName: fill.location },
    attendees: [{ emailAddress: { address: 'collegue@testville.example' }, type: 'required' }],
    singleValueExtendedProperties: [{ id: CECP, value: JSON.stringify({ rdvLink }) }],
  });
  return item.id as string;
}

/** Busy blocks of agentA starting at this instant. */
async function blocksAt(iso: string) {
  return (await sw.deps.pool.query('select source_id from busy_blocks where agent_id = $1 and starts_at = $2', [A, new Date(iso)])).rows;
}

/** The business clock past the grace period, and the drain it made due run, as the service does. */
async function passGrace(deps = sw.deps) {
  try {
    sw.setNow(new Date(SYNC_NOW.getTime() + 16 * 60_000));
    // The queue's time reaches the job's run_at.
    await sw.deps.pool.query('update jobs set run_at = clock_timestamp() where singleton_key = $1', [SYNC_JOBS.outbound.graceKey(A)]);
    await drainOutbound(deps);
  } finally {
    sw.setNow(SYNC_NOW);
  }
}

async function link(rdvId: number) {
  const { rows } = await sw.deps.pool.query('select event_id, addin_item_until from outlook_events where rdv_id = $1 and agent_id = $2', [rdvId, A]);
  return rows[0];
}

describe('GET /api/outlook/items/{itemId}/rdv', () => {
  it('should answer the RDV of one of our events, read by its REST id, in the shape of the RDV detail', async () => {
    const rdv = await book('2026-03-03T09:00:00Z');
    await drainOutbound();
    const [event] = outlook('agentA').list().filter((e: any) => prop(e, RDV_LINK_PROPERTY) === `${rdv.id}/${A}`);
    const res = await sw.svc.as(sw.w.agentA.email).get(`/api/outlook/items/${encodeURIComponent(event.id as string)}/rdv`);
    expect(res.status).toBe(200);
    const detail = await sw.svc.as(sw.w.agentA.email).get(`/api/rdvs/${rdv.id}`);
    expect(res.body).toEqual(detail.body);
    expect(res.body.participants.map((p: { usagerId: number }) => p.usagerId)).toEqual([sw.w.usagerA]);
  });

  it('should answer 404 in French for an event that is not ours, and the same for one the caller may not see', async () => {
    const meeting = await outlook('agentA').create({ subject: 'Réunion d’équipe', start: graphTime('2026-03-03T13:00:00Z'), end: graphTime('2026-03-03T14:00:00Z') });
    const notOurs = await sw.svc.as(sw.w.agentA.email).get(`/api/outlook/items/${meeting.id}/rdv`);
    expect(notOurs.status).toBe(404);
    expect(notOurs.body.error.message).toMatch(/n'est pas un rendez-vous de RDV Outlook/);

    // In adminB's own calendar, an event carrying the RdvLink of an RDV of an organisation adminB has no role in.
    const rdv = await book('2026-03-03T10:00:00Z');
    const foreign = await outlook('adminB').create({
      subject: 'copie', start: graphTime('2026-03-03T10:00:00Z'), end: graphTime('2026-03-03T10:30:00Z'),
      singleValueExtendedProperties: [{ id: RDV_LINK_PROPERTY, value: `${rdv.id}/${A}` }],
    });
    const notAllowed = await sw.svc.as(sw.w.adminB.email).get(`/api/outlook/items/${foreign.id}/rdv`);
    expect(notAllowed.status).toBe(404);
    expect(notAllowed.body).toEqual(notOurs.body);
  });

  it("should answer 404 for another agent's event (not in the caller's mailbox) and for an unknown id, 422 for a malformed one", async () => {
    const rdv = await book('2026-03-03T11:00:00Z');
    await drainOutbound();
    const [event] = outlook('agentA').list().filter((e: any) => prop(e, RDV_LINK_PROPERTY) === `${rdv.id}/${A}`);
    const otherAgent = await sw.svc.as(sw.w.adminB.email).get(`/api/outlook/items/${event.id}/rdv`);
    expect(otherAgent.status).toBe(404);
    expect((await sw.svc.as(sw.w.agentA.email).get('/api/outlook/items/AAMkAGnothinghere/rdv')).status).toBe(404);
    const malformed = await sw.svc.as(sw.w.agentA.email).get(`/api/outlook/items/${encodeURIComponent('pas un id')}/rdv`);
    expect(malformed.status).toBe(422);
    expect(malformed.body.error.field).toBe('itemId');
  });

  it('should answer 409 in French when the caller\'s calendar is not connected', async () => {
    const res = await sw.svc.as(sw.w.agentA2.email).get('/api/outlook/items/AAMkAGanything/rdv');
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'not_connected' });
    expect(res.body.error.message).toMatch(/agenda Outlook n'est pas connecté/);
  });

  it('should answer 409 in French when the sync is off, for both routes', async () => {
    const svc = await startTestService();
    try {
      const w = await aWorld(svc.db.pool);
      const get = await svc.as(w.agentA.email).get('/api/outlook/items/AAMkAGanything/rdv');
      const post = await svc.as(w.agentA.email).post('/api/outlook/items', { rdvId: 1, itemId: 'AAMkAGanything' });
      for (const res of [get, post]) {
        expect(res.status).toBe(409);
        expect(res.body.error).toMatchObject({ code: 'sync_off' });
        expect(res.body.error.message).toMatch(/synchronisation Outlook n'est pas activée/);
      }
    } finally {
      await svc.stop();
    }
  });
});

describe('Booking from an appointment being composed', () => {
  it('should have the pane fill the item with the outbound text, adopt the reported item, and leave exactly one event', async () => {
    const rdv = await book('2026-03-04T09:00:00Z', { outlookItem: 'compose' });
    expect(rdv.outlookEvent).toEqual({
      subject: 'RDV : Consultation PMI', location: expect.stringContaining('Centre Nord'),
      start: '2026-03-04T09:00:00.000Z', end: '2026-03-04T09:30:00.000Z', customProperty: { name: 'rdvLink', value: `${rdv.id}/${A}` },
    });
    await drainOutbound();
    expect(itemsAt('2026-03-04T09:00:00.000Z')).toEqual([]); // the outbound waits for the add-in's item

    const restId = await saveInOutlook('agentA', rdv.outlookEvent, rdv.outlookEvent.customProperty.value);
    const report = await sw.svc.as(sw.w.agentA.email).post('/api/outlook/items', { rdvId: rdv.id, itemId: restId });
    expect(report.status).toBe(200);
    await drainOutbound();

    const items = itemsAt('2026-03-04T09:00:00.000Z');
    expect(items).toHaveLength(1);
    expect(items[0].id).toBe(report.body.eventId);
    expect(items[0]).toMatchObject({ sensitivity: 'private', showAs: 'busy', attendees: [], subject: 'RDV : Consultation PMI' });
    expect(prop(items[0], RDV_LINK_PROPERTY)).toBe(`${rdv.id}/${A}`);
    expect(await link(rdv.id)).toMatchObject({ event_id: report.body.eventId, addin_item_until: expect.any(Date) }); // kept: the mark of a compose booking
    // The same report again is answered the same, and changes nothing.
    const again = await sw.svc.as(sw.w.agentA.email).post('/api/outlook/items', { rdvId: rdv.id, itemId: restId });
    expect(again.body).toEqual(report.body);
  });

  it('should let the outbound create its own event once the grace period is over without a report', async () => {
    const rdv = await book('2026-03-04T10:00:00Z', { outlookItem: 'compose' });
    await drainOutbound();
    expect(itemsAt('2026-03-04T10:00:00.000Z')).toEqual([]);
    const { rows } = await sw.deps.pool.query(`select extract(epoch from run_at - clock_timestamp()) as wait from jobs where singleton_key = $1`, [SYNC_JOBS.outbound.graceKey(A)]);
    expect(rows).toHaveLength(1);
    expect(Number(rows[0].wait)).toBeGreaterThan(14 * 60); // due when the 15 minutes (business clock) are over

    await passGrace();
    const items = itemsAt('2026-03-04T10:00:00.000Z');
    expect(items).toHaveLength(1);
    expect(prop(items[0], RDV_LINK_PROPERTY)).toBe(`${rdv.id}/${A}`);
  });

  it('should refuse in French a report of an item at other times or in another mailbox, and keep waiting', async () => {
    const rdv = await book('2026-03-04T11:00:00Z', { outlookItem: 'compose' });
    const moved = await saveInOutlook('agentA', { ...rdv.outlookEvent, start: '2026-03-04T11:30:00Z', end: '2026-03-04T12:00:00Z' }, `${rdv.id}/${A}`);
    const otherTimes = await sw.svc.as(sw.w.agentA.email).post('/api/outlook/items', { rdvId: rdv.id, itemId: moved });
    expect(otherTimes.status).toBe(422);
    expect(otherTimes.body.error).toMatchObject({ code: 'item_mismatch', field: 'itemId' });
    expect(otherTimes.body.error.message).toMatch(/ne correspond pas au rendez-vous/);

    const elsewhere = await saveInOutlook('agentA2', rdv.outlookEvent, `${rdv.id}/${A}`);
    const otherMailbox = await sw.svc.as(sw.w.agentA.email).post('/api/outlook/items', { rdvId: rdv.id, itemId: elsewhere });
    expect(otherMailbox.status).toBe(422);
    expect(otherMailbox.body.error).toMatchObject({ code: 'item_not_found', field: 'itemId' });
    expect(otherMailbox.body.error.message).toMatch(/introuvable dans votre calendrier/);

    expect(await link(rdv.id)).toMatchObject({ event_id: null, addin_item_until: expect.any(Date) });
  });

  it('should adopt in the inbound round an item tagged by the add-in that arrives before the report', async () => {
    const rdv = await book('2026-03-04T14:00:00Z', { outlookItem: 'compose' });
    await drainOutbound();
    const restId = await saveInOutlook('agentA', rdv.outlookEvent, `${rdv.id}/${A}`);
    await runInboundRound(sw.deps, A);
    expect(await link(rdv.id)).toMatchObject({ event_id: expect.any(String), addin_item_until: expect.any(Date) });
    await drainOutbound();
    const items = itemsAt('2026-03-04T14:00:00.000Z');
    expect(items).toHaveLength(1);
    const blocks = await sw.deps.pool.query('select 1 from busy_blocks where agent_id = $1 and source_id = $2', [A, items[0].id]);
    expect(blocks.rows).toEqual([]); // ours, never a busy block
    expect(prop(items[0], RDV_LINK_PROPERTY)).toBe(`${rdv.id}/${A}`);
    const report = await sw.svc.as(sw.w.agentA.email).post('/api/outlook/items', { rdvId: rdv.id, itemId: restId });
    expect(report.status).toBe(200);
    expect(report.body.eventId).toBe(items[0].id);
  });

  it('should adopt, once the grace period is over, an item whose report and notification were both lost, rather than create a second event', async () => {
    const rdv = await book('2026-03-06T09:00:00Z', { outlookItem: 'compose' });
    await drainOutbound();
    const sub = await sw.gateway.createSubscription(sw.userOf.agentA.upn, {
      notificationUrl: sw.receiver.url, lifecycleNotificationUrl: sw.receiver.url, clientState: 'addin-items', expiresAt: new Date(Date.now() + 3_600_000),
    });
    try {
      sw.emulator.control.injectFault(sw.userOf.agentA.id, { kind: 'dropNotifications', count: 1 });
      const notified = sw.receiver.notifications().length;
      await saveInOutlook('agentA', rdv.outlookEvent, `${rdv.id}/${A}`); // and the pane's report never arrives
      await sw.emulator.control.flushNotifications();
      expect(sw.receiver.notifications()).toHaveLength(notified); // Graph's notification of the item is lost too
    } finally {
      await sw.gateway.deleteSubscription(sw.userOf.agentA.upn, sub.id);
    }
    await passGrace();

    const items = itemsAt('2026-03-06T09:00:00.000Z');
    expect(items).toHaveLength(1);
    expect(prop(items[0], CECP)).toBe(JSON.stringify({ rdvLink: `${rdv.id}/${A}` })); // the add-in's item, not one of ours
    expect(items[0]).toMatchObject({ sensitivity: 'private', showAs: 'busy', attendees: [], subject: 'RDV : Consultation PMI' });
    expect(prop(items[0], RDV_LINK_PROPERTY)).toBe(`${rdv.id}/${A}`);
    expect(await link(rdv.id)).toMatchObject({ event_id: items[0].id });
    await runInboundRound(sw.deps, A);
    expect(itemsAt('2026-03-06T09:00:00.000Z')).toHaveLength(1);
    expect(await blocksAt('2026-03-06T09:00:00Z')).toEqual([]);
  });

  it('should delete an item saved from the add-in after the service made the event itself, instead of keeping it as busy time', async () => {
    const rdv = await book('2026-03-06T10:00:00Z', { outlookItem: 'compose' });
    await drainOutbound();
    await passGrace();
    const [ours] = itemsAt('2026-03-06T10:00:00.000Z');
    expect(prop(ours, RDV_LINK_PROPERTY)).toBe(`${rdv.id}/${A}`);
    // The agent saves the appointment only now: the report is refused (our event exists), the round meets the item.
    const late = await saveInOutlook('agentA', rdv.outlookEvent, `${rdv.id}/${A}`);
    const report = await sw.svc.as(sw.w.agentA.email).post('/api/outlook/items', { rdvId: rdv.id, itemId: late });
    expect(report.body.error).toMatchObject({ code: 'event_exists' });
    await runInboundRound(sw.deps, A);

    const items = itemsAt('2026-03-06T10:00:00.000Z');
    expect(items.map((e: any) => e.id)).toEqual([ours.id]);
    expect(await link(rdv.id)).toMatchObject({ event_id: ours.id });
    expect(await blocksAt('2026-03-06T10:00:00Z')).toEqual([]);
  });

  it('should delete its own event, not the item, when the pane\'s report is adopted while the service creates the event', async () => {
    const rdv = await book('2026-03-06T14:00:00Z', { outlookItem: 'compose' });
    await drainOutbound();
    // The grace period ends while the agent saves: the report arrives after the drain looked for the item and before
    // its create is recorded.
    let itemId = '';
    const gateway = Object.create(sw.deps.gateway) as typeof sw.deps.gateway;
    gateway.createEvent = async (...args) => {
      const restId = await saveInOutlook('agentA', rdv.outlookEvent, `${rdv.id}/${A}`);
      const report = await sw.svc.as(sw.w.agentA.email).post('/api/outlook/items', { rdvId: rdv.id, itemId: restId });
      expect(report.status).toBe(200);
      itemId = report.body.eventId;
      return sw.deps.gateway.createEvent(...args);
    };
    await passGrace({ ...sw.deps, gateway });
    expect(itemsAt('2026-03-06T14:00:00.000Z').map((e: any) => e.id)).toEqual([itemId]);
    expect(await link(rdv.id)).toMatchObject({ event_id: itemId });
    await drainOutbound(); // the adoption's write: the item becomes ours
    const [item] = itemsAt('2026-03-06T14:00:00.000Z');
    expect(prop(item, RDV_LINK_PROPERTY)).toBe(`${rdv.id}/${A}`);
    expect(item).toMatchObject({ sensitivity: 'private', attendees: [] });
  });

  it('should ask Graph nothing more than the item and its update when the report arrives', async () => {
    const rdv = await book('2026-03-06T11:00:00Z', { outlookItem: 'compose' });
    await drainOutbound();
    const restId = await saveInOutlook('agentA', rdv.outlookEvent, `${rdv.id}/${A}`);
    sw.emulator.control.clearRequestLog();
    const report = await sw.svc.as(sw.w.agentA.email).post('/api/outlook/items', { rdvId: rdv.id, itemId: restId });
    expect(report.status).toBe(200);
    await drainOutbound();
    await runInboundRound(sw.deps, A);
    const kinds = sw.emulator.control.requestLog({ userId: sw.userOf.agentA.id }).map((e) => e.kind);
    expect(kinds).toEqual(['events.get', 'events.update', 'calendarView.delta']);
    expect(itemsAt('2026-03-06T11:00:00.000Z')).toHaveLength(1);
  });

  it('should book as usual, with nothing waiting, when the caller\'s calendar is not connected', async () => {
    const res = await sw.svc.as(sw.w.agentA2.email).post('/api/rdvs', {
      motifId: sw.w.motifA, lieuId: sw.w.lieuA, startsAt: '2026-03-05T09:00:00Z', agentIds: [sw.w.agentA2.id], usagerIds: [sw.w.usagerA], outlookItem: 'compose',
    });
    expect(res.status).toBe(201);
    expect(res.body.outlookEvent).toBeNull();
  });
});
