/**
 * The inbound sync benchmarks' body (scenario in argv[2]: `inbound`, `import` or `scale`), run by their
 * *.bench.ts in a process that trusts the emulator's CA (NODE_EXTRA_CA_CERTS is read at start only). Prints its
 * figures as one JSON line on stdout.
 *
 * This process plays Microsoft (the emulator, the users editing their calendars) and watches the store; the
 * service side is another process, test/integration/sync/inbound-process.ts (the real webhook router over HTTPS and
 * a job runner with the connection, inbound and outbound handlers), so that its CPU and memory are its own. Mailboxes are set up with the
 * emulator answering at once; the measured phase runs with ~100 ms (± 40) per Graph call and throttling on.
 * Mailboxes are connected through the product: the connection request the API and the CLI make, then the service's
 * connection jobs (mailbox check, subscription with Graph's handshake against the service, first full round).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createPool } from '../sync-service/src/data/db';
import { updateMailbox, upsertMailbox } from '../sync-service/src/data/sync';
import { enqueueJob } from '../sync-service/src/queue/jobs';
import { requestConnect } from '../sync-service/src/sync/connection';
import { SYNC_JOBS } from '../sync-service/src/sync/types';
import { insertOrganisation, insertTerritory } from '../test/helpers/builders';
import { freePort } from '../test/helpers/free-port';
import { NOW, utc } from '../test/helpers/inbound-world';
import { startEmulator } from '../test/m365-emulator/index';
import { percentile } from './context';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const scenario = process.argv[2];
const log = (m: string) => process.stderr.write(`[sync-${scenario}] ${m}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Microsoft's usual answer time, set once the mailboxes are connected. */
const REALISTIC = { baselineLatencyMs: 100, latencySpreadMs: 40 };

// This process's own stalls delay the emulator's answers and deliveries: logged beside the figures.
const loopDelay = monitorEventLoopDelay({ resolution: 20 });
loopDelay.enable();
const url = process.env.DATABASE_URL!;
const pool = createPool(url, 10);
const emulator = await startEmulator({ quiet: true });
const c = emulator.control;
const tenant = c.createTenant({ name: 'Bench' });
const app = c.createApp({ tenantId: tenant.id, roles: ['Calendars.ReadWrite', 'User.Read.All'] });
const graphEnv = {
  GRAPH_TENANT_ID: tenant.id, GRAPH_CLIENT_ID: app.clientId, GRAPH_CLIENT_SECRET: app.clientSecret,
  GRAPH_AUTHORITY_HOST: emulator.baseUrl, GRAPH_BASE_URL: emulator.baseUrl,
};

interface Mailbox { agentId: number; userId: string; upn: string }

/**
 * N agents with an Outlook address, in an organisation whose Outlook sync is switched on (what connecting needs),
 * each with an emulated user (mailboxes not connected yet).
 */
async function mailboxes(n: number): Promise<Mailbox[]> {
  const territoryId = await insertTerritory(pool, { name: 'Bench' });
  const organisationId = await insertOrganisation(pool, territoryId, 'MDS Bench');
  await pool.query(`insert into feature_switches (territory_id, organisation_id, feature, enabled) values ($1, $2, 'outlook_sync', true)`, [territoryId, organisationId]);
  const out: Mailbox[] = [];
  for (let i = 0; i < n; i++) {
    const upn = `agent${i}@bench.example`;
    const { rows } = await pool.query(`insert into agents (first_name, last_name, email, outlook_mailbox) values ('A', $1, $2, $2) returning id`, [String(i), upn]);
    await pool.query(`insert into agent_roles (agent_id, organisation_id, role) values ($1, $2, 'basic')`, [rows[0].id, organisationId]);
    const user = c.createUser({ tenantId: tenant.id, userPrincipalName: upn, displayName: `Agent ${i}`, timeZone: 'Romance Standard Time' });
    out.push({ agentId: Number(rows[0].id), userId: user.id, upn });
  }
  return out;
}

/** The service side (webhook + runner) as its own process; `snapshot()` asks it for CPU, RSS and latency samples. */
interface Service { port: number; snapshot(): Promise<Snapshot>; stop(): Promise<void> }
interface Snapshot { cpu: { user: number; system: number }; rss: number; peakRss: number; latenciesMs: number[]; maxLoopDelayMs: number }

