import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pino from 'pino';
import { createTestDatabase, TestDatabase } from '../helpers/db';
import { DEMO_AGENTS, seedDemo, type SeedResult } from '../../sync-service/src/seed/demo';
import { createReminderWorker, registerReminderScheduling } from '../../sync-service/src/reminders';
import { onRdvChange } from '../../sync-service/src/rdv-events';
import type { EmailMessage, SmsMessage } from '../../sync-service/src/reminders/providers';

// A Wednesday whose past 8 weeks cross the switch to summer time (29 March) and Easter Monday (6 April 2026).
const NOW = new Date('2026-04-08T09:30:00Z');
const EIGHT_WEEKS_MS = 8 * 7 * 24 * 3600 * 1000;

describe('demo data', () => {
  let db: TestDatabase;
  let first: SeedResult;
  let unregister: () => void;
  beforeAll(async () => {
    // As in the service and `npm run seed`: reminders are scheduled inside each booking's transaction.
    unregister = registerReminderScheduling();
    db = await createTestDatabase();
    first = await seedDemo(db.pool, { now: NOW });
  });
  afterAll(async () => {
    unregister();
    await db.drop();
  });

  const count = async (sql: string, params: unknown[] = []) => Number((await db.pool.query(sql, params)).rows[0].n);

  it('should seed one territory with its organisations, services, agents and motifs', async () => {
    expect(first.seeded).toBe(true);
    const { rows: [t] } = await db.pool.query('select departement_code, time_zone from territories');
    expect(t).toEqual({ departement_code: '86', time_zone: 'Europe/Paris' });
    expect(await count('select count(*) as n from organisations')).toBe(2);
    expect(await count('select count(*) as n from services')).toBe(3);
    expect(await count('select count(*) as n from agents')).toBe(8);
    expect(await count('select count(*) as n from motifs')).toBe(10);
    const { rows } = await db.pool.query('select distinct location_type from motifs order by 1');
    expect(rows.map((r) => r.location_type)).toEqual(['home', 'phone', 'public_office', 'visio']);
    expect(await count('select count(*) as n from motifs where collective and default_capacity > 0')).toBeGreaterThan(0);
  });

  it('should give each organisation an admin and every agent a role and a service', async () => {
    expect(await count(`select count(distinct organisation_id) as n from agent_roles where role = 'admin'`)).toBe(2);
    expect(await count('select count(*) as n from agents a where not exists (select 1 from agent_roles r where r.agent_id = a.id)')).toBe(0);
    expect(await count('select count(*) as n from agents a where not exists (select 1 from agent_services s where s.agent_id = a.id)')).toBe(0);
    const { rows } = await db.pool.query('select email from agents order by id');
    expect(rows.map((r) => r.email)).toEqual(DEMO_AGENTS.map((a) => a.email));
    for (const a of DEMO_AGENTS) expect(a.email).toMatch(/^[a-z-]+\.[a-z-]+@demo\.rdv-outlook\.fr$/);
  });

  it("should give one agent the territory's right to manage agent identities", async () => {
    expect(await count(`select count(*) as n from territory_rights where right_code = 'agent_identities'`)).toBe(1);
  });

  it('should create 300 usagers with plausible contacts and some children attached to a parent', async () => {
    expect(await count('select count(*) as n from usagers')).toBe(300);
    expect(await count('select count(*) as n from usagers where responsible_id is not null')).toBeGreaterThan(20);
    expect(await count(`select count(*) as n from usagers where phone is not null and phone !~ '^\\+33[67]\\d{8}$'`)).toBe(0);
    expect(await count(`select count(*) as n from usagers where email is not null and email !~ '@example\\.fr$'`)).toBe(0);
    expect(await count(`select count(*) as n from usagers where commune_code !~ '^86\\d{3}$'`)).toBe(0);
    expect(await count('select count(*) as n from usagers u where not exists (select 1 from usager_organisations o where o.usager_id = u.id)')).toBe(0);
  });

  it('should put 400 RDVs in the past 8 weeks with a realistic mix of statuses', async () => {
    const past = [NOW.getTime() - EIGHT_WEEKS_MS, NOW.getTime()].map((ms) => new Date(ms));
    expect(await count('select count(*) as n from rdvs where starts_at >= $1 and ends_at <= $2', past)).toBe(400);
    const { rows } = await db.pool.query('select status, count(*)::int as n from rdvs where ends_at <= $1 group by status', [NOW]);
    const byStatus = Object.fromEntries(rows.map((r) => [r.status, r.n]));
    expect(Object.keys(byStatus).sort()).toEqual(['excused', 'noshow', 'revoked', 'seen', 'unknown']);
    expect(byStatus.seen).toBeGreaterThan(250);
    expect(await count(`select count(*) as n from rdvs where channel <> 'seed' or created_by_agent_id is null`)).toBe(0);
    expect(await count('select count(*) as n from rdvs r where not exists (select 1 from participations p where p.rdv_id = r.id)')).toBe(0);
    expect(await count('select count(*) as n from rdvs where collective and (select count(*) from participations p where p.rdv_id = rdvs.id) > 1')).toBeGreaterThan(0);
  });

  it('should leave about 40 upcoming RDVs in the next two weeks, none on a public holiday', async () => {
    expect(await count(`select count(*) as n from rdvs where starts_at > $1 and status = 'unknown'`, [NOW])).toBe(40);
    expect(await count(`select count(*) as n from rdvs where starts_at > $1::timestamptz + interval '14 days'`, [NOW])).toBe(0);
    expect(await count(`select count(*) as n from rdvs where (starts_at at time zone 'Europe/Paris')::date = '2026-04-06'`)).toBe(0);
  });

  it('should never give an agent two overlapping live RDVs', async () => {
    expect(await count(`
      select count(*) as n from rdv_agents a join rdv_agents b
        on a.agent_id = b.agent_id and a.rdv_id < b.rdv_id and a.live and b.live
       and tstzrange(a.starts_at, a.ends_at) && tstzrange(b.starts_at, b.ends_at)`)).toBe(0);
  });

  it('should place every RDV inside a plage of its agent that offers its motif', async () => {
    expect(await count(`select count(*) as n from plages where recurrence->>'frequency' <> 'weekly'`)).toBe(0);
    const { rows } = await db.pool.query(`
      with local as (
        select r.id, r.motif_id, ra.agent_id,
               (r.starts_at at time zone 'Europe/Paris') as ls, (r.ends_at at time zone 'Europe/Paris') as le
          from rdvs r join rdv_agents ra on ra.rdv_id = r.id)
      select l.id from local l
       where not exists (
         select 1 from plages p join plage_motifs pm on pm.plage_id = p.id and pm.motif_id = l.motif_id
          where p.agent_id = l.agent_id
            and l.ls::date between p.first_day and (p.recurrence->>'until')::date
            and l.le::date = l.ls::date
            and extract(isodow from l.ls)::int in (select jsonb_array_elements_text(p.recurrence->'weekdays')::int)
            and ((date_trunc('week', l.ls)::date - date_trunc('week', p.first_day::timestamp)::date) / 7)
                % (p.recurrence->>'interval')::int = 0
            and ((l.ls::time >= p.start_time and l.le::time <= p.end_time)
                 or (p.start_time_2 is not null and l.ls::time >= p.start_time_2 and l.le::time <= p.end_time_2)))`);
    expect(rows).toEqual([]);
  });

  it('should book no RDV during a one-off absence of the agent', async () => {
    expect(await count(`select count(*) as n from absences where recurrence is null`)).toBeGreaterThan(0);
    expect(await count(`
      select count(*) as n from absences a join rdv_agents ra on ra.agent_id = a.agent_id
       where a.recurrence is null
         and tstzrange(ra.starts_at, ra.ends_at) && tstzrange((a.first_day + a.start_time) at time zone 'Europe/Paris',
                                                              (a.end_day + a.end_time) at time zone 'Europe/Paris')`)).toBe(0);
  });

  it('should open plages until 8 weeks after now', async () => {
    const { rows } = await db.pool.query(`select distinct recurrence->>'until' as until, first_day from plages`);
    expect(rows).toEqual([{ until: '2026-06-03', first_day: '2026-02-09' }]);
  });

  it('should switch Outlook sync and reminders on, and online booking, waitlist and sectorisation off', async () => {
    const { rows } = await db.pool.query('select feature, enabled from feature_switches where organisation_id is null and service_id is null order by feature');
    expect(Object.fromEntries(rows.map((r) => [r.feature, r.enabled]))).toEqual({
      email_reminders: true, online_booking: false, outlook_sync: true, sectorisation: false, sms_reminders: true, waitlist: false,
    });
  });

  it('should record the creation of every RDV in the audit log, by the agent who booked it and when', async () => {
    expect(await count(`
      select count(*) as n from rdvs r
       where (select count(*) from audit_log l
               where l.entity_type = 'rdv' and l.entity_id = r.id and l.action = 'created' and l.actor_kind = 'agent'
                 and l.actor_agent_id = r.created_by_agent_id and l.at = r.created_at and l.channel = 'seed') <> 1`)).toBe(0);
    // Some RDVs were booked by a colleague of the agent who receives the usager.
    expect(await count(`select count(*) as n from rdvs r join rdv_agents ra on ra.rdv_id = r.id where ra.agent_id <> r.created_by_agent_id`)).toBeGreaterThan(0);
  });

  it('should record each cancellation and each status change in the audit log when it happened', async () => {
    expect(await count(`select count(*) as n from rdvs where status in ('excused', 'revoked')`)).toBeGreaterThan(20);
    expect(await count(`
      select count(*) as n from rdvs r
       where r.status in ('excused', 'revoked')
         and not exists (select 1 from audit_log l where l.entity_type = 'rdv' and l.entity_id = r.id and l.action = 'cancelled'
                            and l.at = r.cancelled_at and l.at > r.created_at and l.at < r.starts_at
                            and l.changes->'status'->>1 = r.status and l.changes->>'reason' = r.cancel_reason)`)).toBe(0);
    expect(await count(`
      select count(*) as n from rdvs r
       where r.status in ('seen', 'noshow')
         and not exists (select 1 from audit_log l where l.entity_type = 'rdv' and l.entity_id = r.id and l.action = 'status_changed'
                            and l.at = r.ends_at and l.at <= $1 and l.changes->'status'->>1 = r.status)`, [NOW])).toBe(0);
    // Nothing else happened to them, and nothing happened after now.
    expect(await count(`select count(*) as n from audit_log where entity_type = 'rdv' and action not in ('created', 'cancelled', 'status_changed')`)).toBe(0);
    expect(await count(`select count(*) as n from audit_log where entity_type = 'rdv' and at > $1`, [NOW])).toBe(0);
    expect(await count(`select count(*) as n from rdvs where status = 'unknown' and exists (select 1 from audit_log l where l.entity_type = 'rdv' and l.entity_id = rdvs.id and l.action <> 'created')`)).toBe(0);
  });

  it('should give participants the status of their RDV', async () => {
    expect(await count(`select count(*) as n from participations p join rdvs r on r.id = p.rdv_id where p.status <> r.status`)).toBe(0);
  });

  // Who can be told about an RDV: the usager, or the one responsible for them, by a channel they accepted.
  const REACHABLE = `exists (select 1 from participations p join usagers u on u.id = p.usager_id
                               join usagers rc on rc.id = coalesce(u.responsible_id, u.id)
                              where p.rdv_id = r.id and ((rc.notify_by_sms and rc.phone is not null) or (rc.notify_by_email and rc.email is not null)))`;
  const NOTIFIED_MOTIF = `exists (select 1 from motifs m where m.id = r.motif_id and m.visibility = 'visible_and_notified' and m.reminders_enabled)`;

  it('should schedule the confirmation and reminders of upcoming RDVs as the switches and motifs say', async () => {
    const upcoming = `select r.id from rdvs r where r.starts_at > $1`;
    expect(await count(`select count(*) as n from (${upcoming} and ${NOTIFIED_MOTIF} and ${REACHABLE}) x`, [NOW])).toBeGreaterThan(20);
    // Every one of them has its confirmation and a reminder planned before it starts (or dropped with the reason
    // when it was booked too late for the 48-hour reminder).
    expect(await count(`
      select count(*) as n from (${upcoming} and ${NOTIFIED_MOTIF} and ${REACHABLE}) x
       where not exists (select 1 from reminder_jobs j where j.rdv_id = x.id and j.kind = 'confirmation')
          or not exists (select 1 from reminder_jobs j where j.rdv_id = x.id and j.kind = 'reminder'
                          and (j.state = 'pending' and j.due_at < (select starts_at from rdvs where id = x.id) or j.state = 'dropped'))`, [NOW])).toBe(0);
    expect(await count(`select count(*) as n from reminder_jobs j join rdvs r on r.id = j.rdv_id where r.starts_at > $1 and j.kind = 'reminder' and j.state = 'pending'`, [NOW])).toBeGreaterThan(20);
    // CPEF motifs are never notified: a relative could read the usager's phone.
    expect(await count(`select count(*) as n from reminder_jobs j join rdvs r on r.id = j.rdv_id where not ${NOTIFIED_MOTIF}`)).toBe(0);
    // Both channels are switched on, so both are used.
    const { rows } = await db.pool.query(`select distinct channel from reminder_jobs order by 1`);
    expect(rows.map((r) => r.channel)).toEqual(['email', 'sms']);
  });

  it('should seed nothing when the database already has a territory', async () => {
    const again = await seedDemo(db.pool, { now: new Date(NOW.getTime() + 86_400_000) });
    expect(again.seeded).toBe(false);
    expect(await count('select count(*) as n from territories')).toBe(1);
    expect(await count('select count(*) as n from usagers')).toBe(300);
  });

  it('should produce the same data for the same now', async () => {
    const other = await createTestDatabase();
    try {
      await seedDemo(other.pool, { now: NOW });
      const snapshot = async (pool: TestDatabase['pool']) => ({
        usagers: (await pool.query(`select first_name, last_name, birth_date, phone from usagers order by id`)).rows,
        // Not the uuid: the booking path lets the store draw it, as for any RDV.
        rdvs: (await pool.query(`select motif_id, starts_at, ends_at, status, created_at, created_by_agent_id, cancelled_at from rdvs order by id`)).rows,
        audit: (await pool.query(`select at, actor_agent_id, entity_id, action, changes from audit_log order by id`)).rows,
        jobs: (await pool.query(`select rdv_id, usager_id, kind, channel, slot, due_at, state from reminder_jobs order by id`)).rows,
      });
      const [a, b] = [await snapshot(db.pool), await snapshot(other.pool)];
      expect(b.usagers).toEqual(a.usagers);
      expect(b.rdvs).toEqual(a.rdvs);
      expect(b.audit).toEqual(a.audit);
      expect(b.jobs).toEqual(a.jobs);
    } finally {
      await other.drop();
    }
  });

  it('should leave no pending reminder of an RDV that is over, and let the worker drop those of a past RDV rather than send them', async () => {
    expect(await count(`select count(*) as n from reminder_jobs j join rdvs r on r.id = j.rdv_id where r.status in ('seen', 'noshow') and j.state = 'pending'`)).toBe(0);
    const sent: string[] = [];
    const sms = { name: 'test', idempotent: true, async send(m: SmsMessage) { sent.push(m.to); return { providerMessageId: null }; } };
    const mailer = { name: 'test', idempotent: true, async send(m: EmailMessage) { sent.push(m.to); return { providerMessageId: null }; } };
    const worker = createReminderWorker({
      pool: db.pool, logger: pino({ level: 'silent' }), mailer, sms, smsSender: 'CD86', emailFrom: { name: 'Démo', email: 'rdv@demo.example' },
      settings: { enabled: true, pollMs: 50, batchSize: 100, concurrency: 4, maxAttempts: 3, retryBaseSeconds: 60, leaseSeconds: 60 },
      now: () => NOW,
    });
    while ((await worker.runOnce()) > 0);
    expect(await count(`select count(*) as n from reminder_jobs j join rdvs r on r.id = j.rdv_id where r.starts_at <= $1 and j.state <> 'dropped'`, [NOW])).toBe(0);
    expect(await count(`select count(*) as n from reminder_jobs j join rdvs r on r.id = j.rdv_id where r.starts_at <= $1`, [NOW])).toBeGreaterThan(0);
    expect(await count(`
      select count(*) as n from reminder_jobs j join rdvs r on r.id = j.rdv_id
       where r.starts_at <= $1 and not exists (select 1 from reminder_receipts x where x.job_id = j.id and x.status = 'dropped')`, [NOW])).toBe(0);
    // What went out is about upcoming RDVs only.
    expect(await count(`select count(*) as n from reminder_receipts x join rdvs r on r.id = x.rdv_id where x.status = 'sent' and r.starts_at <= $1`, [NOW])).toBe(0);
    expect(sent.length).toBe(await count(`select count(*) as n from reminder_receipts where status = 'sent'`));
  });
});

describe('demo data after a failure halfway', () => {
  it('should leave the store empty, so that the next start seeds it whole', async () => {
    const db = await createTestDatabase();
    // A failure in the middle of the history (as a crash would be): the 300th RDV change fails.
    let changes = 0;
    const off = onRdvChange(async () => { if (++changes === 300) throw new Error('failure halfway'); });
    try {
      await expect(seedDemo(db.pool, { now: NOW })).rejects.toThrow('failure halfway');
      for (const table of ['territories', 'usagers', 'rdvs', 'audit_log', 'reminder_jobs']) {
        expect(Number((await db.pool.query(`select count(*) as n from ${table}`)).rows[0].n)).toBe(0);
      }
      off();
      expect((await seedDemo(db.pool, { now: NOW })).seeded).toBe(true);
      expect(Number((await db.pool.query('select count(*) as n from rdvs')).rows[0].n)).toBe(440);
    } finally {
      off();
      await db.drop();
    }
  }, 120_000);
});
