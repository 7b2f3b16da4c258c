/**
 * Concurrent writes never answer 500. Parallel bookings of one slot, bookings naming the same agents in either
 * order, bookings queued behind one that rolls back, and a cancellation racing the reminders worker all end in
 * 201/200 and 409s, with no deadlock for PostgreSQL to break.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type pg from 'pg';
import pino from 'pino';
import { onTransactionRetry } from '../../../sync-service/src/data/db';
import { invalid } from '../../../sync-service/src/errors';
import { onRdvChange } from '../../../sync-service/src/rdv-events';
import { registerReminderScheduling } from '../../../sync-service/src/reminders/schedule';
import { createReminderWorker } from '../../../sync-service/src/reminders/worker';
import { testWorkerSettings } from '../reminders/builders';
import { startLoopback, type Loopback } from '../reminders/setup';
import type { ApiResponse } from '../../helpers/service';
import { apiWorld } from '../../helpers/service';

// Monday 2 March 2026, 08:00 in Paris; agents of organisation A work Mon–Fri 09:00–17:00 (Paris, UTC+1 then).
const NOW = new Date('2026-03-02T07:00:00Z');

const tally = (results: ApiResponse[]) => ({
  created: results.filter((r) => r.status === 201).length,
  conflicts: results.filter((r) => r.status === 409).length,
  serverErrors: results.filter((r) => r.status >= 500).map((r) => r.body?.error?.message ?? r.status),
});

/** Resolves once `n` sessions of this database wait for a lock held by another (i.e. are queued behind it). */
async function lockWaiters(pool: pg.Pool, n: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { rows } = await pool.query(
      `select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`);
    if (rows[0].n >= n) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`fewer than ${n} sessions waited for a lock within ${timeoutMs} ms`);
}

/** Collects the transactions run again (deadlocks, serialization conflicts) until `stop` is called. */
function watchRetries(): { codes: string[]; stop: () => void } {
  const codes: string[] = [];
  return { codes, stop: onTransactionRetry((r) => codes.push(r.code)) };
}

/** Runs `hold` inside the transaction of the next RDV change of this kind, once. */
function holdNextChange(kind: string, hold: (change: { rdvId: number }) => Promise<void>): { reached: Promise<void>; off: () => void } {
  let reached!: () => void;
  const promise = new Promise<void>((r) => { reached = r; });
  let armed = true;
  const off = onRdvChange(async (_client, change) => {
    if (!armed || change.kind !== kind) return;
    armed = false;
    reached();
    await hold(change);
  });
  return { reached: promise, off };
}

describe('Concurrent bookings', () => {
  const ctx = apiWorld({ now: NOW });
  // Tokens are signed beforehand so that parallel requests really reach the service together.
  const signedCallers = (emails: string[]) =>
    Promise.all(emails.map(async (email) => ctx.svc.withAuthorization(`Bearer ${await ctx.svc.idp.token({ preferred_username: email })}`)));

  it('should answer one 201 and 49 × 409, never 5xx, to 50 parallel bookings of one slot (several rounds)', async () => {
    const rounds = ['2026-03-03T10:00:00+01:00', '2026-03-04T10:00:00+01:00', '2026-03-05T10:00:00+01:00', '2026-03-06T10:00:00+01:00'];
    const callers = await signedCallers([ctx.w.agentA.email, ctx.w.adminA.email]);
    for (const startsAt of rounds) {
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => callers[i % 2].post('/api/rdvs', {
        motifId: ctx.w.motifA, lieuId: ctx.w.lieuA, startsAt, agentIds: [ctx.w.agentA.id], usagerIds: [ctx.w.usagerA],
      })));
      expect({ startsAt, ...tally(results) }).toEqual({ startsAt, created: 1, conflicts: 49, serverErrors: [] });
    }
    const { rows } = await ctx.svc.db.pool.query('select count(*)::int as n from rdv_agents where agent_id = $1 and live', [ctx.w.agentA.id]);
    expect(rows[0].n).toBe(rounds.length);
  });

  it('should answer one 201 and 409s, never 5xx, to parallel bookings naming the same two agents in either order', async () => {
    const [admin] = await signedCallers([ctx.w.adminA.email]);
    const pair = [ctx.w.agentA2.id, ctx.w.adminA.id];
    for (const startsAt of ['2026-03-09T11:00:00+01:00', '2026-03-10T11:00:00+01:00', '2026-03-11T11:00:00+01:00']) {
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => admin.post('/api/rdvs', {
        motifId: ctx.w.motifA, lieuId: ctx.w.lieuA, startsAt, agentIds: i % 2 ? pair : [...pair].reverse(), usagerIds: [ctx.w.usagerA],
      })));
      expect({ startsAt, ...tally(results) }).toEqual({ startsAt, created: 1, conflicts: 39, serverErrors: [] });
    }
  });

  it('should book one of two requests queued behind a booking of the same slot that rolls back, and refuse the other with 409', async () => {
    // The first booking is held inside its transaction (slot taken but not committed) until the two others are
    // queued behind it, then refused late: the two queued ones must then settle between themselves, not deadlock.
    const pool = ctx.svc.db.pool;
    const retries = watchRetries();
    const held = holdNextChange('created', async () => {
      await lockWaiters(pool, 2);
      throw invalid('usagerIds', 'refus tardif simulé');
    });
    try {
      const body = (agentIds: number[]) => ({ motifId: ctx.w.motifA, lieuId: ctx.w.lieuA, startsAt: '2026-03-12T15:00:00+01:00', agentIds, usagerIds: [ctx.w.usagerA] });
      const [admin] = await signedCallers([ctx.w.adminA.email]);
      const first = admin.post('/api/rdvs', body([ctx.w.agentA.id, ctx.w.agentA2.id]));
      await held.reached;
      const queued = await Promise.all([admin.post('/api/rdvs', body([ctx.w.agentA.id, ctx.w.agentA2.id])), admin.post('/api/rdvs', body([ctx.w.agentA2.id, ctx.w.agentA.id]))]);
      expect((await first).status).toBe(422);
      expect(tally(queued)).toEqual({ created: 1, conflicts: 1, serverErrors: [] });
      expect(retries.codes).toEqual([]); // settled by the lock order, not by running a deadlocked transaction again
    } finally {
      held.off();
      retries.stop();
    }
  });
});