async function startService(): Promise<Service> {
  const port = await freePort();
  const proc: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'test/integration/sync/inbound-process.ts'], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env, ...graphEnv, DATABASE_URL: url, WEBHOOK_PORT: String(port), SYNC_TEST_NOW: NOW.toISOString(),
      SYNC_NOTIFICATION_URL: `https://127.0.0.1:${port}/graph/notifications`,
      // As the service runs by default (SYNC_CONCURRENCY); a lease long enough for a 5,000-event round.
      INBOUND_PROCESS_CONCURRENCY: '32', INBOUND_PROCESS_POOL: '20', INBOUND_PROCESS_LEASE_SECONDS: '120',
    },
  });
  const exited = new Promise((r) => proc.once('exit', r));
  let buffer = '';
  const waiting: Array<(line: string) => void> = [];
  let readyResolve!: () => void;
  const ready = new Promise<void>((r) => { readyResolve = r; });
  proc.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      if (line === 'ready') readyResolve();
      else if (line.startsWith('snapshot ')) waiting.shift()?.(line.slice(9));
    }
  });
  proc.stderr!.on('data', (chunk: Buffer) => log(`service: ${chunk.toString().trimEnd()}`));
  await Promise.race([ready, exited.then(() => { throw new Error('the inbound service process exited before it was ready'); })]);
  return {
    port,
    snapshot: () => new Promise<Snapshot>((resolve) => { waiting.push((l) => resolve(JSON.parse(l))); proc.kill('SIGUSR2'); }),
    async stop() { proc.kill('SIGTERM'); await Promise.race([exited, sleep(10_000).then(() => proc.kill('SIGKILL'))]); },
  };
}

/**
 * Connects every mailbox as an admin does on day one (the requests all at once): the service's connection jobs
 * check each mailbox, subscribe (Graph's handshake against the service's webhook) and run a first full round.
 * Resolves with the seconds until the last mailbox was connected and imported.
 */
async function connect(all: Mailbox[]): Promise<number> {
  const started = performance.now();
  for (const m of all) await requestConnect(pool, m.agentId, m.upn);
  await until('every mailbox connected and imported', 600_000, idle);
  const { rows } = await pool.query(`select count(*)::int as n from sync_mailboxes where state = 'connected' and subscription_id is not null and last_error is null`);
  if (rows[0].n !== all.length) throw new Error(`only ${rows[0].n} of ${all.length} mailboxes connected`);
  return (performance.now() - started) / 1000;
}

