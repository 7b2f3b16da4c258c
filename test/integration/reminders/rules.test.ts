import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import ICAL from 'ical.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db';
import { listReceipts } from '../../../sync-service/src/reminders/receipts';
import { upsertReminderPlan } from '../../../sync-service/src/reminders/db';
import { registerReminderScheduling } from '../../../sync-service/src/reminders/schedule';
import { DEFAULT_QUIET_HOURS } from '../../../shared/src/notifications/plan';
import { aPlace, anUsager, aWorker, bookRdv, cancelRdv, emitChange, hours, moveRdv, type TestWorker } from './builders';
import { startLoopback, type Loopback } from './setup';

// Tuesday 1 December 2026, 10:00 in Paris. The RDV: Tuesday 8 December, 14:30 in Paris.
const T0 = new Date('2026-12-01T09:00:00Z');
const RDV_AT = new Date('2026-12-08T13:30:00Z');
const REMINDER_AT = new Date(RDV_AT.getTime() - hours(48));

let db: TestDatabase;
let lb: Loopback;
let now = T0;
let worker: TestWorker;

beforeAll(async () => {
  registerReminderScheduling();
  db = await createTestDatabase();
  lb = await startLoopback();
  worker = aWorker(db.pool, { mailer: lb.mailer, sms: lb.sms, now: () => now });
});
afterEach(async () => {
  await db.pool.query(`delete from reminder_jobs where state = 'pending'`);
  lb.outbox.clear();
  now = T0;
});
afterAll(async () => {
  await lb.stop();
  await db.drop();
});

async function at(t: Date): Promise<number> {
  now = t;
  return worker.drain();
}

function ics(emailIndex: number) {
  const content = lb.outbox.emails[emailIndex].calendars[0].content;
  const cal = new ICAL.Component(ICAL.parse(content));
  return { method: cal.getFirstPropertyValue('method'), event: new ICAL.Event(cal.getFirstSubcomponent('vevent')!) };
}

describe('confirmation and reminder', () => {
  it('confirms a booking by SMS and email with an ICS, then reminds 48 hours before, not earlier', async () => {
    const place = await aPlace(db.pool);
    const usager = await anUsager(db.pool, place.territoryId);
    const rdv = await bookRdv(db.pool, place, { startsAt: RDV_AT, usagerIds: [usager], at: T0 });

    await at(T0);
    expect(lb.outbox.sms).toHaveLength(1);
    expect(lb.outbox.sms[0]).toMatchObject({ to: '+33612345678', sender: 'CD86-PMI', segments: 1 });
    expect(lb.outbox.sms[0].text).toMatch(/^RDV confirme: Consultation de puericulture le mar\. 08\/12 a 14h30, Maison des solidarites/);
    expect(lb.outbox.emails).toHaveLength(1);
    expect(lb.outbox.emails[0].envelopeTo).toEqual(['camille.martin@exemple.fr']);
    expect(lb.outbox.emails[0].subject).toBe('Votre rendez-vous est confirmé – mardi 8 décembre 2026 à 14 h 30');
    expect(lb.outbox.emails[0].text).toContain('Votre rendez-vous est confirmé.');
    const c = ics(0);
    expect(c.method).toBe('PUBLISH');
    expect(c.event.uid).toBe(rdv.uuid);
    expect(c.event.sequence).toBe(0);
    expect(c.event.startDate.toJSDate().toISOString()).toBe(RDV_AT.toISOString());

    await at(new Date(REMINDER_AT.getTime() - 60_000));
    expect(lb.outbox.sms).toHaveLength(1);
    await at(REMINDER_AT);
    expect(lb.outbox.sms.map((s) => s.text.slice(0, 11))).toEqual(['RDV confirm', 'Rappel RDV:']);
    expect(lb.outbox.emails.map((e) => e.subject.split(' – ')[0])).toEqual(['Votre rendez-vous est confirmé', 'Rappel de votre rendez-vous']);

    const receipts = await listReceipts(db.pool, rdv.id);
    expect(receipts.map((r) => [r.kind, r.channel, r.status, r.provider, r.segments]).sort()).toEqual([
      ['confirmation', 'email', 'sent', 'smtp', null],
      ['confirmation', 'sms', 'sent', 'sink', 1],
      ['reminder', 'email', 'sent', 'smtp', null],
      ['reminder', 'sms', 'sent', 'sink', 1],
    ]);
    expect(receipts.every((r) => r.providerMessageId)).toBe(true);
  });
});

