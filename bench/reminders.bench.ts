/**
 * Reminders benchmark: 10,000 reminders (5,000 RDVs × SMS + email) coming due at once, delivered by the worker
 * process (sync-service/src/reminders/run-worker.ts) to the loopback SMTP server and SMS sink; then the same
 * with one SIGKILL of the worker midway and a restart.
 *
 * Figures: reminders.drain_time (s), reminders.throughput (msg/s), reminders.duplicates,
 * reminders.crash_drain_time, reminders.crash_duplicates, reminders.crash_missing, and
 * reminders.crash_in_doubt (sends the kill left between "ledger committed" and "outcome recorded") and
 * reminders.crash_resent_in_doubt (those the provider had already taken, offered again under the same
 * idempotency key and absorbed by it: the in-doubt window at work, not duplicates).
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { BenchContext } from './context';
import { startEmbeddedPostgres } from '../sync-service/src/db/embedded';
import { migrate } from '../sync-service/src/db/migrate';
import { Outbox, startSmsSink, startSmtpSink } from '../sync-service/src/reminders/sinks';
import { freePort } from '../test/helpers/free-port';
import { startWorkerProcess, waitFor, workerEnv } from '../test/integration/reminders/crash-harness';

const RDVS = Number(process.env.REMINDERS_BENCH_RDVS ?? 5_000); // × 2 channels = 10,000 reminders

async function seed(pool: pg.Pool): Promise<void> {
  const one = async (sql: string, values: unknown[]) => Number((await pool.query(sql, values)).rows[0].id);
  const t = await one(`insert into territories (name, departement_code) values ('Bench', '86') returning id`, []);
  const o = await one(`insert into organisations (territory_id, name, phone) values ($1, 'MDS Bench', '0549111111') returning id`, [t]);
  const s = await one(`insert into services (territory_id, name, short_name) values ($1, 'PMI', 'PMI') returning id`, [t]);
  const l = await one(`insert into lieux (organisation_id, name, address, phone) values ($1, 'Maison des solidarités', '1 place du Marché, 86000 Poitiers', '0549000000') returning id`, [o]);
  const m = await one(`insert into motifs (organisation_id, service_id, name, duration_minutes, location_type) values ($1, $2, 'Consultation', 30, 'public_office') returning id`, [o, s]);
  await pool.query(`insert into feature_switches (territory_id, feature, enabled) values ($1, 'sms_reminders', true), ($1, 'email_reminders', true)`, [t]);
  // No quiet hours: the bench must not depend on the time of day it runs at.
  await pool.query(`insert into reminder_plans (territory_id, steps) values ($1, '[{"key":"48h","beforeMinutes":2880,"channels":["sms","email"]}]')`, [t]);
  await pool.query(
    `insert into usagers (territory_id, first_name, last_name, phone, email)
     select $1, 'Usager', 'N' || g, '+3361' || lpad(g::text, 7, '0'), 'u' || g || '@bench.example' from generate_series(1, $2) g`, [t, RDVS]);
  await pool.query(
    `insert into rdvs (organisation_id, motif_id, lieu_id, starts_at, ends_at, channel, context)
     select $1, $2, $3, date_trunc('minute', now()) + interval '10 hours' + g * interval '1 minute',
            date_trunc('minute', now()) + interval '10 hours 30 minutes' + g * interval '1 minute', 'seed', 'N' || g
       from generate_series(1, $4) g`, [o, m, l, RDVS]);
  await pool.query(`insert into participations (rdv_id, usager_id) select r.id, u.id from rdvs r join usagers u on u.last_name = r.context`);
}

/** The 10,000 reminder jobs the scheduler would have planned, all due now. */
async function enqueue(pool: pg.Pool): Promise<number> {
  await pool.query('truncate reminder_receipts, reminder_jobs');
  const { rowCount } = await pool.query(
    `insert into reminder_jobs (rdv_id, usager_id, recipient_id, kind, channel, slot, due_at)
     select p.rdv_id, p.usager_id, p.usager_id, 'reminder', ch.c,
            '48h@' || to_char(r.starts_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), now() - interval '1 minute'
       from participations p join rdvs r on r.id = p.rdv_id cross join (values ('sms'), ('email')) ch(c)`);
  return rowCount ?? 0;
}

async function pending(pool: pg.Pool): Promise<number> {
  return Number((await pool.query(`select count(*) as n from reminder_jobs where state = 'pending'`)).rows[0].n);
}

interface Tally { duplicates: number; missing: number; resentInDoubt: number; inDoubt: number }

