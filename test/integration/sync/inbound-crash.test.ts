/**
 * The inbound sync process killed (SIGKILL) at random points during a burst of Outlook changes in two mailboxes,
 * then restarted: once it has caught up, every busy block matches a meeting in Outlook (none missing, none left
 * over, none for our events), and every RDV whose event the agent moved follows it, moved exactly once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { getRdv } from '../../../sync-service/src/data/rdvs';
import { getMailbox, updateMailbox } from '../../../sync-service/src/data/sync';
import { enqueueJob } from '../../../sync-service/src/queue/jobs';
import { SYNC_JOBS } from '../../../sync-service/src/sync/types';
import { freePort } from '../../helpers/free-port';
import { busyBlocks, NOW, startInboundWorld, utc, type InboundWorld } from '../../helpers/inbound-world';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

interface Child { proc: ChildProcess; ready: Promise<void>; exited: Promise<unknown> }

async function waitFor(what: string, check: () => Promise<boolean> | boolean, tries = 1500): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`Not reached after ${tries} polls: ${what}`);
}

const fromGraph = (v: { dateTime: string }) => new Date(`${v.dateTime.slice(0, 23)}Z`).toISOString();

describe('an inbound sync process killed during a burst of Outlook changes', () => {
  let t: InboundWorld;
  let port: number;
  const children: Child[] = [];

  const start = (): Child => {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'test/integration/sync/inbound-process.ts'], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env, DATABASE_URL: t.db.url, WEBHOOK_PORT: String(port), SYNC_TEST_NOW: NOW.toISOString(),
        GRAPH_TENANT_ID: t.deps.config.tenantId, GRAPH_CLIENT_ID: t.deps.config.clientId,
        GRAPH_CLIENT_SECRET: (t.deps.config.credential as { secret: string }).secret,
        GRAPH_AUTHORITY_HOST: t.emulator.baseUrl, GRAPH_BASE_URL: t.emulator.baseUrl, SYNC_DELTA_PAGE_SIZE: '10',
      },
    });
    let err = '';
    proc.stderr!.on('data', (c: Buffer) => { err += c.toString(); });
    const exited = new Promise((r) => proc.once('exit', r));
    const ready = new Promise<void>((resolve, reject) => {
      proc.stdout!.on('data', (c: Buffer) => { if (c.toString().includes('ready')) resolve(); });
      void exited.then(() => reject(new Error(`inbound process exited before it was ready: ${err}`)));
    });
    const child = { proc, ready, exited };
    children.push(child);
    return child;
  };
  const kill = async (c: Child) => { c.proc.kill('SIGKILL'); await c.exited; };

  beforeAll(async () => {
    t = await startInboundWorld();
    port = await freePort();
  });
  afterAll(async () => {
    for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
    await Promise.all(children.map((c) => c.exited));
    await t?.stop();
  });

  it('loses no Outlook change and applies none twice once restarted', async () => {
    const users = [{ agentId: t.w.agentA.id, user: t.userA }, { agentId: t.w.agentA2.id, user: t.userA2 }];
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
    for (const { user } of users) t.emulator.control.injectFault(user.id, { kind: 'latency', ms: 15, count: 100_000 });
    const burst = (async () => {
      const created: Array<{ user: typeof t.userA; id: string }> = [];
      for (let i = 0; i < 60; i++) {
        const { user } = users[i % 2];
        const day = 16 + (i % 10);
        const hour = 8 + Math.floor(i / 10);
        const ev = await t.emulator.control.userEvent(user.id).create({
          subject: 'Réunion', showAs: i % 7 === 0 ? 'oof' : 'busy',
          start: utc(`2026-03-${day}T${String(hour).padStart(2, '0')}:00:00Z`), end: utc(`2026-03-${day}T${String(hour).padStart(2, '0')}:45:00Z`),
        });
        created.push({ user, id: String(ev.id) });
        await new Promise((r) => setTimeout(r, 5));
      }
      for (let i = 0; i < 20; i++) await t.emulator.control.userEvent(created[i].user.id).update(created[i].id, { start: utc('2026-04-07T10:00:00Z'), end: utc(`2026-04-07T11:${String(i).padStart(2, '0')}:00Z`) });
      for (let i = 20; i < 35; i++) await t.emulator.control.userEvent(created[i].user.id).delete(created[i].id);
      for (let i = 35; i < 40; i++) await t.emulator.control.userEvent(created[i].user.id).update(created[i].id, { showAs: 'free' });
      for (const o of ours) {
        const current = t.emulator.control.userEvent(t.userA.id).get(o.eventId, { immutableId: true })!;
        const s = fromGraph(current.start as { dateTime: string });
        await t.emulator.control.userEvent(t.userA.id).update(o.eventId, {
          start: utc(new Date(Date.parse(s) + 2 * 3_600_000).toISOString()), end: utc(new Date(Date.parse(s) + 2.5 * 3_600_000).toISOString()),
        });
      }
    })();
    // Two kills at random moments of the burst, each followed by a restart.
    for (let k = 0; k < 2; k++) {
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 400));
      await kill(child);
      if (process.env.INBOUND_CRASH_DEBUG) {
        const running = (await t.db.pool.query(`select kind, attempts, locked_until > clock_timestamp() as leased from jobs`)).rows;
        console.log({ kill: k, running, blocks: (await t.db.pool.query('select count(*)::int as n from busy_blocks')).rows[0].n });
      }
      child = start();
      await child.ready;
    }
    await burst;
    t.emulator.control.clearFaults();
    await t.emulator.control.flushNotifications();

    // A last change per mailbox: its round reads whatever an earlier round left unread (a notification lost while down).
    const sentinels: string[] = [];
    for (const { user } of users) {
      const ev = await t.emulator.control.userEvent(user.id).create({ subject: 'Fin', showAs: 'busy', start: utc('2026-05-04T08:00:00Z'), end: utc('2026-05-04T09:00:00Z') });
      sentinels.push(String(t.emulator.control.userEvent(user.id).get(String(ev.id), { immutableId: true })!.id));
    }
    await waitFor('the sentinels and an empty queue', async () => {
      const ids = (await t.db.pool.query(`select source_id from busy_blocks where source_id = any($1)`, [sentinels])).rows.length;
      const pending = (await t.db.pool.query(`select count(*)::int as n from jobs`)).rows[0].n;
      return ids === 2 && pending === 0;
    });

    const ourIds = new Set(ours.map((o) => o.eventId));
    for (const { agentId, user } of users) {
      const expected = t.emulator.control.userEvent(user.id).list({ immutableId: true })
        .filter((e) => !ourIds.has(String(e.id)) && ['busy', 'oof', 'tentative', 'workingElsewhere'].includes(String(e.showAs)))
        .map((e) => ({ sourceId: String(e.id), start: fromGraph(e.start as { dateTime: string }), end: fromGraph(e.end as { dateTime: string }) }))
        .sort((a, b) => a.sourceId.localeCompare(b.sourceId));
      const stored = (await busyBlocks(t.db, agentId)).map((b) => ({ sourceId: b.sourceId, start: b.start, end: b.end }))
        .sort((a, b) => a.sourceId.localeCompare(b.sourceId));
      expect(stored).toEqual(expected);
    }
    for (const o of ours) {
      const ev = t.emulator.control.userEvent(t.userA.id).get(o.eventId, { immutableId: true })!;
      const rdv = (await getRdv(t.db.pool, o.rdvId))!;
      expect([rdv.startsAt.toISOString(), rdv.endsAt.toISOString()]).toEqual([fromGraph(ev.start as { dateTime: string }), fromGraph(ev.end as { dateTime: string })]);
      const moves = (await t.db.pool.query(`select channel from audit_log where entity_type = 'rdv' and entity_id = $1 and action = 'moved'`, [o.rdvId])).rows;
      expect(moves).toEqual([{ channel: 'outlook' }]);
    }
  });
});