describe('moving an RDV', () => {
  it('replaces its reminders and sends a modification with a higher ICS sequence', async () => {
    const place = await aPlace(db.pool);
    const usager = await anUsager(db.pool, place.territoryId);
    const rdv = await bookRdv(db.pool, place, { startsAt: RDV_AT, usagerIds: [usager], at: T0 });
    await at(T0);
    lb.outbox.clear();

    const moved = new Date('2026-12-10T09:00:00Z'); // Thursday 10:00 in Paris
    const t1 = new Date('2026-12-02T09:00:00Z');
    await moveRdv(db.pool, rdv.id, moved, t1);
    await at(t1);
    expect(lb.outbox.sms).toHaveLength(1);
    expect(lb.outbox.sms[0].text).toMatch(/^RDV modifie: .* le jeu\. 10\/12 a 10h00/);
    expect(lb.outbox.emails[0].subject).toBe('Votre rendez-vous a été modifié – jeudi 10 décembre 2026 à 10 h');
    const c = ics(0);
    expect(c.method).toBe('PUBLISH');
    expect(c.event.uid).toBe(rdv.uuid);
    expect(c.event.sequence).toBe(1);
    expect(c.event.startDate.toJSDate().toISOString()).toBe(moved.toISOString());

    lb.outbox.clear();
    expect(await at(REMINDER_AT)).toBe(0); // the old reminder time: nothing is due any more
    expect(lb.outbox.sms).toHaveLength(0);
    await at(new Date(moved.getTime() - hours(48)));
    expect(lb.outbox.sms).toHaveLength(1);
    expect(lb.outbox.sms[0].text).toMatch(/^Rappel RDV: .* 10\/12 a 10h00/);
    expect(lb.outbox.emails).toHaveLength(1);
  });

  it('sends no modification while the confirmation is still waiting, which carries the new time itself', async () => {
    const place = await aPlace(db.pool);
    const usager = await anUsager(db.pool, place.territoryId);
    const rdv = await bookRdv(db.pool, place, { startsAt: RDV_AT, usagerIds: [usager], at: T0 });
    const moved = new Date('2026-12-10T09:00:00Z');
    await moveRdv(db.pool, rdv.id, moved, T0);
    await at(T0);
    expect(lb.outbox.sms.map((s) => s.text.slice(0, 12))).toEqual(['RDV confirme']);
    expect(lb.outbox.sms[0].text).toContain('10/12 a 10h00');
  });
  it('tells the usager nothing when only the agent changes', async () => {
    const place = await aPlace(db.pool);
    const usager = await anUsager(db.pool, place.territoryId);
    const rdv = await bookRdv(db.pool, place, { startsAt: RDV_AT, usagerIds: [usager], at: T0 });
    await at(T0);
    lb.outbox.clear();
    await emitChange(db.pool, { kind: 'moved', rdvId: rdv.id, at: T0, previous: { startsAt: RDV_AT, lieuId: place.lieuId } });
    expect(await at(T0)).toBe(0);
    await at(REMINDER_AT);
    expect(lb.outbox.sms.map((s) => s.text.slice(0, 10))).toEqual(['Rappel RDV']);
  });

  it('sends a modification when only the lieu changes', async () => {
    const place = await aPlace(db.pool);
    const usager = await anUsager(db.pool, place.territoryId);
    const rdv = await bookRdv(db.pool, place, { startsAt: RDV_AT, usagerIds: [usager], at: T0 });
    await at(T0);
    lb.outbox.clear();
    const other = Number((await db.pool.query(`insert into lieux (organisation_id, name, address) values ($1, 'Antenne de Buxerolles', '3 rue du Stade') returning id`, [place.organisationId])).rows[0].id);
    await emitChange(db.pool, { kind: 'lieu_changed', rdvId: rdv.id, at: T0, previous: { startsAt: RDV_AT, lieuId: place.lieuId } },
      { text: 'update rdvs set lieu_id = $2, sequence = sequence + 1 where id = $1', values: [rdv.id, other] });
    await at(T0);
    expect(lb.outbox.sms).toHaveLength(1);
    expect(lb.outbox.sms[0].text).toMatch(/^RDV modifie: .*Antenne de Buxerolles/);
  });
});