/** No connection job or delta round waiting or running, and every mailbox with a delta link. */
async function idle(): Promise<boolean> {
  const { rows } = await pool.query(`select (select count(*)::int from jobs where kind = any($1)) as jobs, (select count(*)::int from sync_mailboxes where delta_link is null) as pending`,
    [[SYNC_JOBS.inbound.kind, SYNC_JOBS.connection.kind]]);
  return rows[0].jobs === 0 && rows[0].pending === 0;
}

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Not reached within ${timeoutMs} ms: ${what}`);
    await sleep(50);
  }
}

const at = (day: number, hour: number, minutes = 0) => utc(new Date(Date.UTC(2026, 2, day, hour, minutes)).toISOString());
const immutableId = (userId: string, ev: Record<string, unknown>) => String(c.userEvent(userId).get(String(ev.id), { immutableId: true })!.id);

/**
 * What the store must show after an Outlook change: a busy block at `start` (created or moved), or none (deleted).
 * `seenAt` is when a poll of the store first showed it.
 */
interface Expectation { agentId: number; sourceId: string; start: string | null; madeAt: number; seenAt?: number }

/** Polls the store every 25 ms until every expectation is met or the deadline passes. */
async function watch(expected: Expectation[], stillIssuing: () => boolean, timeoutMs: number): Promise<void> {
  let deadline = Infinity;
  for (;;) {
    const open = expected.filter((e) => e.seenAt === undefined);
    if (!stillIssuing()) {
      if (!open.length) return;
      if (deadline === Infinity) deadline = Date.now() + timeoutMs;
      if (Date.now() > deadline) return;
    }
    if (open.length) {
      const { rows } = await pool.query(`select source_id, starts_at from busy_blocks where source_id = any($1)`, [open.map((e) => e.sourceId)]);
      const stored = new Map(rows.map((r) => [r.source_id as string, (r.starts_at as Date).toISOString()]));
      const now = Date.now();
      for (const e of open) {
        const s = stored.get(e.sourceId);
        if (e.start === null ? s === undefined : s === e.start) e.seenAt = now;
      }
    }
    await sleep(25);
  }
}

const latencyFigures = (prefix: string, expected: Expectation[]) => {
  const ms = expected.filter((e) => e.seenAt !== undefined).map((e) => e.seenAt! - e.madeAt);
  return {
    [`${prefix}.latency_p50_ms`]: percentile(ms, 50),
    [`${prefix}.latency_p95_ms`]: percentile(ms, 95),
    [`${prefix}.changes_applied`]: ms.length,
    [`${prefix}.changes_lost`]: expected.length - ms.length,
  };
};

/** Delta rounds = calendarView/delta requests that start a round (a window or a delta token, not a next page). */
const deltaRounds = (userId?: string) => c.requestLog({ kind: 'calendarView.delta', ...(userId ? { userId } : {}) }).filter((e) => !e.path.includes('skiptoken')).length;

/** CPU seconds of the embedded PostgreSQL (postmaster and its children), from /proc: it shares the instance too. */
async function postgresCpuSeconds(): Promise<number | null> {
  try {
    const backend = Number((await pool.query('select pg_backend_pid() as pid')).rows[0].pid);
    const stat = (pid: string | number) => readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    const postmaster = Number(stat(backend)[1]);
    const tick = 100; // USER_HZ on Linux
    let total = 0;
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      try {
        const f = stat(pid);
        // utime + stime; the postmaster also carries what its ended children used (cutime + cstime).
        if (Number(pid) === postmaster) total += (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / tick;
        else if (Number(f[1]) === postmaster) total += (Number(f[11]) + Number(f[12])) / tick;
      } catch { /* gone meanwhile */ }
    }
    return total;
  } catch {
    return null; // not Linux, or a server elsewhere (DATABASE_URL)
  }
}

/** Where the time goes, for the log: notification deliveries and Graph answers of the measured phase. */
function diagnose(since: number): void {
  const origin = Date.now() - (performance.now() - since);
  const deliveries = c.notificationLog().filter((d) => d.kind === 'notification' && Date.parse(d.at) >= origin);
  const graph = c.requestLog();
  const p = (xs: number[]) => `p50 ${percentile(xs, 50)} / p95 ${percentile(xs, 95)} / max ${Math.max(...xs)} ms`;
  log(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')} on ${os.cpus().length} CPUs (other work on the machine slows every figure)`);
  const errors = new Map<string, number>();
  for (const d of deliveries) if (d.error) errors.set(d.error, (errors.get(d.error) ?? 0) + 1);
  log(`longest event-loop stall of this (emulator) process: ${(loopDelay.max / 1e6).toFixed(0)} ms; delivery errors: ${JSON.stringify(Object.fromEntries(errors))}`);
  log(`notifications: ${deliveries.length} POSTs, ${deliveries.filter((d) => d.error).length} failed, answered in ${p(deliveries.map((d) => d.durationMs))}; `
    + `Graph: ${graph.length} requests answered in ${p(graph.map((e) => e.durationMs))}`);
}

const errorFigures = async (prefix: string) => {
  const log = c.requestLog();
  const { rows } = await pool.query(`select (select count(*)::int from sync_mailboxes where last_error is not null) as mailboxes,
    (select count(*)::int from jobs_failed where kind = $1) as failed`, [SYNC_JOBS.inbound.kind]);
  return {
    [`${prefix}.throttled_answers`]: log.filter((e) => e.status === 429).length,
    [`${prefix}.graph_errors`]: log.filter((e) => e.status >= 400 && e.status !== 429).length,
    [`${prefix}.mailboxes_in_error`]: rows[0].mailboxes,
    [`${prefix}.failed_jobs`]: rows[0].failed,
  };
};

