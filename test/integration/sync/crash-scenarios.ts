/**
 * The two crash scenarios of the sync, shared by the crash tests (which assert on what they return) and the crash
 * benchmark (which runs them with several seeds and counts duplicates and lost changes):
 *
 *   outbound: the outbound worker is killed (SIGKILL) at random points of bursts of bookings, moves, agent changes
 *     and cancellations, then restarted once the dead process's leases have passed, until the outbox is drained;
 *   inbound: the inbound process (webhook + delta rounds) is killed at random moments of a burst of Outlook changes
 *     in two mailboxes (meetings created, moved, deleted, set free; our events moved), restarted, and left to catch up.
 *
 * Each scenario starts its own world (a database cloned from the template, the emulator) and stops it, whatever
 * happens. Counting (`countOutbound`, `countInbound`): a duplicate is a second event of one (RDV, agent) in a
 * calendar, an event of ours for no live (RDV, agent), a busy block for one of our own events (the RDV would block
 * its slot twice) or an Outlook move applied twice; a lost change is an RDV change not in Outlook (event missing or
 * at another time), an Outlook change not in the store (busy block missing, at another time, or left over after its
 * meeting was deleted or set free) or an RDV that did not follow its moved event.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getRdv } from '../../../sync-service/src/data/rdvs';
import { getMailbox, updateMailbox } from '../../../sync-service/src/data/sync';
import { enqueueJob } from '../../../sync-service/src/queue/jobs';
import { seededRandom, type Random } from '../../../sync-service/src/seed/prng';
import { registerOutboxListener } from '../../../sync-service/src/sync/outbox';
import { SYNC_JOBS } from '../../../sync-service/src/sync/types';
import { freePort } from '../../helpers/free-port';
import { busyBlocks, NOW, startInboundWorld, utc } from '../../helpers/inbound-world';
import { eventually, startSyncWorld } from '../../helpers/sync-world';
import { instant, linkOf, outbound } from './outbound-support';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Child { proc: ChildProcess; ready: Promise<void>; exited: Promise<void> }

/** A test process of the sync (`script`), killed at will; resolves `ready` on its "ready" line. */
function startChild(script: string, env: NodeJS.ProcessEnv, children: Set<Child>): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let err = '';
  proc.stderr!.on('data', (c: Buffer) => { err += c.toString(); });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => { children.delete(child); resolve(); }));
  const ready = new Promise<void>((resolve, reject) => {
    proc.stdout!.on('data', (c: Buffer) => { if (c.toString().includes('ready')) resolve(); });
    void exited.then(() => reject(new Error(`${script} exited before it was ready: ${err}`)));
  });
  const child = { proc, ready, exited };
  children.add(child);
  return child;
}

async function killAll(children: Set<Child>): Promise<void> {
  const all = [...children];
  for (const c of all) c.proc.kill('SIGKILL');
  await Promise.all(all.map((c) => c.exited));
}

interface Span { start: string; end: string }

export interface OutboundCrashOutcome {
  /** Live (RDV, agent) pairs of the scenario (`rdvId/agentId`) and their times in the store. */
  expected: Map<string, Span>;
  /** Our events in the calendars, by their RdvLink, with their times. */
  found: Map<string, Span[]>;
  /** RdvLinks found in the calendar of an agent they do not name (not in `found`). */
  misplaced: string[];
}

