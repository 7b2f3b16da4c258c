import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '../../helpers/db';
import { listReceipts, listScheduledMessages } from '../../../sync-service/src/reminders/receipts';
import { registerReminderScheduling } from '../../../sync-service/src/reminders/schedule';
import { insertReceipt } from '../../../sync-service/src/reminders/db';
import { aPlace, anUsager, aWorker, bookRdv } from './builders';
import { startLoopback, type Loopback } from './setup';

const T0 = new Date('2026-12-01T09:00:00Z');
const RDV_AT = new Date('2026-12-08T13:30:00Z');

let db: TestDatabase;
let lb: Loopback;
let now = T0;

beforeAll(async () => {
  registerReminderScheduling();
  db = await createTestDatabase();
  lb = await startLoopback();
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

async function oneBooking(opts: { email?: string | null; phone?: string | null } = {}) {
  const place = await aPlace(db.pool);
  const usager = await anUsager(db.pool, place.territoryId, opts);
  return bookRdv(db.pool, place, { startsAt: RDV_AT, usagerIds: [usager], at: T0 });
}

async function jobOf(rdvId: number, channel: string) {
  return (await db.pool.query(`select * from reminder_jobs where rdv_id = $1 and channel = $2 and kind = 'confirmation'`, [rdvId, channel])).rows[0];
}

describe('delivery failures', () => {
  it('retries an SMS refused for a transient reason after a backoff, then records it sent', async () => {
    const worker = aWorker(db.pool, { mailer: null, sms: lb.sms, now: () => now });
    const rdv = await oneBooking({ email: null });
    lb.smsSink.failNext(1, 503);
    await worker.drain();
    expect(lb.outbox.sms).toHaveLength(0);
    expect((await jobOf(rdv.id, 'sms')).state).toBe('pending');
    now = new Date(T0.getTime() + 59_000);
    await worker.drain();
    expect(lb.outbox.sms).toHaveLength(0);
    now = new Date(T0.getTime() + 60_000);
    await worker.drain();
    expect(lb.outbox.sms).toHaveLength(1);
    const receipts = await listReceipts(db.pool, rdv.id);
    expect(receipts.map((r) => [r.attempt, r.status, r.reason])).toEqual([[1, 'retrying', 'unavailable'], [2, 'sent', null]]);
  });

  it('marks an SMS failed at once when the provider refuses it for good, and after the last retry otherwise', async () => {
    const worker = aWorker(db.pool, { mailer: null, sms: lb.sms, now: () => now });
    const refused = await oneBooking({ email: null });
    lb.smsSink.failNext(1, 400);
    await worker.drain();
    expect((await jobOf(refused.id, 'sms')).state).toBe('failed');
    expect((await listReceipts(db.pool, refused.id)).map((r) => r.status)).toEqual(['failed']);

    const down = await oneBooking({ email: null });
    lb.smsSink.failNext(3, 503);
    for (const dt of [0, 60, 60 + 240]) { now = new Date(T0.getTime() + dt * 1000); await worker.drain(); }
    expect((await jobOf(down.id, 'sms')).state).toBe('failed');
    expect((await listReceipts(db.pool, down.id)).map((r) => r.status)).toEqual(['retrying', 'retrying', 'failed']);
    expect(lb.outbox.sms).toHaveLength(0);
  });

  it('retries an email after an SMTP 4xx reply and fails it after a 5xx reply', async () => {
    const worker = aWorker(db.pool, { mailer: lb.mailer, sms: null, now: () => now });
    const later = await oneBooking({ phone: null });
    lb.smtp.rejectNext(1, 451);
    await worker.drain();
    now = new Date(T0.getTime() + 60_000);
    await worker.drain();
    expect((await listReceipts(db.pool, later.id)).map((r) => [r.status, r.reason])).toEqual([['retrying', 'smtp_451'], ['sent', null]]);
    const never = await oneBooking({ phone: null });
    lb.smtp.rejectNext(1, 550);
    await worker.drain();
    expect((await listReceipts(db.pool, never.id)).map((r) => [r.status, r.reason])).toEqual([['failed', 'smtp_550']]);
    expect(lb.outbox.emails).toHaveLength(1);
  });
});

describe('a crash between the provider accepting a message and our commit', () => {
  /** What a worker that died right after the provider took the message leaves behind: the ledger row `sending`. */
  async function crashAfterProviderAccepted(rdvId: number, deliver: (key: string) => Promise<unknown>) {
    const job = await jobOf(rdvId, 'sms');
    await db.pool.query('update reminder_jobs set attempts = 1 where id = $1', [job.id]);
    await insertReceipt(db.pool, {
      jobId: Number(job.id), rdvId, usagerId: Number(job.usager_id), recipientId: Number(job.recipient_id), kind: 'confirmation',
      channel: 'sms', attempt: 1, provider: 'sink', status: 'sending', segments: 1, idempotencyKey: job.idempotency_key,
    }, T0);
    await deliver(job.idempotency_key);
    return job;
  }

  it('resends with the same idempotency key to a provider that honours it, which delivers it once', async () => {
    const worker = aWorker(db.pool, { mailer: null, sms: lb.sms, now: () => now });
    const rdv = await oneBooking({ email: null });
    const job = await crashAfterProviderAccepted(rdv.id, (key) => lb.sms.send({ to: '+33612345678', text: 'RDV confirme', sender: 'CD86-PMI', idempotencyKey: key }));
    await worker.drain();
    expect(lb.outbox.sms).toHaveLength(1);
    expect(lb.outbox.smsReplays).toBe(1);
    expect((await jobOf(rdv.id, 'sms')).state).toBe('sent');
    const receipts = await listReceipts(db.pool, rdv.id);
    expect(receipts.map((r) => [r.attempt, r.status])).toEqual([[1, 'in_doubt'], [2, 'sent']]);
    expect(receipts[1].providerMessageId).toBe(lb.outbox.sms[0].id);
    expect(job.idempotency_key).toBe(lb.outbox.sms[0].key);
  });

  it('does not resend to a provider without idempotency keys, and leaves an in-doubt receipt instead', async () => {
    const worker = aWorker(db.pool, { mailer: null, sms: lb.smsWithoutKey, now: () => now });
    const rdv = await oneBooking({ email: null });
    await crashAfterProviderAccepted(rdv.id, () => lb.smsWithoutKey.send({ to: '+33612345678', text: 'RDV confirme', sender: 'CD86-PMI', idempotencyKey: 'x' }));
    const requestsBefore = lb.smsSink.requests;
    await worker.drain();
    expect(lb.smsSink.requests).toBe(requestsBefore);
    expect(lb.outbox.sms).toHaveLength(1);
    expect((await jobOf(rdv.id, 'sms')).state).toBe('in_doubt');
    const receipts = await listReceipts(db.pool, rdv.id);
    expect(receipts.map((r) => [r.status, r.reason])).toEqual([['in_doubt', 'in_doubt']]);
    expect(receipts[0].reasonLabel).toMatch(/non renvoyé pour éviter un doublon/);
  });

  it('lets two workers share due jobs without sending any of them twice', async () => {
    const place = await aPlace(db.pool);
    for (let i = 0; i < 40; i++) {
      const u = await anUsager(db.pool, place.territoryId, { phone: `06${String(10_000_000 + i).slice(0, 8)}`, email: `u${i}@exemple.fr` });
      await bookRdv(db.pool, place, { startsAt: RDV_AT, usagerIds: [u], at: T0 });
    }
    const a = aWorker(db.pool, { mailer: lb.mailer, sms: lb.sms, now: () => now, settings: { batchSize: 7 } });
    const b = aWorker(db.pool, { mailer: lb.mailer, sms: lb.sms, now: () => now, settings: { batchSize: 5 } });
    await Promise.all([a.drain(), b.drain(), a.drain()]);
    expect(lb.outbox.sms).toHaveLength(40);
    expect(lb.outbox.emails).toHaveLength(40);
    expect(lb.outbox.smsReplays + lb.outbox.emailReplays).toBe(0);
    expect(new Set(lb.outbox.emails.map((e) => e.messageId)).size).toBe(40);
  });
});

describe('the worker loop', () => {
  it('sends what is due while running and leaves no job reserved once stopped', async () => {
    const worker = aWorker(db.pool, { mailer: lb.mailer, sms: lb.sms, now: () => now, settings: { pollMs: 20, batchSize: 3, concurrency: 2 } });
    for (let i = 0; i < 5; i++) await oneBooking();
    worker.start();
    const deadline = Date.now() + 10_000;
    while (lb.outbox.sms.length + lb.outbox.emails.length < 10 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await worker.stop();
    expect(lb.outbox.sms).toHaveLength(5);
    expect(lb.outbox.emails).toHaveLength(5);
    const { rows } = await db.pool.query(`select count(*)::int as n from reminder_jobs where locked_until is not null`);
    expect(rows[0].n).toBe(0);
  });
});

describe('receipts of an RDV', () => {
  it('lists the receipts and scheduled messages of an RDV, without personal data', async () => {
    const worker = aWorker(db.pool, { mailer: lb.mailer, sms: lb.sms, now: () => now });
    const rdv = await oneBooking();
    await worker.drain();
    const body = { receipts: await listReceipts(db.pool, rdv.id), scheduled: await listScheduledMessages(db.pool, rdv.id) };
    expect(body.receipts.map((r) => `${r.kind} ${r.status}`).sort()).toEqual(['confirmation sent', 'confirmation sent']);
    expect(body.scheduled.map((j) => `${j.kind} ${j.state}`).sort()).toEqual(['confirmation sent', 'confirmation sent', 'reminder pending', 'reminder pending']);
    const text = JSON.stringify(body);
    expect(text).not.toContain('612345678');
    expect(text).not.toContain('exemple.fr');
  });
});
