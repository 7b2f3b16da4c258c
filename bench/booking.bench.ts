/**
 * Booking under contention, against the real service started as its own process:
 * 64 concurrent clients book overlapping slots of the same 8 agents for 20 s; then a query counts double
 * bookings (must be 0). Also: p95 latency of listing an agent's week with 2,000 RDVs in the store.
 */
import { DateTime } from 'luxon';
import pg from 'pg';
import { startTestIdentityProvider } from '../test/helpers/tokens';
import { freePort } from '../test/helpers/free-port';
import { startServiceProcess } from '../test/helpers/service-process';
import { insertAgent, insertLieu, insertMotif, insertOrganisation, insertPlage, insertService, insertTerritory, insertUsager } from '../test/helpers/builders';
import { percentile, type BenchContext } from './context';
import { benchDatabase } from './support';

const CLIENTS = 64;
const DURATION_MS = Number(process.env.BENCH_BOOKING_SECONDS ?? 20) * 1000;
const AGENTS = 8;

export default async function bookingBench(ctx: BenchContext) {
  const db = await benchDatabase('booking');
  const pool = new pg.Pool({ connectionString: db.url, max: 4 });
  const idp = await startTestIdentityProvider();
  const zone = 'Europe/Paris';
  const monday = DateTime.now().setZone(zone).startOf('week').plus({ weeks: 1 });
  const territoryId = await insertTerritory(pool);
  const orgId = await insertOrganisation(pool, territoryId);
  const serviceId = await insertService(pool, territoryId);
  const lieuId = await insertLieu(pool, orgId);
  const motifId = await insertMotif(pool, { organisationId: orgId, serviceId, durationMinutes: 30 });
  const agentIds: number[] = [];
  for (let i = 0; i < AGENTS; i++) {
    const id = await insertAgent(pool, { email: `agent${i}.bench@test.fr`, organisationId: orgId, role: 'admin', serviceId });
    agentIds.push(id);
    await insertPlage(pool, { organisationId: orgId, agentId: id, lieuId, motifIds: [motifId], firstDay: monday.toISODate()!, startTime: '08:00', endTime: '18:00' });
  }
  const usagerId = await insertUsager(pool, { territoryId, organisationId: orgId, firstName: 'Bench', lastName: 'Usager' });

  const port = await freePort();
  const service = await startServiceProcess({
    // A load test from one address is not an agent's normal use: request limits off.
    DATABASE_URL: db.url, LOG_LEVEL: 'warn', SEED_DEMO: 'false', REMINDERS_WORKER: 'false', RATE_LIMIT_ENABLED: 'false',
    AUTH_JWKS_URL: idp.jwksUrl, AUTH_ISSUER: idp.issuer, AUTH_AUDIENCE: idp.audience, AUTH_TENANT_ID: idp.tenantId,
  }, { port, inheritStderr: true });
  const base = service.baseUrl;
  try {
    const tokens = await Promise.all(agentIds.map((_, i) => idp.token({ preferred_username: `agent${i}.bench@test.fr` })));

    // Candidate starts: every 15 minutes (so half of them overlap the others) over eight weeks of weekdays: enough
    // free slots that bookings go on for the whole run, few enough that concurrent clients keep colliding.
    const starts: string[] = [];
    for (let d = 0; d < 56; d++) {
      const day = monday.plus({ days: d });
      if (day.weekday > 5) continue;
      for (let m = 8 * 60; m < 18 * 60 - 30; m += 15) starts.push(day.set({ hour: Math.floor(m / 60), minute: m % 60 }).toISO()!);
    }
    ctx.log(`${CLIENTS} clients booking for ${DURATION_MS / 1000} s over ${starts.length} candidate starts × ${AGENTS} agents`);
    const latencies: number[] = [];
    const counts = { created: 0, conflict: 0, other: 0 };
    const deadline = Date.now() + DURATION_MS;
    // mulberry32: seeded, and uniform in its low bits (a plain LCG modulo 8 would pick the same few agents).
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed + 0x6d2b79f5) >>> 0;
      let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
    };
    await Promise.all(Array.from({ length: CLIENTS }, async () => {
      while (Date.now() < deadline) {
        const a = rand(AGENTS);
        const t0 = performance.now();
        const res = await fetch(`${base}/api/rdvs`, {
          method: 'POST',
          headers: { authorization: `Bearer ${tokens[a]}`, 'content-type': 'application/json' },
          body: JSON.stringify({ motifId, lieuId, startsAt: starts[rand(starts.length)], agentIds: [agentIds[a]], usagerIds: [usagerId] }),
        });
        const text = await res.text();
        if (process.env.BENCH_DEBUG && res.status === 409) console.error(text);
        latencies.push(performance.now() - t0);
        if (res.status === 201) counts.created++;
        else if (res.status === 409) counts.conflict++;
        else counts.other++;
      }
    }));
    const { rows } = await pool.query(
      `select count(*) from rdv_agents a join rdv_agents b on a.agent_id = b.agent_id and a.rdv_id < b.rdv_id
        where a.live and b.live and tstzrange(a.starts_at, a.ends_at) && tstzrange(b.starts_at, b.ends_at)`);
    const orphans = await pool.query('select count(*) from rdvs r where not exists (select 1 from rdv_agents ra where ra.rdv_id = r.id)');
    ctx.report('booking.requests_per_second', latencies.length / (DURATION_MS / 1000), 'req/s');
    ctx.report('booking.bookings_per_second', counts.created / (DURATION_MS / 1000), 'rdv/s');
    ctx.report('booking.bookings_created', counts.created, 'count');
    ctx.report('booking.conflicts_refused', counts.conflict, 'count');
    ctx.report('booking.unexpected_errors', counts.other, 'count');
    ctx.report('booking.latency_p50', percentile(latencies, 50), 'ms');
    ctx.report('booking.latency_p95', percentile(latencies, 95), 'ms');
    ctx.report('booking.latency_p99', percentile(latencies, 99), 'ms');
    ctx.report('booking.double_bookings', Number(rows[0].count), 'count');
    ctx.report('booking.rdvs_without_agent', Number(orphans.rows[0].count), 'count');

    // Listing an agent's week with 2,000 RDVs in the store for that agent (spread over 100 weekdays).
    const listAgent = agentIds[0];
    await pool.query('delete from rdvs where id in (select rdv_id from rdv_agents where agent_id = $1)', [listAgent]);
    const far = monday.plus({ weeks: 4 });
    await pool.query(
      `with s as (select g, $3::timestamptz + ((g / 20) * interval '1 day') + ((g % 20) * interval '30 minutes') as t from generate_series(0, 1999) g),
            r as (insert into rdvs (organisation_id, motif_id, lieu_id, starts_at, ends_at, channel)
                  select $1, $2, $4, t, t + interval '30 minutes', 'seed' from s returning id)
       insert into rdv_agents (rdv_id, agent_id, starts_at, ends_at, live) select id, $5, now(), now(), false from r`,
      [orgId, motifId, far.set({ hour: 8 }).toJSDate(), lieuId, listAgent]);
    const from = far.plus({ days: 14 }).toUTC().toISO();
    const to = far.plus({ days: 21 }).toUTC().toISO();
    const listLat: number[] = [];
    let listed = 0;
    for (let i = 0; i < 200; i++) {
      const t0 = performance.now();
      const res = await fetch(`${base}/api/rdvs?agentId=${listAgent}&from=${encodeURIComponent(from!)}&to=${encodeURIComponent(to!)}`, { headers: { authorization: `Bearer ${tokens[0]}` } });
      listed = ((await res.json()) as unknown[]).length;
      listLat.push(performance.now() - t0);
    }
    ctx.report('booking.list_week_rdvs', listed, 'count');
    ctx.report('booking.list_week_p95', percentile(listLat, 95), 'ms');
  } finally {
    await service.stop();
    await pool.end();
    await idp.stop();
    await db.stop();
  }
}