export async function outboundCrashScenario(opts: { seed: number; kills?: number }): Promise<OutboundCrashOutcome> {
  const sw = await startSyncWorld();
  const unregister = registerOutboxListener();
  const children = new Set<Child>();
  try {
    const o = outbound(sw);
    const random = seededRandom(opts.seed);
    const A = sw.w.agentA.id;
    const A2 = sw.w.agentA2.id;
    await sw.connect(A);
    await sw.connect(A2);
    // Every Graph call takes a little while, so that kills land in the middle of writes.
    for (const agentId of [A, A2]) sw.emulator.control.injectFault(sw.userOf(agentId).id, { kind: 'latency', ms: 15, count: 100_000 });
    const startWorker = () => startChild('test/integration/sync/outbound-worker.ts', {
      DATABASE_URL: sw.db.url, SYNC_NOW: sw.deps.now().toISOString(), OUTBOUND_LEASE_SECONDS: '120',
      GRAPH_TENANT_ID: sw.tenantId, GRAPH_CLIENT_ID: sw.app.clientId, GRAPH_CLIENT_SECRET: sw.app.clientSecret,
      GRAPH_AUTHORITY_HOST: sw.emulator.baseUrl, GRAPH_BASE_URL: sw.emulator.baseUrl,
    }, children);
    /** What a restart finds after the dead process's leases have run out (instead of waiting for them). */
    const letLeasesPass = async () => {
      await sw.db.pool.query(`update jobs set locked_until = clock_timestamp() - interval '1 second' where locked_until is not null`);
      await sw.db.pool.query(`update outlook_events set claimed_until = clock_timestamp() - interval '1 second' where claimed_until is not null`);
    };

    // Free 30-minute slots (08:00Z–16:00Z is 09:00–17:00 in Paris in March), two weeks of weekdays.
    const slots: string[] = [];
    for (const day of ['03', '04', '05', '06', '09', '10', '11', '12', '13', '16']) {
      for (let h = 8; h < 16; h++) for (const m of ['00', '30']) slots.push(`2026-03-${day}T${String(h).padStart(2, '0')}:${m}:00Z`);
    }
    const free = random.shuffle(slots);
    const rdvs: number[] = [];
    const burst = async () => {
      for (let i = 0; i < 8; i++) rdvs.push(await o.book({ agentIds: [random.chance(0.5) ? A : A2], startsAt: free.pop()! }));
      for (const rdvId of random.shuffle(rdvs).slice(0, 6)) {
        const { rows: [r] } = await sw.db.pool.query(`select status, (select array_agg(agent_id) from rdv_agents where rdv_id = $1) as agents from rdvs where id = $1`, [rdvId]);
        if (r.status === 'revoked') continue;
        const roll = random.next();
        if (roll < 0.2) await o.cancel(rdvId);
        else if (roll < 0.5) await o.move(rdvId, { startsAt: free.pop()!, agentIds: [Number(r.agents[0]) === A ? A2 : A] });
        else await o.move(rdvId, { startsAt: free.pop()! });
      }
    };

    for (let round = 0; round < (opts.kills ?? 5); round++) {
      await burst();
      const worker = startWorker();
      await worker.ready;
      await sleep(random.int(20, 1200));
      worker.proc.kill('SIGKILL');
      await worker.exited;
      await letLeasesPass();
    }
    await burst();

    const last = startWorker();
    await last.ready;
    await eventually(async () => {
      const { rows } = await sw.db.pool.query(`select (select count(*)::int from sync_outbox) as outbox, (select count(*)::int from jobs where kind = 'sync.outbound') as jobs`);
      return rows[0].outbox === 0 && rows[0].jobs === 0;
    }, { tries: 1500, what: 'the outbox drained after the last restart' });
    last.proc.kill('SIGTERM');
    await last.exited;

    const expected = new Map<string, Span>();
    const { rows } = await sw.db.pool.query(
      `select r.id, r.starts_at, r.ends_at, ra.agent_id from rdvs r join rdv_agents ra on ra.rdv_id = r.id where r.status not in ('excused', 'revoked') and r.id = any($1)`, [rdvs]);
    for (const r of rows) expected.set(`${r.id}/${r.agent_id}`, { start: r.starts_at.toISOString(), end: r.ends_at.toISOString() });
    const found = new Map<string, Span[]>();
    const misplaced: string[] = [];
    for (const agentId of [A, A2]) {
      for (const e of o.eventsOf(agentId)) {
        const key = linkOf(e)!;
        if (!key.endsWith(`/${agentId}`)) misplaced.push(key);
        else found.set(key, [...(found.get(key) ?? []), { start: instant(e.start), end: instant(e.end) }]);
      }
    }
    return { expected, found, misplaced };
  } finally {
    await killAll(children);
    unregister();
    await sw.stop();
  }
}