/** Duplicates: deliveries beyond one per message, plus any message offered again whose send was not in doubt. */
async function tally(pool: pg.Pool, outbox: Outbox, total: number): Promise<Tally> {
  const keys = (await pool.query(`select idempotency_key, state from reminder_jobs`)).rows as Array<{ idempotency_key: string; state: string }>;
  const inDoubt = new Set((await pool.query(`select idempotency_key from reminder_receipts where status = 'in_doubt'`)).rows.map((r) => r.idempotency_key as string));
  const delivered = (k: string) => (outbox.smsKeys.get(k) ?? 0) + (outbox.emailKeys.get(`<${k}@test.example>`) ?? 0);
  let duplicates = 0;
  let missing = 0;
  for (const { idempotency_key: k, state } of keys) {
    const n = delivered(k);
    if (n > 1) duplicates += n - 1;
    if (n === 0 || state !== 'sent') missing += 1;
  }
  const replays = [...outbox.smsReplayKeys, ...outbox.emailReplayKeys.map((k) => k.replace(/^<|@.*$/g, ''))];
  duplicates += replays.filter((k) => !inDoubt.has(k)).length;
  missing += Math.max(0, total - keys.length);
  return { duplicates, missing, resentInDoubt: replays.length, inDoubt: inDoubt.size };
}

export default async function (ctx: BenchContext): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rdv-bench-reminders-'));
  await chmod(dir, 0o755); // the embedded server runs as the postgres OS user
  const embedded = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: await freePort() });
  const outbox = new Outbox(100);
  const smtp = await startSmtpSink({ outbox });
  const sms = await startSmsSink({ outbox });
  const admin = new pg.Client({ connectionString: embedded.url });
  await admin.connect();
  await admin.query('create database rdv_bench');
  await admin.end();
  const url = embedded.url.replace(/\/postgres$/, '/rdv_bench');
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  try {
    await migrate(url);
    ctx.log(`seeding ${RDVS} RDVs`);
    await seed(pool);
    const env = workerEnv({ databaseUrl: url, smtpPort: smtp.port, smsUrl: sms.url, concurrency: 32, batchSize: 200, leaseSeconds: 5 });

    // ---- run 1: clean drain
    const total = await enqueue(pool);
    ctx.log(`${total} reminders due; draining`);
    const w1 = startWorkerProcess(env);
    await w1.ready;
    const t1 = performance.now();
    await waitFor(async () => (await pending(pool)) === 0, 300_000, 'the clean drain');
    const drain = (performance.now() - t1) / 1000;
    w1.proc.kill('SIGTERM');
    await w1.exited;
    const clean = await tally(pool, outbox, total);
    ctx.report('reminders.drain_time', drain, 's');
    ctx.report('reminders.throughput', total / drain, 'msg/s');
    ctx.report('reminders.duplicates', clean.duplicates, 'count');
    ctx.report('reminders.missing', clean.missing, 'count');

    // ---- run 2: SIGKILL midway, restart
    outbox.clear();
    await enqueue(pool);
    ctx.log('draining again with a SIGKILL midway');
    const w2 = startWorkerProcess(env);
    await w2.ready;
    const t2 = performance.now();
    // A threshold off any batch boundary, so that the kill lands among sends in flight.
    await waitFor(() => outbox.smsKeys.size + outbox.emailKeys.size >= Math.floor(total / 2) + 37, 300_000, 'half of the messages');
    w2.proc.kill('SIGKILL');
    await w2.exited;
    const inFlight = Number((await pool.query(`select count(*) as n from reminder_receipts where status = 'sending'`)).rows[0].n);
    ctx.log(`killed with ${outbox.smsKeys.size + outbox.emailKeys.size} delivered and ${inFlight} sends in flight; restarting`);
    const w3 = startWorkerProcess(env);
    await w3.ready;
    await waitFor(async () => (await pending(pool)) === 0, 300_000, 'the drain after the restart');
    const crashDrain = (performance.now() - t2) / 1000;
    w3.proc.kill('SIGTERM');
    await w3.exited;
    const crash = await tally(pool, outbox, total);
    ctx.report('reminders.crash_drain_time', crashDrain, 's');
    ctx.report('reminders.crash_duplicates', crash.duplicates, 'count');
    ctx.report('reminders.crash_missing', crash.missing, 'count');
    ctx.report('reminders.crash_in_doubt', crash.inDoubt, 'count');
    ctx.report('reminders.crash_resent_in_doubt', crash.resentInDoubt, 'count');
  } finally {
    await pool.end();
    await smtp.stop();
    await sms.stop();
    await embedded.stop();
    await rm(dir, { recursive: true, force: true }).catch(() => {});
  }
}
