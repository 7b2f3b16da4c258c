/**
 * Concurrent writes, against the real service started as its own process (reminders worker on, demo sinks):
 * 1. 20 rounds of 50 parallel bookings of one slot of one agent: each round must give one 201 and 49 × 409,
 *    never a 5xx;
 * 2. 100 RDVs, each booked then cancelled at once, all in parallel while the worker sends confirmations:
 *    every booking 201, every cancellation 200, none left live.
 * Also counted: transactions the service ran again after a deadlock (its warn logs) and the deadlocks
 * PostgreSQL itself broke (pg_stat_database, read once the service has stopped and its sessions flushed).
 */
import { DateTime } from 'luxon';
import pg from 'pg';
import { startTestIdentityProvider } from '../test/helpers/tokens';
import { freePort } from '../test/helpers/free-port';
import { startServiceProcess } from '../test/helpers/service-process';
import { insertAgent, insertLieu, insertMotif, insertOrganisation, insertPlage, insertService, insertTerritory, insertUsager } from '../test/helpers/builders';
import type { BenchContext } from './context';
import { benchDatabase } from './support';

const ROUNDS = Number(process.env.BENCH_RACE_ROUNDS ?? 20);
const PARALLEL = 50;
const CANCELS = 100;

export default async function concurrencyBench(ctx: BenchContext) {
  const db = await benchDatabase('concurrency');
  const pool = new pg.Pool({ connectionString: db.url, max: 4 });
  const idp = await startTestIdentityProvider();
  const zone = 'Europe/Paris';
  const monday = DateTime.now().setZone(zone).startOf('week').plus({ weeks: 1 });
  const territoryId = await insertTerritory(pool);
  const orgId = await insertOrganisation(pool, territoryId);
  const serviceId = await insertService(pool, territoryId);
  const lieuId = await insertLieu(pool, orgId);
  const motifId = await insertMotif(pool, { organisationId: orgId, serviceId, durationMinutes: 30 });
  const racer = await insertAgent(pool, { email: 'course.bench@test.fr', organisationId: orgId, role: 'admin', serviceId });
  const canceller = await insertAgent(pool, { email: 'annule.bench@test.fr', organisationId: orgId, role: 'admin', serviceId });
  for (const agentId of [racer, canceller]) {
    await insertPlage(pool, { organisationId: orgId, agentId, lieuId, motifIds: [motifId], firstDay: monday.toISODate()!, startTime: '08:00', endTime: '18:00' });
  }
  const usagerId = await insertUsager(pool, { territoryId, organisationId: orgId, firstName: 'Bench', lastName: 'Usager', email: 'bench.usager@exemple.fr' });
  await pool.query(`insert into feature_switches (territory_id, feature, enabled) values ($1, 'email_reminders', true)`, [territoryId]);

  const port = await freePort();
  // One token sends all of a race's 1,000 bookings within seconds: the per-token rate limit (600 a minute) would
  // answer most of them 429, and the race would measure the limiter instead of the booking's locks.
  const service = await startServiceProcess({
    DATABASE_URL: db.url, LOG_LEVEL: 'warn', SEED_DEMO: 'false', DEMO_OUTBOX: 'true', SMTP_HOST: '', REMINDERS_WORKER: 'true', REMINDERS_POLL_MS: '20',
    RATE_LIMIT_ENABLED: 'false',
    AUTH_JWKS_URL: idp.jwksUrl, AUTH_ISSUER: idp.issuer, AUTH_AUDIENCE: idp.audience, AUTH_TENANT_ID: idp.tenantId,
  }, { port, inheritStderr: true });
  let stopped = false;
  try {
    const [racerToken, cancellerToken] = await Promise.all([
      idp.token({ preferred_username: 'course.bench@test.fr' }), idp.token({ preferred_username: 'annule.bench@test.fr' }),
    ]);
    const call = async (token: string, path: string, body: unknown) => {
      const res = await fetch(`${service.baseUrl}${path}`, {
        method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() as any };
    };
    // Slots of 30 min on weekdays 08:00–17:30 from next Monday, one list per agent.
    const slots: string[] = [];
    for (let d = 0; slots.length < ROUNDS + CANCELS; d++) {
      const day = monday.plus({ days: d });
      if (day.weekday > 5) continue;
      for (let m = 8 * 60; m < 18 * 60 - 30 && slots.length < ROUNDS + CANCELS; m += 30) slots.push(day.set({ hour: Math.floor(m / 60), minute: m % 60 }).toISO()!);
    }

    ctx.log(`${ROUNDS} rounds of ${PARALLEL} parallel bookings of one slot`);
    const race = { created: 0, conflicts: 0, serverErrors: 0, other: 0, exactRounds: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      const body = { motifId, lieuId, startsAt: slots[round], agentIds: [racer], usagerIds: [usagerId] };
      const results = await Promise.all(Array.from({ length: PARALLEL }, () => call(racerToken, '/api/rdvs', body)));
      const created = results.filter((r) => r.status === 201).length;
      const conflicts = results.filter((r) => r.status === 409).length;
      race.created += created;
      race.conflicts += conflicts;
      race.serverErrors += results.filter((r) => r.status >= 500).length;
      race.other += results.filter((r) => r.status !== 201 && r.status !== 409 && r.status < 500).length;
      if (created === 1 && conflicts === PARALLEL - 1) race.exactRounds++;
    }
    ctx.report('race.rounds', ROUNDS, 'count');
    ctx.report('race.rounds_one_201_and_49_409', race.exactRounds, 'count');
    ctx.report('race.created_201', race.created, 'count');
    ctx.report('race.refused_409', race.conflicts, 'count');
    ctx.report('race.server_errors_5xx', race.serverErrors, 'count');
    ctx.report('race.other_answers', race.other, 'count');

    ctx.log(`${CANCELS} RDVs each booked then cancelled at once, all in parallel, while the worker sends confirmations`);
    const flows = await Promise.all(slots.slice(ROUNDS).map(async (startsAt) => {
      const booked = await call(cancellerToken, '/api/rdvs', { motifId, lieuId, startsAt, agentIds: [canceller], usagerIds: [usagerId] });
      if (booked.status !== 201) return { id: null, booked: booked.status, cancelled: null };
      const cancelled = await call(cancellerToken, `/api/rdvs/${booked.body.id}/cancel`, { status: 'revoked', reason: 'banc d’essai' });
      return { id: booked.body.id as number, booked: booked.status, cancelled: cancelled.status };
    }));
    const ids = flows.flatMap((f) => (f.id === null ? [] : [f.id]));
    const live = await pool.query(`select count(*)::int as n from rdvs where id = any($1::bigint[]) and status not in ('excused', 'revoked')`, [ids]);
    const sent = await pool.query(`select count(*)::int as n from reminder_receipts where rdv_id = any($1::bigint[]) and kind = 'confirmation' and status <> 'dropped'`, [ids]);
    ctx.report('cancel_race.booked_201', flows.filter((f) => f.booked === 201).length, 'count');
    ctx.report('cancel_race.cancelled_200', flows.filter((f) => f.cancelled === 200).length, 'count');
    ctx.report('cancel_race.server_errors_5xx', flows.filter((f) => f.booked >= 500 || (f.cancelled ?? 0) >= 500).length, 'count');
    ctx.report('cancel_race.still_live', live.rows[0].n, 'count');
    ctx.report('cancel_race.confirmations_sent_before_cancel', sent.rows[0].n, 'count');

    await service.stop();
    stopped = true;
    const output = service.output();
    ctx.report('concurrency.transactions_run_again', output.split('transaction run again').length - 1, 'count');
    ctx.report('concurrency.lock_races_answered_503', output.split('lock race lost after retries').length - 1, 'count');
    // Sessions flush their statistics when they end: the service has stopped, so its deadlocks are counted.
    const { rows } = await pool.query('select deadlocks::int as n from pg_stat_database where datname = current_database()');
    ctx.report('concurrency.postgres_deadlocks', rows[0].n, 'count');
  } finally {
    if (!stopped) await service.stop();
    await pool.end();
    await idp.stop();
    await db.stop();
  }
}