describe('Cancelling an RDV while the reminders worker sends its confirmation', () => {
  const ctx = apiWorld({ now: NOW });
  let loopback: Loopback;
  beforeAll(async () => {
    loopback = await startLoopback();
    await ctx.svc.db.pool.query(`insert into feature_switches (territory_id, feature, enabled) values ($1, 'email_reminders', true)`, [ctx.w.territoryId]);
    await ctx.svc.db.pool.query(`update usagers set email = 'helene.lefevre@exemple.fr' where id = $1`, [ctx.w.usagerA]);
  });
  afterAll(async () => { await loopback?.stop(); });

  it('should cancel the RDV, drop the confirmation and meet no deadlock', async () => {
    const pool = ctx.svc.db.pool;
    const workerErrors: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => { workerErrors.push(JSON.parse(line).err ?? line); } });
    const worker = createReminderWorker({
      pool, logger, mailer: loopback.mailer, sms: null, smsSender: 'CD86-PMI', emailFrom: { name: 'Test', email: 'rdv@test.fr' },
      settings: testWorkerSettings, now: () => NOW,
    });
    // The cancellation takes the RDV; inside its transaction, the worker starts on the RDV's due confirmation and
    // is let run until it waits for a lock; only then does the cancellation go on and remove pending messages.
    const retries = watchRetries();
    let workerRun: Promise<number> | null = null;
    const held = holdNextChange('cancelled', async () => {
      workerRun = worker.runOnce();
      await lockWaiters(pool, 1);
    });
    const unschedule = registerReminderScheduling(); // after the hold: the worker starts before pending jobs are removed
    try {
      const rdv = await ctx.svc.as(ctx.w.agentA.email).post('/api/rdvs', {
        motifId: ctx.w.motifA, lieuId: ctx.w.lieuA, startsAt: '2026-03-03T14:00:00+01:00', agentIds: [ctx.w.agentA.id], usagerIds: [ctx.w.usagerA],
      });
      expect(rdv.status).toBe(201);
      expect((await pool.query(`select kind, state from reminder_jobs where rdv_id = $1 and kind = 'confirmation'`, [rdv.body.id])).rows)
        .toEqual([{ kind: 'confirmation', state: 'pending' }]);
      const cancelled = await ctx.svc.as(ctx.w.agentA.email).post(`/api/rdvs/${rdv.body.id}/cancel`, { status: 'revoked', reason: 'agent absent' });
      expect(cancelled.status).toBe(200);
      expect(cancelled.body.status).toBe('revoked');
      expect(await workerRun).toBe(1);
      expect(workerErrors).toEqual([]);
      expect(retries.codes).toEqual([]);
      expect(loopback.outbox.emails).toHaveLength(0);
      expect((await pool.query(`select count(*)::int as n from reminder_jobs where rdv_id = $1 and state = 'pending'`, [rdv.body.id])).rows[0].n).toBe(0);
    } finally {
      held.off();
      retries.stop();
      unschedule();
      await worker.stop();
    }
  });
});
