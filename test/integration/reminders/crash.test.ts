import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '../../helpers/db';
import { registerReminderScheduling } from '../../../sync-service/src/reminders/schedule';
import { countJobsByState, upsertReminderPlan } from '../../../sync-service/src/reminders/db';
import { aPlace, anUsager, bookRdv, hours } from './builders';
import { startLoopback, type Loopback } from './setup';
import { startWorkerProcess, waitFor, workerEnv, type WorkerProcess } from './crash-harness';

const RDVS = 150;

let db: TestDatabase;
let lb: Loopback;
const children: WorkerProcess[] = [];

beforeAll(async () => {
  registerReminderScheduling();
  db = await createTestDatabase();
  // The SMS sink answers after 15 ms so that a kill always finds sends in flight.
  lb = await startLoopback({ smsDelayMs: 15 });
});
afterAll(async () => {
  for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGTERM');
  await Promise.all(children.map((c) => c.exited));
  await lb.stop();
  await db.drop();
});

describe('a worker killed mid-batch', () => {
  it('sends nothing twice and loses nothing once restarted', async () => {
    // Real clock here (the worker is another process): no quiet hours, so the time of day does not matter.
    const place = await aPlace(db.pool);
    await upsertReminderPlan(db.pool, place.territoryId, { steps: [{ key: '48h', beforeMinutes: 2880, channels: ['sms', 'email'] }], quietHours: null });
    const startsAt = new Date(Date.now() + hours(10));
    const bookedAt = new Date(Date.now() - hours(72)); // so that both the confirmation and the 48 h reminder are due
    for (let i = 0; i < RDVS; i++) {
      const u = await anUsager(db.pool, place.territoryId, { phone: `07${String(20_000_000 + i)}`, email: `u${i}@exemple.fr` });
      await bookRdv(db.pool, place, { startsAt: new Date(startsAt.getTime() + i * 60_000), usagerIds: [u], at: bookedAt });
    }
    const total = (await countJobsByState(db.pool)).pending;
    expect(total).toBe(RDVS * 4);

    const env = workerEnv({ databaseUrl: db.url, smtpPort: lb.smtp.port, smsUrl: lb.smsSink.url, leaseSeconds: 3 });
    const first = startWorkerProcess(env);
    children.push(first);
    await first.ready;
    await waitFor(() => lb.outbox.sms.length + lb.outbox.emails.length >= total / 3, 30_000, 'a third of the messages');
    first.proc.kill('SIGKILL');
    await first.exited;
    const deliveredAtKill = lb.outbox.sms.length + lb.outbox.emails.length;
    const inFlightAtKill = Number((await db.pool.query(`select count(*) as n from reminder_receipts where status = 'sending'`)).rows[0].n);
    expect(deliveredAtKill).toBeLessThan(total);
    if (process.env.REMINDERS_CRASH_DEBUG) console.log({ deliveredAtKill, inFlightAtKill });

    const second = startWorkerProcess(env);
    children.push(second);
    await second.ready;
    await waitFor(async () => ((await countJobsByState(db.pool)).pending ?? 0) === 0, 45_000, 'every job to be done');
    second.proc.kill('SIGTERM');
    await second.exited;

    // Nothing lost: every job sent, each message delivered exactly once.
    expect(await countJobsByState(db.pool)).toEqual({ sent: total });
    expect(lb.outbox.sms).toHaveLength(RDVS * 2);
    expect(lb.outbox.emails).toHaveLength(RDVS * 2);
    expect(new Set(lb.outbox.sms.map((s) => s.key)).size).toBe(RDVS * 2);
    expect(new Set(lb.outbox.emails.map((e) => e.messageId)).size).toBe(RDVS * 2);
    // Nothing sent twice by us: the only messages offered twice to a provider are those whose ledger row
    // was left "sending" by the kill, and the provider recognised each by its idempotency key.
    const inDoubt = new Set((await db.pool.query(`select idempotency_key from reminder_receipts where status = 'in_doubt'`)).rows.map((r) => r.idempotency_key as string));
    expect(inDoubt.size).toBe(inFlightAtKill);
    const replayed = [...lb.outbox.smsReplayKeys, ...lb.outbox.emailReplayKeys.map((k) => k.replace(/^<|@.*$/g, ''))];
    for (const key of replayed) expect(inDoubt.has(key)).toBe(true);
    if (process.env.REMINDERS_CRASH_DEBUG) console.log({ replayed: replayed.length, inDoubt: inDoubt.size });
    expect(Number((await db.pool.query(`select count(*) as n from reminder_receipts where status = 'sent'`)).rows[0].n)).toBe(total);
  });
});