describe('cancelling an RDV', () => {
  it('removes its reminders and sends a cancellation with an ICS CANCEL', async () => {
    const place = await aPlace(db.pool);
    const usager = await anUsager(db.pool, place.territoryId);
    const rdv = await bookRdv(db.pool, place, { startsAt: RDV_AT, usagerIds: [usager], at: T0 });
    await at(T0);
    lb.outbox.clear();

    const t1 = new Date('2026-12-03T09:00:00Z');
    await cancelRdv(db.pool, rdv.id, t1);
    await at(t1);
    expect(lb.outbox.sms).toHaveLength(1);
    expect(lb.outbox.sms[0].text).toMatch(/^RDV annule: .* Pour reprendre RDV: 0549000000$/);
    const c = ics(0);
    expect(c.method).toBe('CANCEL');
    expect(c.event.uid).toBe(rdv.uuid);
    expect(c.event.sequence).toBe(1);

    lb.outbox.clear();
    expect(await at(REMINDER_AT)).toBe(0);
    expect(lb.outbox.sms).toHaveLength(0);
    expect(lb.outbox.emails).toHaveLength(0);
  });

  it('sends the cancellation when the RDV is cancelled while its confirmations are on their way to the providers', async () => {
    const place = await aPlace(db.pool);
    const usager = await anUsager(db.pool, place.territoryId);
    const rdv = await bookRdv(db.pool, place, { startsAt: RDV_AT, usagerIds: [usager], at: T0 });
    // Providers that take their time: both confirmations are in their hands when the RDV is cancelled.
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    let handedOver = 0;
    const slow = <T extends { send: (m: never) => Promise<unknown> }>(provider: T): T => {
      const p = Object.create(provider) as T;
      p.send = (async (m: never) => { handedOver++; await gate; return provider.send(m); }) as T['send'];
      return p;
    };
    const slowWorker = aWorker(db.pool, { mailer: slow(lb.mailer), sms: slow(lb.sms), now: () => now });
    const draining = slowWorker.drain();
    for (let i = 0; handedOver < 2 && i < 1000; i++) await new Promise((r) => setTimeout(r, 5));
    expect(handedOver).toBe(2);
    const t1 = new Date(T0.getTime() + 60_000);
    await cancelRdv(db.pool, rdv.id, t1);
    release();
    await draining;
    await at(t1);
    expect(lb.outbox.sms.map((s) => s.text.split(':')[0])).toEqual(['RDV confirme', 'RDV annule']);
    expect(lb.outbox.emails.map((e) => e.subject.split(' – ')[0])).toEqual(['Votre rendez-vous est confirmé', 'Votre rendez-vous a été annulé']);
  });

  it('sends nothing at all when cancelled before the usager heard of it', async () => {
    const place = await aPlace(db.pool);
    const usager = await anUsager(db.pool, place.territoryId);
    const rdv = await bookRdv(db.pool, place, { startsAt: RDV_AT, usagerIds: [usager], at: T0 });
    await cancelRdv(db.pool, rdv.id, T0, 'excused');
    await at(T0);
    await at(REMINDER_AT);
    expect(lb.outbox.sms).toHaveLength(0);
    expect(lb.outbox.emails).toHaveLength(0);
  });

  it('is re-checked by the worker: an RDV cancelled without an event gets nothing but a receipt saying why', async () => {
    const place = await aPlace(db.pool);
    const usager = await anUsager(db.pool, place.territoryId);
    const rdv = await bookRdv(db.pool, place, { startsAt: RDV_AT, usagerIds: [usager], at: T0 });
    await at(T0);
    await db.pool.query(`update rdvs set status = 'revoked' where id = $1`, [rdv.id]);
    lb.outbox.clear();
    await at(REMINDER_AT);
    expect(lb.outbox.sms).toHaveLength(0);
    const dropped = (await listReceipts(db.pool, rdv.id)).filter((r) => r.status === 'dropped');
    expect(dropped.map((r) => [r.kind, r.channel, r.reason, r.reasonLabel]).sort()).toEqual([
      ['reminder', 'email', 'rdv_cancelled', 'RDV annulé'],
      ['reminder', 'sms', 'rdv_cancelled', 'RDV annulé'],
    ]);
  });
});