async function inbound(): Promise<Record<string, number>> {
  const N = Number(process.env.BENCH_SYNC_MAILBOXES ?? 200);
  const CHANGES = Number(process.env.BENCH_SYNC_CHANGES ?? 1000);
  const BURSTS_PER_SECOND = Number(process.env.BENCH_SYNC_BURST_RATE ?? 20);
  const PER_BURST = 5; // two meetings created, two moved, one deleted
  const bursts = Math.ceil(CHANGES / PER_BURST);
  const all = await mailboxes(N);
  // Meetings already there before the first round, for the bursts to move and delete: three per burst.
  const seeded = new Map<number, string[]>();
  for (let b = 0; b < bursts; b++) {
    const m = all[b % N];
    const ids = seeded.get(m.agentId) ?? [];
    for (let k = 0; k < 3; k++) {
      const ev = await c.userEvent(m.userId).create({ subject: 'Réunion', showAs: 'busy', start: at(3 + (b % 20), 8 + k), end: at(3 + (b % 20), 8 + k, 45) });
      ids.push(immutableId(m.userId, ev));
    }
    seeded.set(m.agentId, ids);
  }
  const service = await startService();
  try {
    await connect(all);
    log(`${N} mailboxes connected, ${bursts} bursts of ${PER_BURST} changes at ${BURSTS_PER_SECOND} bursts/s`);
    c.settings(REALISTIC);
    c.clearRequestLog();
    loopDelay.reset();
    const before = await service.snapshot();
    const expected: Expectation[] = [];
    let issuing = true;
    const watching = watch(expected, () => issuing, 30_000);
    const started = performance.now();
    for (let b = 0; b < bursts; b++) {
      const wait = started + (b * 1000) / BURSTS_PER_SECOND - performance.now();
      if (wait > 0) await sleep(wait);
      const m = all[b % N];
      const u = c.userEvent(m.userId);
      const [move1, move2, gone] = seeded.get(m.agentId)!.splice(0, 3);
      const day = 3 + (b % 20);
      const change = async (sourceId: string, start: ReturnType<typeof utc> | null, act: () => Promise<unknown>) => {
        const madeAt = Date.now();
        await act();
        expected.push({ agentId: m.agentId, sourceId, start: start && new Date(`${start.dateTime}Z`).toISOString(), madeAt });
      };
      for (const k of [0, 1]) {
        const madeAt = Date.now();
        const start = at(day, 13 + k);
        const ev = await u.create({ subject: 'Réunion', showAs: 'busy', start, end: at(day, 13 + k, 30) });
        expected.push({ agentId: m.agentId, sourceId: immutableId(m.userId, ev), start: new Date(`${start.dateTime}Z`).toISOString(), madeAt });
      }
      await change(move1, at(day + 1, 16), () => u.update(move1, { start: at(day + 1, 16), end: at(day + 1, 16, 45) }));
      await change(move2, at(day + 1, 17), () => u.update(move2, { start: at(day + 1, 17), end: at(day + 1, 17, 45) }));
      await change(gone, null, () => u.delete(gone));
    }
    issuing = false;
    await watching;
    await until('an empty queue', 60_000, idle).catch((e) => log((e as Error).message));
    const after = await service.snapshot();
    diagnose(started);
    const perMailbox = all.map((m) => deltaRounds(m.userId));
    return {
      'sync_inbound.mailboxes': N,
      'sync_inbound.changes': expected.length,
      'sync_inbound.bursts': bursts,
      'sync_inbound.delta_rounds_per_burst': perMailbox.reduce((a, b) => a + b, 0) / bursts,
      'sync_inbound.delta_rounds_max_per_mailbox_burst': Math.max(...all.map((m, i) => perMailbox[i] / Math.max(1, Math.ceil((bursts - i) / N)))),
      ...latencyFigures('sync_inbound', expected),
      'sync_inbound.hook_latency_p95_ms': percentile(after.latenciesMs, 95),
      ...(await errorFigures('sync_inbound')),
      'sync_inbound.service_max_loop_stall_ms': after.maxLoopDelayMs,
      'sync_inbound.service_cpu_s': (after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system) / 1e6,
    };
  } finally {
    await service.stop();
  }
}

