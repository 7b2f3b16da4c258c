/**
 * Availability through HTTP (issue 3): the same département-sized case as availability-engine.bench.ts, stored in
 * PostgreSQL, searched with `GET /api/availability` over all 50 agents and 6 weeks against the service running
 * as its own process. Reports the p50/p95 latency of the whole request (queries + engine + JSON).
 */
import { DateTime } from 'luxon';
import pg from 'pg';
import { freePort } from '../test/helpers/free-port';
import { startServiceProcess } from '../test/helpers/service-process';
import { startTestIdentityProvider } from '../test/helpers/tokens';
import { departementCase } from './availability-engine.bench';
import { percentile, type BenchContext } from './context';
import { benchDatabase } from './support';

const ITERATIONS = 90;

/** Stores the case in an empty, migrated database (ids in the case are dense and 1-based, as identity columns give them). */
export async function storeDepartementCase(pool: pg.Pool, base: ReturnType<typeof departementCase>['base'], motifs: ReturnType<typeof departementCase>['motifs'], log: (m: string) => void) {
  const q = (sql: string, params: unknown[]) => pool.query(sql, params);

  await q(`insert into territories (name, departement_code, time_zone) values ('Bench', '86', 'Europe/Paris')`, []);
  await q(`insert into organisations (territory_id, name) values (1, 'Bench')`, []);
  await q(`insert into services (territory_id, name, short_name) values (1, 'PMI', 'PMI')`, []);
  await q(`insert into lieux (organisation_id, name, address) select 1, 'Lieu ' || g, 'adresse' from generate_series(1, 6) g`, []);
  const agentCount = Math.max(...base.plages.map((p) => p.agentId));
  await q(`insert into agents (first_name, last_name, email) select 'A', 'B' || g, 'agent' || g || '@bench.fr' from generate_series(1, $1::int) g`, [agentCount]);
  await q(`insert into agent_roles (agent_id, organisation_id, role) select g, 1, 'admin' from generate_series(1, $1::int) g`, [agentCount]);
  for (const m of motifs) {
    await q(`insert into motifs (organisation_id, service_id, name, duration_minutes, buffer_minutes, location_type, min_booking_delay_minutes, max_booking_delay_minutes)
             values (1, 1, $1, $2, $3, 'public_office', $4, $5)`, [`Motif ${m.id}`, m.durationMinutes, m.bufferMinutes, m.minBookingDelayMinutes, m.maxBookingDelayMinutes]);
  }
  for (const p of base.plages) {
    await q(`insert into plages (organisation_id, agent_id, lieu_id, first_day, start_time, end_time, start_time_2, end_time_2, recurrence, buffer_minutes_override)
             values (1, $1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [p.agentId, p.lieuId, p.firstDay, p.startTime, p.endTime, p.startTime2 ?? null, p.endTime2 ?? null, JSON.stringify(p.recurrence), p.bufferMinutesOverride ?? null]);
    await q('insert into plage_motifs (plage_id, motif_id) select $1, m from unnest($2::bigint[]) m', [p.id, p.motifIds]);
  }
  for (const a of base.absences) {
    await q('insert into absences (organisation_id, agent_id, first_day, start_time, end_day, end_time, recurrence) values (1, $1, $2, $3, $4, $5, $6)',
      [a.agentId, a.firstDay, a.startTime, a.endDay, a.endTime, a.recurrence ? JSON.stringify(a.recurrence) : null]);
  }
  await q(`insert into busy_blocks (agent_id, starts_at, ends_at, show_as, source_id)
           select a, s, e, 'busy', 'evt-' || i from unnest($1::bigint[], $2::timestamptz[], $3::timestamptz[]) with ordinality as t(a, s, e, i)`,
    [base.busyBlocks.map((b) => b.agentId), base.busyBlocks.map((b) => b.start), base.busyBlocks.map((b) => b.end)]);
  // RDVs: the case's random RDVs may overlap for an agent; the store refuses those, so they are skipped here.
  let stored = 0;
  for (const r of base.rdvs) {
    const motifId = 1 + (r.id % 3);
    const client = await pool.connect();
    try {
      await client.query('begin');
      const { rows } = await client.query(`insert into rdvs (organisation_id, motif_id, lieu_id, starts_at, ends_at, status, channel) values (1, $1, 1, $2, $3, $4, 'seed') returning id`,
        [motifId, r.start, r.end, r.status]);
      await client.query(`insert into rdv_agents (rdv_id, agent_id, starts_at, ends_at, live) select $1, a, now(), now(), false from unnest($2::bigint[]) a`, [rows[0].id, r.agentIds]);
      await client.query('commit');
      stored++;
    } catch {
      await client.query('rollback');
    } finally {
      client.release();
    }
  }
  log(`stored ${base.plages.length} plages, ${base.busyBlocks.length} busy blocks, ${stored}/${base.rdvs.length} RDVs (overlapping ones refused by the store)`);

}

export default async function availabilityHttpBench(ctx: BenchContext) {
  // The service reads the real clock: search the six weeks that start next Monday.
  const monday = DateTime.now().setZone('Europe/Paris').startOf('week').plus({ weeks: 1 });
  const { base, motifs } = departementCase(50, 2000, 1500, monday.toISODate()!, monday.plus({ days: 41 }).toISODate()!);
  const db = await benchDatabase('availability');
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  const idp = await startTestIdentityProvider();
  await storeDepartementCase(pool, base, motifs, ctx.log);

  const port = await freePort();
  const service = await startServiceProcess({
    // A load test from one address is not an agent's normal use: request limits off.
    DATABASE_URL: db.url, LOG_LEVEL: 'warn', SEED_DEMO: 'false', REMINDERS_WORKER: 'false', RATE_LIMIT_ENABLED: 'false',
    AUTH_JWKS_URL: idp.jwksUrl, AUTH_ISSUER: idp.issuer, AUTH_AUDIENCE: idp.audience, AUTH_TENANT_ID: idp.tenantId,
  }, { port, inheritStderr: true });
  const url = service.baseUrl;
  try {
    const token = await idp.token({ preferred_username: 'agent1@bench.fr' });
    const times: number[] = [];
    let slots = 0;
    for (let i = 0; i < ITERATIONS + 10; i++) {
      const motifId = 1 + (i % 3);
      const t0 = performance.now();
      const res = await fetch(`${url}/api/availability?motifId=${motifId}&from=${base.from}&to=${base.to}`, { headers: { authorization: `Bearer ${token}` } });
      const body = (await res.json()) as { slotCount: number };
      if (res.status !== 200) throw new Error(`availability answered ${res.status}: ${JSON.stringify(body)}`);
      if (i >= 10) { times.push(performance.now() - t0); slots += body.slotCount; }
    }
    ctx.log(`${ITERATIONS} searches, ${Math.round(slots / ITERATIONS)} slots each on average`);
    ctx.report('availability.http_p50', percentile(times, 50), 'ms');
    ctx.report('availability.http_p95', percentile(times, 95), 'ms');
  } finally {
    await service.stop();
    await pool.end();
    await idp.stop();
    await db.stop();
  }
}