describe('quiet hours', () => {
  it('holds an SMS booked at night until 08:00 local time, while the email goes at once', async () => {
    const place = await aPlace(db.pool);
    const usager = await anUsager(db.pool, place.territoryId);
    const night = new Date('2026-12-01T21:30:00Z'); // 22:30 in Paris
    await bookRdv(db.pool, place, { startsAt: RDV_AT, usagerIds: [usager], at: night });
    await at(night);
    expect(lb.outbox.emails).toHaveLength(1);
    expect(lb.outbox.sms).toHaveLength(0);
    await at(new Date('2026-12-02T06:59:00Z'));
    expect(lb.outbox.sms).toHaveLength(0);
    await at(new Date('2026-12-02T07:00:00Z'));
    expect(lb.outbox.sms).toHaveLength(1);
  });

  it('holds a reminder the worker finds due at night, and uses the territory zone (Guadeloupe)', async () => {
    const place = await aPlace(db.pool, { timeZone: 'America/Guadeloupe' });
    const usager = await anUsager(db.pool, place.territoryId, { phone: '0690 12 34 56' });
    await bookRdv(db.pool, place, { startsAt: RDV_AT, usagerIds: [usager], at: T0 }); // 09:30 in Guadeloupe
    await at(new Date('2026-12-01T14:00:00Z')); // confirmations, 10:00 in Guadeloupe
    lb.outbox.clear();
    // The worker was down: the 48 h reminder (09:30 local) is first seen at 21:00 local on 6 December.
    await at(new Date('2026-12-07T01:00:00Z'));
    expect(lb.outbox.emails).toHaveLength(1);
    expect(lb.outbox.sms).toHaveLength(0);
    await at(new Date('2026-12-07T12:00:00Z')); // 08:00 in Guadeloupe
    expect(lb.outbox.sms).toHaveLength(1);
    expect(lb.outbox.sms[0].to).toBe('+590690123456');
    expect(lb.outbox.sms[0].text).toContain('08/12 a 9h30');
  });

  it('drops an SMS whose quiet period lasts until the start, with a receipt saying why', async () => {
    const place = await aPlace(db.pool);
    await upsertReminderPlan(db.pool, place.territoryId, {
      steps: [{ key: 'jour-meme', atLocalTime: '07:30', channels: ['sms'] }], quietHours: DEFAULT_QUIET_HOURS,
    });
    const usager = await anUsager(db.pool, place.territoryId);
    const early = new Date('2026-12-08T07:00:00Z'); // 08:00 in Paris
    const rdv = await bookRdv(db.pool, place, { startsAt: early, usagerIds: [usager], at: T0 });
    await at(T0);
    lb.outbox.clear();
    await at(new Date('2026-12-08T06:59:00Z'));
    expect(lb.outbox.sms).toHaveLength(0);
    const dropped = (await listReceipts(db.pool, rdv.id)).filter((r) => r.status === 'dropped');
    expect(dropped.map((r) => [r.kind, r.channel, r.reason])).toEqual([['reminder', 'sms', 'quiet_hours']]);
    expect(dropped[0].reasonLabel).toBe("heures calmes jusqu'au début du RDV");
  });
});