async function importRound(): Promise<Record<string, number>> {
  const EVENTS = Number(process.env.BENCH_SYNC_IMPORT_EVENTS ?? 5000);
  const SERIES = 10;
  const OCCURRENCES = 20; // weekly, all within the window
  const [m] = await mailboxes(1);
  await upsertMailbox(pool, m.agentId, m.upn, `cs-bench-${m.agentId}`);
  await updateMailbox(pool, m.agentId, { state: 'connected', connectedAt: NOW });
  const u = c.userEvent(m.userId);
  for (let s = 0; s < SERIES; s++) {
    await u.create({
      subject: 'Point hebdomadaire', showAs: 'busy', start: at(2 + (s % 5), 7 + Math.floor(s / 5)), end: at(2 + (s % 5), 7 + Math.floor(s / 5), 30),
      recurrence: { pattern: { type: 'weekly', interval: 1, daysOfWeek: [['monday', 'tuesday', 'wednesday', 'thursday', 'friday'][s % 5]] },
        range: { type: 'numbered', startDate: `2026-03-0${2 + (s % 5)}`, numberOfOccurrences: OCCURRENCES } },
    });
  }
  const singles = EVENTS - SERIES * OCCURRENCES;
  for (let i = 0; i < singles; i++) {
    // 32 short meetings a day from 09:00 UTC, every quarter of an hour, from 3 March: 150 days, inside the window.
    const start = new Date(Date.UTC(2026, 2, 3 + Math.floor(i / 32), 9, 0) + (i % 32) * 15 * 60_000);
    await u.create({ subject: `Réunion ${i}`, showAs: i % 10 === 0 ? 'tentative' : 'busy', start: utc(start.toISOString()), end: utc(new Date(start.getTime() + 12 * 60_000).toISOString()) });
  }
  const service = await startService();
  try {
    log(`1 mailbox holding ${singles} single events and ${SERIES} weekly series of ${OCCURRENCES}: full round`);
    c.settings(REALISTIC);
    c.clearRequestLog();
    const before = await service.snapshot();
    const started = performance.now();
    await enqueueJob(pool, SYNC_JOBS.inbound.kind, { agentId: m.agentId, full: true }, { singletonKey: SYNC_JOBS.inbound.key(m.agentId) });
    await until('the import', 170_000, idle);
    const elapsed = (performance.now() - started) / 1000;
    const after = await service.snapshot();
    const requests = c.requestLog({ userId: m.userId });
    const blocks = Number((await pool.query('select count(*)::int as n from busy_blocks where agent_id = $1', [m.agentId])).rows[0].n);
    return {
      'sync_import.events': EVENTS,
      'sync_import.busy_blocks_imported': blocks,
      'sync_import.graph_requests': requests.length,
      'sync_import.delta_pages': requests.filter((e) => e.kind === 'calendarView.delta').length,
      'sync_import.elapsed_s': elapsed,
      'sync_import.peak_rss_mb': after.peakRss / 2 ** 20,
      'sync_import.rss_before_mb': before.rss / 2 ** 20,
      'sync_import.service_cpu_s': (after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system) / 1e6,
    };
  } finally {
    await service.stop();
  }
}