export interface CrashCounts {
  duplicates: number;
  lost: number;
  /** One line per duplicate or lost change, saying which and why (for the bench's log). */
  findings: string[];
}

const sameSpan = (a: Span, b: Span | undefined) => !!b && a.start === b.start && a.end === b.end;

export function countOutbound(r: OutboundCrashOutcome): CrashCounts {
  const duplicates: string[] = r.misplaced.map((key) => `event ${key} in another agent's calendar`);
  const lost: string[] = [];
  for (const [key, events] of r.found) {
    const extra = r.expected.has(key) ? events.length - 1 : events.length;
    if (extra > 0) duplicates.push(...Array<string>(extra).fill(r.expected.has(key) ? `second event for ${key}` : `event ${key} for no live RDV`));
  }
  for (const [key, span] of r.expected) if (!(r.found.get(key) ?? []).some((e) => sameSpan(e, span))) lost.push(`${key}: ${r.found.has(key) ? 'event at another time' : 'no event'}`);
  return { duplicates: duplicates.length, lost: lost.length, findings: [...duplicates, ...lost] };
}

interface Block { sourceId: string; start: string; end: string }

export interface InboundCrashOutcome {
  /** Per mailbox: the busy blocks Outlook's meetings call for, and those in the store (both sorted by source id). */
  mailboxes: Array<{ agentId: number; expected: Block[]; stored: Block[] }>;
  /** Our events the agent moved in Outlook: the RDV's times, the event's, and the channels of the RDV's moves. */
  moved: Array<{ rdvId: number; rdv: Span; event: Span; moves: string[] }>;
  /** Event ids of our events in the agent's calendar, per RdvLink (one each when nothing was duplicated). */
  ourEvents: Map<string, string[]>;
}

const fromGraph = (v: { dateTime: string }) => new Date(`${v.dateTime.slice(0, 23)}Z`).toISOString();