describe('who is notified', () => {
  it('honours the usager opting out of SMS or email', async () => {
    const place = await aPlace(db.pool);
    const noSms = await anUsager(db.pool, place.territoryId, { notifyBySms: false, email: 'a@exemple.fr' });
    const noEmail = await anUsager(db.pool, place.territoryId, { notifyByEmail: false, phone: '0712345678' });
    await bookRdv(db.pool, place, { startsAt: RDV_AT, usagerIds: [noSms], at: T0 });
    await bookRdv(db.pool, place, { startsAt: new Date(RDV_AT.getTime() + hours(1)), usagerIds: [noEmail], at: T0 });
    await at(T0);
    await at(REMINDER_AT);
    await at(new Date(REMINDER_AT.getTime() + hours(1)));
    expect(lb.outbox.sms.map((s) => s.to)).toEqual(['+33712345678', '+33712345678']);
    expect(lb.outbox.emails.map((e) => e.envelopeTo[0])).toEqual(['a@exemple.fr', 'a@exemple.fr']);
    expect(lb.outbox.sms.map((s) => s.text.slice(0, 10))).toEqual(['RDV confir', 'Rappel RDV']);
  });

  it('re-checks the opt-out just before sending', async () => {
    const place = await aPlace(db.pool);
    const usager = await anUsager(db.pool, place.territoryId);
    const rdv = await bookRdv(db.pool, place, { startsAt: RDV_AT, usagerIds: [usager], at: T0 });
    await at(T0);
    await db.pool.query('update usagers set notify_by_sms = false where id = $1', [usager]);
    lb.outbox.clear();
    await at(REMINDER_AT);
    expect(lb.outbox.sms).toHaveLength(0);
    expect(lb.outbox.emails).toHaveLength(1);
    expect((await listReceipts(db.pool, rdv.id)).find((r) => r.status === 'dropped')?.reason).toBe('usager_opted_out');
  });

  it('sends nothing for a motif that is invisible or not notified', async () => {
    for (const visibility of ['invisible', 'visible_and_not_notified']) {
      const place = await aPlace(db.pool, { visibility });
      const usager = await anUsager(db.pool, place.territoryId);
      const rdv = await bookRdv(db.pool, place, { startsAt: RDV_AT, usagerIds: [usager], at: T0 });
      await cancelRdv(db.pool, rdv.id, new Date(T0.getTime() + hours(1)));
      await at(T0);
      await at(REMINDER_AT);
      expect((await db.pool.query('select count(*)::int as n from reminder_jobs where rdv_id = $1', [rdv.id])).rows[0].n).toBe(0);
    }
    expect(lb.outbox.sms).toHaveLength(0);
    expect(lb.outbox.emails).toHaveLength(0);
  });

  it('confirms but does not remind for a motif with reminders off', async () => {
    const place = await aPlace(db.pool, { remindersEnabled: false });
    const usager = await anUsager(db.pool, place.territoryId);
    await bookRdv(db.pool, place, { startsAt: RDV_AT, usagerIds: [usager], at: T0 });
    await at(T0);
    await at(REMINDER_AT);
    expect(lb.outbox.sms.map((s) => s.text.slice(0, 12))).toEqual(['RDV confirme']);
  });

  it('notifies the responsible usager for a relative', async () => {
    const place = await aPlace(db.pool);
    const parent = await anUsager(db.pool, place.territoryId, { firstName: 'Sophie', phone: '06 98 76 54 32', email: 'sophie@exemple.fr' });
    const child = await anUsager(db.pool, place.territoryId, { firstName: 'Léa', phone: null, email: null, responsibleId: parent });
    const rdv = await bookRdv(db.pool, place, { startsAt: RDV_AT, usagerIds: [child], at: T0 });
    await at(T0);
    expect(lb.outbox.sms.map((s) => s.to)).toEqual(['+33698765432']);
    expect(lb.outbox.emails[0].envelopeTo).toEqual(['sophie@exemple.fr']);
    expect(lb.outbox.emails[0].subject).toContain('(Léa)');
    const receipts = await listReceipts(db.pool, rdv.id);
    expect(receipts.every((r) => r.usagerId === child && r.recipientId === parent)).toBe(true);
  });

  it('follows the feature switches, the most specific one winning', async () => {
    const off = await aPlace(db.pool, { sms: false, email: false });
    await bookRdv(db.pool, off, { startsAt: RDV_AT, usagerIds: [await anUsager(db.pool, off.territoryId)], at: T0 });
    const smsOffHere = await aPlace(db.pool);
    await db.pool.query(`insert into feature_switches (territory_id, organisation_id, feature, enabled) values ($1, $2, 'sms_reminders', false)`,
      [smsOffHere.territoryId, smsOffHere.organisationId]);
    await bookRdv(db.pool, smsOffHere, { startsAt: RDV_AT, usagerIds: [await anUsager(db.pool, smsOffHere.territoryId, { email: 'org@exemple.fr' })], at: T0 });
    const pilot = await aPlace(db.pool, { sms: false, email: false });
    await db.pool.query(`insert into feature_switches (territory_id, organisation_id, service_id, feature, enabled) values ($1, $2, $3, 'sms_reminders', true)`,
      [pilot.territoryId, pilot.organisationId, pilot.serviceId]);
    await bookRdv(db.pool, pilot, { startsAt: RDV_AT, usagerIds: [await anUsager(db.pool, pilot.territoryId, { phone: '0611111111' })], at: T0 });
    await at(T0);
    expect(lb.outbox.emails.map((e) => e.envelopeTo[0])).toEqual(['org@exemple.fr']);
    expect(lb.outbox.sms.map((s) => s.to)).toEqual(['+33611111111']);
  });

  it('sends SMS to a foreign mobile only where international SMS are switched on', async () => {
    const national = await aPlace(db.pool, { email: false });
    const rdvOff = await bookRdv(db.pool, national, { startsAt: RDV_AT, usagerIds: [await anUsager(db.pool, national.territoryId, { phone: '+447911123456', email: null })], at: T0 });
    const abroad = await aPlace(db.pool, { email: false });
    await db.pool.query(`insert into feature_switches (territory_id, feature, enabled) values ($1, 'international_sms', true)`, [abroad.territoryId]);
    await bookRdv(db.pool, abroad, { startsAt: RDV_AT, usagerIds: [await anUsager(db.pool, abroad.territoryId, { phone: '+32470123456', email: null })], at: T0 });
    await at(T0);
    expect(lb.outbox.sms.map((s) => s.to)).toEqual(['+32470123456']);
    // Like a landline, a number that may not receive SMS gets no SMS planned at all.
    expect((await db.pool.query(`select count(*) from reminder_jobs where rdv_id = $1 and channel = 'sms'`, [rdvOff.id])).rows[0].count).toBe(0);
  });

  it('gives newcomers a confirmation and drops the messages of those who left', async () => {
    const place = await aPlace(db.pool);
    const first = await anUsager(db.pool, place.territoryId, { phone: '0611111111', email: null });
    const second = await anUsager(db.pool, place.territoryId, { phone: '0622222222', email: null });
    const rdv = await bookRdv(db.pool, place, { startsAt: RDV_AT, usagerIds: [first], at: T0 });
    await at(T0);
    await emitChange(db.pool, { kind: 'participants_changed', rdvId: rdv.id, at: T0 }, {
      text: 'with d as (delete from participations where rdv_id = $1 and usager_id = $2) insert into participations (rdv_id, usager_id) values ($1, $3)',
      values: [rdv.id, first, second],
    });
    await at(T0);
    await at(REMINDER_AT);
    expect(lb.outbox.sms.map((s) => `${s.to} ${s.text.slice(0, 10)}`)).toEqual([
      '+33611111111 RDV confir', '+33622222222 RDV confir', '+33622222222 Rappel RDV',
    ]);
  });
});

describe('after the start', () => {
  it('sends nothing once the RDV has started, and says so on the receipts', async () => {
    const place = await aPlace(db.pool);
    const usager = await anUsager(db.pool, place.territoryId);
    const rdv = await bookRdv(db.pool, place, { startsAt: RDV_AT, usagerIds: [usager], at: T0 });
    await at(new Date(RDV_AT.getTime() + 60_000)); // the worker was down the whole time
    expect(lb.outbox.sms).toHaveLength(0);
    expect(lb.outbox.emails).toHaveLength(0);
    const receipts = await listReceipts(db.pool, rdv.id);
    expect(receipts).toHaveLength(4);
    expect(receipts.every((r) => r.status === 'dropped' && r.reason === 'rdv_started')).toBe(true);
  });
});