async function scale(): Promise<Record<string, number>> {
  const N = Number(process.env.BENCH_SYNC_SCALE_MAILBOXES ?? 2000);
  const PER_SECOND = Number(process.env.BENCH_SYNC_SCALE_RATE ?? 50);
  const all = await mailboxes(N);
  const service = await startService();
  try {
    const empty = await service.snapshot();
    const pgEmpty = await postgresCpuSeconds();
    const connectSeconds = await connect(all);
    const connectRequests = new Map<string, number>();
    for (const e of c.requestLog()) connectRequests.set(e.kind, (connectRequests.get(e.kind) ?? 0) + 1);
    c.settings(REALISTIC);
    c.clearRequestLog();
    loopDelay.reset();
    const before = await service.snapshot();
    const pgBefore = await postgresCpuSeconds();
    const connectCpu = (before.cpu.user + before.cpu.system - empty.cpu.user - empty.cpu.system) / 1e6;
    log(`${N} mailboxes connected in ${connectSeconds.toFixed(1)} s (service ${connectCpu.toFixed(1)} CPU-s, PostgreSQL ${((pgBefore ?? NaN) - (pgEmpty ?? NaN)).toFixed(1)} CPU-s; `
      + `Graph requests ${JSON.stringify(Object.fromEntries(connectRequests))}); one change each at ${PER_SECOND}/s (an hour compressed into ${(N / PER_SECOND).toFixed(0)} s)`);
    const expected: Expectation[] = [];
    let issuing = true;
    const watching = watch(expected, () => issuing, 60_000);
    const started = performance.now();
    for (let i = 0; i < N; i++) {
      const wait = started + (i * 1000) / PER_SECOND - performance.now();
      if (wait > 0) await sleep(wait);
      const m = all[i];
      const start = at(3 + (i % 20), 8 + (i % 9));
      const madeAt = Date.now();
      const ev = await c.userEvent(m.userId).create({ subject: 'Réunion', showAs: 'busy', start, end: at(3 + (i % 20), 8 + (i % 9), 30) });
      expected.push({ agentId: m.agentId, sourceId: immutableId(m.userId, ev), start: new Date(`${start.dateTime}Z`).toISOString(), madeAt });
    }
    issuing = false;
    await watching;
    await until('an empty queue', 60_000, idle).catch((e) => log((e as Error).message));
    const elapsed = (performance.now() - started) / 1000;
    const after = await service.snapshot();
    diagnose(started);
    const pgAfter = await postgresCpuSeconds();
    const serviceCpu = (after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system) / 1e6;
    const pgCpu = pgBefore !== null && pgAfter !== null ? pgAfter - pgBefore : NaN;
    const perThousand = (serviceCpu * 1000) / N;
    const pgPerThousand = (pgCpu * 1000) / N;
    // One change per mailbox per hour on 2 cores (7,200 CPU-seconds an hour), service and PostgreSQL together.
    const cpuPerChange = (serviceCpu + (Number.isNaN(pgCpu) ? 0 : pgCpu)) / N;
    const byCpu = Math.floor(7200 / cpuPerChange);
    // A 2-core instance with 4 GB; what the process holds beyond its empty self is taken as growing with mailboxes.
    const grown = after.rss - empty.rss;
    const byMemory = grown > 8 * 2 ** 20 ? Math.floor(((4 * 2 ** 30 - empty.rss) * N) / grown) : Infinity;
    const applied = expected.filter((e) => e.seenAt !== undefined).length;
    // Graph is no limit here: its budgets are per mailbox (4 in flight, 10,000 calls per 10 min), one round an hour each.
    const first = byCpu <= byMemory ? 'CPU' : 'memory';
    if (applied < N) log(`only ${applied} of ${N} changes reached the store: the projection below is not valid and is not reported as a figure`);
    log(`${N} mailboxes, one change each: service ${serviceCpu.toFixed(2)} CPU-s, PostgreSQL ${pgCpu.toFixed(2)} CPU-s in ${elapsed.toFixed(1)} s; `
      + `one 2-core instance holds about ${byCpu} mailboxes at one change per mailbox per hour by CPU (service + PostgreSQL on the same 2 cores), `
      + `${Number.isFinite(byMemory) ? byMemory : 'no limit measurable'} by memory (4 GB; ${(empty.rss / 2 ** 20).toFixed(0)} MB RSS empty, ${(after.rss / 2 ** 20).toFixed(0)} MB now): ${first} runs out first. `
      + `Longest event-loop stall of the service: ${after.maxLoopDelayMs.toFixed(0)} ms.`);
    return {
      'sync_scale.mailboxes': N,
      'sync_scale.connect_all_s': connectSeconds,
      'sync_scale.connect_service_cpu_s_per_1000_mailboxes': (connectCpu * 1000) / N,
      ...latencyFigures('sync_scale', expected),
      'sync_scale.service_cpu_s_per_1000_changes': perThousand,
      'sync_scale.postgres_cpu_s_per_1000_changes': pgPerThousand,
      ...(applied === N ? { 'sync_scale.projected_mailboxes_per_2core_instance': Math.min(byCpu, byMemory) } : {}),
      'sync_scale.service_rss_mb': after.rss / 2 ** 20,
      'sync_scale.delta_rounds_per_change': deltaRounds() / N,
      ...(await errorFigures('sync_scale')),
      'sync_scale.elapsed_s': elapsed,
    };
  } finally {
    await service.stop();
  }
}

const run = { inbound, import: importRound, scale }[scenario];
if (!run) throw new Error(`Unknown scenario ${scenario}: inbound, import or scale.`);
let figures: Record<string, number> = {};
let code = 0;
try {
  figures = await run();
} catch (err) {
  log(`failed: ${(err as Error).stack}`);
  code = 1;
}
process.stdout.write(`${JSON.stringify(figures)}\n`);
await pool.end();
await emulator.stop();
process.exit(code);
