/**
 * The outbound worker is killed (SIGKILL) at random points of bursts of bookings, moves, agent changes and
 * cancellations, then restarted once the leases of the dead process have passed. In the end every live RDV has
 * exactly one event in each of its agents' calendars, at its time, and no calendar holds anything else of ours.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { seededRandom } from '../../../sync-service/src/seed/prng';
import { registerOutboxListener } from '../../../sync-service/src/sync/outbox';
import { eventually, startSyncWorld, type SyncWorld } from '../../helpers/sync-world';
import { instant, linkOf, outbound } from './outbound-support';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

describe('outbound sync across crashes', () => {
  let sw: SyncWorld;
  let o: ReturnType<typeof outbound>;
  let unregister: () => void;
  const children = new Set<ChildProcess>();

  beforeAll(async () => {
    sw = await startSyncWorld();
    o = outbound(sw);
    unregister = registerOutboxListener();
    await sw.connect(sw.w.agentA.id);
    await sw.connect(sw.w.agentA2.id);
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    unregister?.();
    await sw?.stop();
  });

  function startWorker(): { proc: ChildProcess; ready: Promise<void>; exited: Promise<void> } {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'test/integration/sync/outbound-worker.ts'], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env, DATABASE_URL: sw.db.url, SYNC_NOW: sw.deps.now().toISOString(), OUTBOUND_LEASE_SECONDS: '120',
        GRAPH_TENANT_ID: sw.tenantId, GRAPH_CLIENT_ID: sw.app.clientId, GRAPH_CLIENT_SECRET: sw.app.clientSecret,
        GRAPH_AUTHORITY_HOST: sw.emulator.baseUrl, GRAPH_BASE_URL: sw.emulator.baseUrl,
      },
    });
    children.add(proc);
    let err = '';
    proc.stderr!.on('data', (c: Buffer) => { err += c.toString(); });
    const exited = new Promise<void>((resolve) => proc.once('exit', () => { children.delete(proc); resolve(); }));
    const ready = new Promise<void>((resolve, reject) => {
      proc.stdout!.on('data', (c: Buffer) => { if (c.toString().includes('ready')) resolve(); });
      void exited.then(() => reject(new Error(`outbound worker exited before it was ready: ${err}`)));
    });
    return { proc, ready, exited };
  }

  /** What a restart finds after the dead process's leases have run out (instead of waiting for them). */
  async function letLeasesPass(): Promise<void> {
    await sw.db.pool.query(`update jobs set locked_until = clock_timestamp() - interval '1 second' where locked_until is not null`);
    await sw.db.pool.query(`update outlook_events set claimed_until = clock_timestamp() - interval '1 second' where claimed_until is not null`);
  }

  it('leaves exactly one event per live (RDV, agent), at the RDV\'s time, and nothing else', async () => {
    const random = seededRandom(20260302);
    const A = sw.w.agentA.id;
    const A2 = sw.w.agentA2.id;
    // Every Graph call takes a little while, so that kills land in the middle of writes.
    for (const agentId of [A, A2]) sw.emulator.control.injectFault(sw.userOf(agentId).id, { kind: 'latency', ms: 15, count: 100_000 });

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

    for (let round = 0; round < 5; round++) {
      await burst();
      const worker = startWorker();
      await worker.ready;
      await new Promise((r) => setTimeout(r, random.int(20, 1200)));
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

    const expected = new Map<string, { start: string; end: string }>();
    const { rows } = await sw.db.pool.query(
      `select r.id, r.starts_at, r.ends_at, ra.agent_id from rdvs r join rdv_agents ra on ra.rdv_id = r.id where r.status not in ('excused', 'revoked') and r.id = any($1)`, [rdvs]);
    for (const r of rows) expected.set(`${r.id}/${r.agent_id}`, { start: r.starts_at.toISOString(), end: r.ends_at.toISOString() });
    const found = new Map<string, Array<{ start: string; end: string }>>();
    for (const agentId of [A, A2]) {
      for (const e of o.eventsOf(agentId)) {
        const key = linkOf(e)!;
        expect(key.endsWith(`/${agentId}`)).toBe(true);
        found.set(key, [...(found.get(key) ?? []), { start: instant(e.start), end: instant(e.end) }]);
      }
    }
    expect(expected.size).toBeGreaterThan(20);
    expect([...found.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [key, events] of found) expect({ key, events }).toEqual({ key, events: [expected.get(key)] });
  });
});
