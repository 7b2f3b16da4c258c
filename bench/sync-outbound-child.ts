/**
 * The outbound sync benchmark's body, run by sync-outbound.bench.ts in a process started with the emulator's CA
 * trusted (NODE_EXTRA_CA_CERTS is read at start only). Prints its figures as one JSON line on stdout.
 *
 * N mailboxes, M changes (each mailbox: its RDV booked, then moved), paced at a steady rate, written by the queue's
 * outbound jobs in this process through the real SDKs to the emulator, which answers each Graph call after ~100 ms.
 */
import pino from 'pino';
import { createPool, withTransaction } from '../sync-service/src/data/db';
import { insertRdv, setRdvAgents, updateRdvTimes } from '../sync-service/src/data/rdvs';
import { updateMailbox, upsertMailbox } from '../sync-service/src/data/sync';
import { createJobRunner } from '../sync-service/src/queue/runner';
import { emitRdvChange } from '../sync-service/src/rdv-events';
import { seededRandom } from '../sync-service/src/seed/prng';
import { loadSyncConfig } from '../sync-service/src/sync/config';
import { createGraphGateway } from '../sync-service/src/sync/graph';
import { outboundHandler } from '../sync-service/src/sync/outbound';
import { registerOutboxListener } from '../sync-service/src/sync/outbox';
import { noMetrics, SYNC_JOBS } from '../sync-service/src/sync/types';
import { startEmulator } from '../test/m365-emulator/index';
import { percentile } from './context';

const MAILBOXES = Number(process.env.OUTBOUND_BENCH_MAILBOXES ?? 200);
const CHANGES = Number(process.env.OUTBOUND_BENCH_CHANGES ?? 1000);
const PER_SECOND = Number(process.env.OUTBOUND_BENCH_RATE ?? 100);
const NOW = new Date('2026-03-02T08:00:00Z');

const log = (m: string) => process.stderr.write(`[sync-outbound] ${m}\n`);
const url = process.env.DATABASE_URL!;
const pool = createPool(url, 40);
const emulator = await startEmulator({ quiet: true });
const c = emulator.control;
const tenant = c.createTenant({ name: 'Bench' });
const app = c.createApp({ tenantId: tenant.id, roles: ['Calendars.ReadWrite'] });

const one = async (sql: string, values: unknown[]) => Number((await pool.query(sql, values)).rows[0].id);
const t = await one(`insert into territories (name, departement_code) values ('Bench', '86') returning id`, []);
const o = await one(`insert into organisations (territory_id, name) values ($1, 'MDS Bench') returning id`, [t]);
const s = await one(`insert into services (territory_id, name, short_name) values ($1, 'PMI', 'PMI') returning id`, [t]);
const l = await one(`insert into lieux (organisation_id, name, address) values ($1, 'Centre', '1 place du Marché 86000 Poitiers') returning id`, [o]);
const m = await one(`insert into motifs (organisation_id, service_id, name, duration_minutes, location_type) values ($1, $2, 'Consultation', 30, 'public_office') returning id`, [o, s]);
const random = seededRandom(42);
const agents: number[] = [];
for (let i = 0; i < MAILBOXES; i++) {
  const email = `agent${i}@bench.example`;
  const id = await one(`insert into agents (first_name, last_name, email, outlook_mailbox) values ('A', $1, $2, $2) returning id`, [String(i), email]);
  const user = c.createUser({ tenantId: tenant.id, userPrincipalName: email, displayName: `Agent ${i}` });
  // Each Graph call of this mailbox takes 70–130 ms: Microsoft's usual spread.
  c.injectFault(user.id, { kind: 'latency', ms: random.int(70, 130) });
  await upsertMailbox(pool, id, email, `cs-${i}`);
  await updateMailbox(pool, id, { state: 'connected' });
  agents.push(id);
}

const config = loadSyncConfig({ GRAPH_TENANT_ID: tenant.id, GRAPH_CLIENT_ID: app.clientId, GRAPH_CLIENT_SECRET: app.clientSecret, GRAPH_AUTHORITY_HOST: emulator.baseUrl, GRAPH_BASE_URL: emulator.baseUrl }, 'https://127.0.0.1:1')!;
const gateway = await createGraphGateway(config);
const latencies: number[] = [];
const logger = pino({ level: 'warn' }, pino.destination(2));
const unregister = registerOutboxListener();
const runner = createJobRunner({
  pool, databaseUrl: url, logger, concurrency: config.concurrency, pollMs: 200,
  handlers: { [SYNC_JOBS.outbound.kind]: outboundHandler({ pool, gateway, config, logger, now: () => NOW, metrics: { ...noMetrics, outboundLatency: (sec) => latencies.push(sec * 1000) } }) },
});
runner.start();
c.clearRequestLog();

log(`${MAILBOXES} mailboxes, ${CHANGES} changes at ${PER_SECOND}/s`);
const rdvOf = new Map<number, number>();
const started = performance.now();
for (let i = 0; i < CHANGES; i++) {
  const due = started + (i * 1000) / PER_SECOND;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const agentId = agents[i % MAILBOXES];
  const round = Math.floor(i / MAILBOXES);
  const startsAt = new Date(Date.UTC(2026, 2, 3 + round, 8 + (i % 8)));
  const endsAt = new Date(startsAt.getTime() + 30 * 60_000);
  await withTransaction(pool, async (client) => {
    const existing = rdvOf.get(agentId);
    if (existing === undefined) {
      const rdvId = await insertRdv(client, { organisationId: o, motifId: m, lieuId: l, startsAt, endsAt, collective: false, capacity: null, address: null, context: null, createdByAgentId: null, channel: 'api', now: NOW });
      await setRdvAgents(client, rdvId, [agentId]);
      await emitRdvChange(client, { kind: 'created', rdvId, at: NOW });
      rdvOf.set(agentId, rdvId);
    } else {
      await updateRdvTimes(client, existing, startsAt, endsAt, l, NOW);
      await emitRdvChange(client, { kind: 'moved', rdvId: existing, at: NOW });
    }
  });
}
const issuedIn = (performance.now() - started) / 1000;
for (;;) {
  const { rows } = await pool.query(`select (select count(*)::int from sync_outbox) as outbox, (select count(*)::int from jobs where kind = 'sync.outbound') as jobs`);
  if (rows[0].outbox === 0 && rows[0].jobs === 0) break;
  await new Promise((r) => setTimeout(r, 50));
}
const elapsed = (performance.now() - started) / 1000;
const writes = c.requestLog().filter((e) => e.kind.startsWith('events.'));
const figures = {
  'sync_outbound.graph_requests_per_change': writes.length / CHANGES,
  'sync_outbound.throttled_answers': writes.filter((e) => e.status === 429).length,
  'sync_outbound.latency_p50_ms': percentile(latencies, 50),
  'sync_outbound.latency_p95_ms': percentile(latencies, 95),
  'sync_outbound.events_written': latencies.length,
  'sync_outbound.changes_per_second_issued': CHANGES / issuedIn,
  'sync_outbound.elapsed_s': elapsed,
};
process.stdout.write(`${JSON.stringify(figures)}\n`);
unregister();
await runner.stop();
await pool.end();
await emulator.stop();
process.exit(0);