export async function inboundCrashScenario(opts: { seed: number; kills?: number }): Promise<InboundCrashOutcome> {
  const t = await startInboundWorld();
  const children = new Set<Child>();
  try {
    const random: Random = seededRandom(opts.seed);
    const port = await freePort();
    const c = t.emulator.control;
    const users = [{ agentId: t.w.agentA.id, user: t.userA }, { agentId: t.w.agentA2.id, user: t.userA2 }];
    const start = () => startChild('test/integration/sync/inbound-process.ts', {
      DATABASE_URL: t.db.url, WEBHOOK_PORT: String(port), SYNC_TEST_NOW: NOW.toISOString(),
      GRAPH_TENANT_ID: t.deps.config.tenantId, GRAPH_CLIENT_ID: t.deps.config.clientId,
      GRAPH_CLIENT_SECRET: (t.deps.config.credential as { secret: string }).secret,
      GRAPH_AUTHORITY_HOST: t.emulator.baseUrl, GRAPH_BASE_URL: t.emulator.baseUrl, SYNC_DELTA_PAGE_SIZE: '10',
    }, children);
    const waitFor = (what: string, check: () => Promise<boolean>) => eventually(check, { tries: 1500, what });

    // Our events: one RDV per day for agent A, which the agent will move two hours later in Outlook.
    const ours: Array<{ rdvId: number; eventId: string }> = [];
    for (let day = 9; day <= 13; day++) {
      const at = `2026-03-${String(day).padStart(2, '0')}T09:00:00Z`;
      const rdvId = await t.bookRdv(at, [t.w.agentA.id]);
      const ev = await t.writeOurEvent(rdvId, t.w.agentA.id, at, `2026-03-${String(day).padStart(2, '0')}T09:30:00Z`);
      ours.push({ rdvId, eventId: ev.id });
    }

    let child = start();
    await child.ready;
    for (const { agentId } of users) {
      const sub = await t.gateway.createSubscription(t.upn(agentId), {
        notificationUrl: `https://127.0.0.1:${port}/graph/notifications`, lifecycleNotificationUrl: `https://127.0.0.1:${port}/graph/lifecycle`,
        clientState: (await getMailbox(t.db.pool, agentId))!.clientState, expiresAt: new Date(Date.now() + 86_400_000),
      });
      await updateMailbox(t.db.pool, agentId, { subscriptionId: sub.id, subscriptionExpiresAt: sub.expiresAt });
      await enqueueJob(t.db.pool, SYNC_JOBS.inbound.kind, { agentId, full: true }, { singletonKey: SYNC_JOBS.inbound.key(agentId) });
    }
    await waitFor('first rounds', async () => {
      for (const { agentId } of users) if (!(await getMailbox(t.db.pool, agentId))!.deltaLink) return false;
      return true;
    });

    // Slow Graph answers, so that kills find rounds half-way through their pages.
    for (const { user } of users) c.injectFault(user.id, { kind: 'latency', ms: 15, count: 100_000 });
    const burst = (async () => {
      const created: Array<{ user: typeof t.userA; id: string }> = [];
      for (let i = 0; i < 60; i++) {
        const { user } = users[i % 2];
        const day = 16 + (i % 10);
        const hour = 8 + Math.floor(i / 10);
        const ev = await c.userEvent(user.id).create({
          subject: 'Réunion', showAs: i % 7 === 0 ? 'oof' : 'busy',
          start: utc(`2026-03-${day}T${String(hour).padStart(2, '0')}:00:00Z`), end: utc(`2026-03-${day}T${String(hour).padStart(2, '0')}:45:00Z`),
        });
        created.push({ user, id: String(ev.id) });
        await sleep(5);
      }
      for (let i = 0; i < 20; i++) await c.userEvent(created[i].user.id).update(created[i].id, { start: utc('2026-04-07T10:00:00Z'), end: utc(`2026-04-07T11:${String(i).padStart(2, '0')}:00Z`) });
      for (let i = 20; i < 35; i++) await c.userEvent(created[i].user.id).delete(created[i].id);
      for (let i = 35; i < 40; i++) await c.userEvent(created[i].user.id).update(created[i].id, { showAs: 'free' });
      for (const o of ours) {
        const s = fromGraph(c.userEvent(t.userA.id).get(o.eventId, { immutableId: true })!.start as { dateTime: string });
        await c.userEvent(t.userA.id).update(o.eventId, {
          start: utc(new Date(Date.parse(s) + 2 * 3_600_000).toISOString()), end: utc(new Date(Date.parse(s) + 2.5 * 3_600_000).toISOString()),
        });
      }
    })();
    // Kills at random moments of the burst, each followed by a restart.
    for (let k = 0; k < (opts.kills ?? 2); k++) {
      await sleep(random.int(100, 500));
      child.proc.kill('SIGKILL');
      await child.exited;
      child = start();
      await child.ready;
    }
    await burst;
    c.clearFaults();
    await c.flushNotifications();

    // A last change per mailbox: its round reads whatever an earlier round left unread (a notification lost while down).
    const sentinels: string[] = [];
    for (const { user } of users) {
      const ev = await c.userEvent(user.id).create({ subject: 'Fin', showAs: 'busy', start: utc('2026-05-04T08:00:00Z'), end: utc('2026-05-04T09:00:00Z') });
      sentinels.push(String(c.userEvent(user.id).get(String(ev.id), { immutableId: true })!.id));
    }
    await waitFor('the sentinels and an empty queue', async () => {
      const ids = (await t.db.pool.query(`select source_id from busy_blocks where source_id = any($1)`, [sentinels])).rows.length;
      const pending = (await t.db.pool.query(`select count(*)::int as n from jobs`)).rows[0].n;
      return ids === 2 && pending === 0;
    });

    const ourIds = new Set(ours.map((o) => o.eventId));
    const bySource = (a: Block, b: Block) => a.sourceId.localeCompare(b.sourceId);
    const mailboxes: InboundCrashOutcome['mailboxes'] = [];
    for (const { agentId, user } of users) {
      const expected = c.userEvent(user.id).list({ immutableId: true })
        .filter((e) => !ourIds.has(String(e.id)) && ['busy', 'oof', 'tentative', 'workingElsewhere'].includes(String(e.showAs)))
        .map((e) => ({ sourceId: String(e.id), start: fromGraph(e.start as { dateTime: string }), end: fromGraph(e.end as { dateTime: string }) }))
        .sort(bySource);
      const stored = (await busyBlocks(t.db, agentId)).map((b) => ({ sourceId: b.sourceId, start: b.start, end: b.end })).sort(bySource);
      mailboxes.push({ agentId, expected, stored });
    }
    const moved: InboundCrashOutcome['moved'] = [];
    for (const o of ours) {
      const ev = c.userEvent(t.userA.id).get(o.eventId, { immutableId: true })!;
      const rdv = (await getRdv(t.db.pool, o.rdvId))!;
      const moves = (await t.db.pool.query(`select channel from audit_log where entity_type = 'rdv' and entity_id = $1 and action = 'moved' order by id`, [o.rdvId])).rows;
      moved.push({
        rdvId: o.rdvId, rdv: { start: rdv.startsAt.toISOString(), end: rdv.endsAt.toISOString() },
        event: { start: fromGraph(ev.start as { dateTime: string }), end: fromGraph(ev.end as { dateTime: string }) }, moves: moves.map((m) => String(m.channel)),
      });
    }
    const ourEvents = new Map<string, string[]>();
    for (const e of c.userEvent(t.userA.id).list({ immutableId: true })) {
      const link = linkOf(e);
      if (link) ourEvents.set(link, [...(ourEvents.get(link) ?? []), String(e.id)]);
    }
    return { mailboxes, moved, ourEvents };
  } finally {
    await killAll(children);
    await t.stop();
  }
}

export function countInbound(r: InboundCrashOutcome): CrashCounts {
  const duplicates: string[] = [];
  const lost: string[] = [];
  const ours = new Set([...r.ourEvents.values()].flat());
  for (const [link, events] of r.ourEvents) for (let i = 1; i < events.length; i++) duplicates.push(`second event for ${link}`);
  for (const m of r.mailboxes) {
    const expected = new Map(m.expected.map((b) => [b.sourceId, b]));
    const seen = new Set<string>();
    for (const b of m.stored) {
      if (ours.has(b.sourceId)) duplicates.push(`agent ${m.agentId}: busy block for our own event ${b.sourceId}`);
      else if (seen.has(b.sourceId)) duplicates.push(`agent ${m.agentId}: second busy block for ${b.sourceId}`);
      else if (!expected.has(b.sourceId)) lost.push(`agent ${m.agentId}: busy block ${b.sourceId} left over after its meeting was deleted or set free`);
      seen.add(b.sourceId);
    }
    for (const b of m.expected) {
      if (!m.stored.some((s) => s.sourceId === b.sourceId && sameSpan(s, b))) {
        lost.push(`agent ${m.agentId}: ${seen.has(b.sourceId) ? 'busy block at an old time' : 'no busy block'} for meeting ${b.sourceId}`);
      }
    }
  }
  for (const mv of r.moved) {
    if (!sameSpan(mv.rdv, mv.event)) lost.push(`RDV ${mv.rdvId} did not follow its event moved in Outlook`);
    for (let i = 1; i < mv.moves.length; i++) duplicates.push(`RDV ${mv.rdvId} moved again (${mv.moves[i]})`);
  }
  return { duplicates: duplicates.length, lost: lost.length, findings: [...duplicates, ...lost] };
}
