/**
 * Small builders for the reminders integration tests: a territory with its organisation, service, lieu and
 * motif; usagers; RDVs created, moved and cancelled the way the RDV data layer does it (row changes and
 * emitRdvChange in one transaction).
 */
import type pg from 'pg';
import pino from 'pino';
import { emitRdvChange, type RdvChange } from '../../../sync-service/src/rdv-events';
import { createReminderWorker, type ReminderWorker } from '../../../sync-service/src/reminders/worker';
import type { WorkerSettings } from '../../../sync-service/src/reminders/config';
import type { EmailSender, SmsProvider } from '../../../sync-service/src/reminders/providers';

export const silentLogger = pino({ level: 'silent' });

export interface Place {
  territoryId: number; organisationId: number; serviceId: number; lieuId: number; motifId: number;
}

export async function aPlace(pool: pg.Pool, opts: {
  timeZone?: string; locationType?: string; visibility?: string; remindersEnabled?: boolean; sms?: boolean; email?: boolean;
} = {}): Promise<Place> {
  const one = async (sql: string, values: unknown[]) => Number((await pool.query(sql, values)).rows[0].id);
  const territoryId = await one(`insert into territories (name, departement_code, time_zone) values ('Vienne', '86', $1) returning id`, [opts.timeZone ?? 'Europe/Paris']);
  const organisationId = await one(`insert into organisations (territory_id, name, phone) values ($1, 'MDS Poitiers', '05 49 11 11 11') returning id`, [territoryId]);
  const serviceId = await one(`insert into services (territory_id, name, short_name) values ($1, 'Protection maternelle et infantile', 'PMI') returning id`, [territoryId]);
  const lieuId = await one(`insert into lieux (organisation_id, name, address, phone) values ($1, 'Maison des solidarités', '12 rue de la République, 86000 Poitiers', '05 49 00 00 00') returning id`, [organisationId]);
  const motifId = await one(
    `insert into motifs (organisation_id, service_id, name, duration_minutes, location_type, visibility, reminders_enabled)
     values ($1, $2, 'Consultation de puériculture', 30, $3, $4, $5) returning id`,
    [organisationId, serviceId, opts.locationType ?? 'public_office', opts.visibility ?? 'visible_and_notified', opts.remindersEnabled ?? true]);
  for (const [feature, on] of [['sms_reminders', opts.sms ?? true], ['email_reminders', opts.email ?? true]] as const) {
    await pool.query('insert into feature_switches (territory_id, feature, enabled) values ($1, $2, $3)', [territoryId, feature, on]);
  }
  return { territoryId, organisationId, serviceId, lieuId, motifId };
}

export async function anUsager(pool: pg.Pool, territoryId: number, opts: {
  firstName?: string; phone?: string | null; email?: string | null; notifyBySms?: boolean; notifyByEmail?: boolean; responsibleId?: number;
} = {}): Promise<number> {
  const { rows } = await pool.query(
    `insert into usagers (territory_id, first_name, last_name, phone, email, notify_by_sms, notify_by_email, responsible_id)
     values ($1, $2, 'Martin', $3, $4, $5, $6, $7) returning id`,
    [territoryId, opts.firstName ?? 'Camille', opts.phone === undefined ? '+33612345678' : opts.phone,
      opts.email === undefined ? 'camille.martin@exemple.fr' : opts.email, opts.notifyBySms ?? true, opts.notifyByEmail ?? true, opts.responsibleId ?? null]);
  return Number(rows[0].id);
}

async function inTransaction(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<void>): Promise<void> {
  const c = await pool.connect();
  try {
    await c.query('begin');
    await fn(c);
    await c.query('commit');
  } catch (e) {
    await c.query('rollback');
    throw e;
  } finally {
    c.release();
  }
}

export async function bookRdv(pool: pg.Pool, place: Place, opts: { startsAt: Date; usagerIds: number[]; at: Date; minutes?: number }): Promise<{ id: number; uuid: string }> {
  let out = { id: 0, uuid: '' };
  await inTransaction(pool, async (c) => {
    const { rows } = await c.query(
      `insert into rdvs (organisation_id, motif_id, lieu_id, starts_at, ends_at, channel)
       values ($1, $2, $3, $4, $5, 'api') returning id, uuid`,
      [place.organisationId, place.motifId, place.lieuId, opts.startsAt, new Date(opts.startsAt.getTime() + (opts.minutes ?? 30) * 60_000)]);
    out = { id: Number(rows[0].id), uuid: rows[0].uuid };
    for (const u of opts.usagerIds) await c.query('insert into participations (rdv_id, usager_id) values ($1, $2)', [out.id, u]);
    await emitRdvChange(c, { kind: 'created', rdvId: out.id, at: opts.at });
  });
  return out;
}

export async function moveRdv(pool: pg.Pool, rdvId: number, startsAt: Date, at: Date): Promise<void> {
  await inTransaction(pool, async (c) => {
    const { rows } = await c.query('select starts_at, ends_at from rdvs where id = $1', [rdvId]);
    const minutes = (rows[0].ends_at.getTime() - rows[0].starts_at.getTime()) / 60_000;
    await c.query('update rdvs set starts_at = $2, ends_at = $3, sequence = sequence + 1, updated_at = $4 where id = $1',
      [rdvId, startsAt, new Date(startsAt.getTime() + minutes * 60_000), at]);
    await emitRdvChange(c, { kind: 'moved', rdvId, at, previous: { startsAt: rows[0].starts_at, endsAt: rows[0].ends_at } });
  });
}

export async function cancelRdv(pool: pg.Pool, rdvId: number, at: Date, status: 'revoked' | 'excused' = 'revoked'): Promise<void> {
  await inTransaction(pool, async (c) => {
    await c.query(`update rdvs set status = $2, cancelled_at = $3, sequence = sequence + 1 where id = $1`, [rdvId, status, at]);
    await emitRdvChange(c, { kind: 'cancelled', rdvId, at, previous: { status: 'unknown' } });
  });
}

export async function emitChange(pool: pg.Pool, change: RdvChange, sql?: { text: string; values: unknown[] }): Promise<void> {
  await inTransaction(pool, async (c) => {
    if (sql) await c.query(sql.text, sql.values);
    await emitRdvChange(c, change);
  });
}

export const testWorkerSettings: WorkerSettings = {
  enabled: true, pollMs: 50, batchSize: 50, concurrency: 4, maxAttempts: 3, retryBaseSeconds: 60, leaseSeconds: 30,
};

export interface TestWorker extends ReminderWorker {
  /** Runs batches until nothing is due at the current (frozen) time. */
  drain(): Promise<number>;
}

export function aWorker(pool: pg.Pool, deps: { mailer: EmailSender | null; sms: SmsProvider | null; now: () => Date; settings?: Partial<WorkerSettings> }): TestWorker {
  const worker = createReminderWorker({
    pool, logger: silentLogger, mailer: deps.mailer, sms: deps.sms, smsSender: 'CD86-PMI',
    emailFrom: { name: 'Département de la Vienne', email: 'rdv@vienne.example' },
    settings: { ...testWorkerSettings, ...deps.settings }, now: deps.now,
  });
  return {
    ...worker,
    async drain() {
      let total = 0;
      for (let n = await worker.runOnce(); n > 0; n = await worker.runOnce()) total += n;
      return total;
    },
  };
}

export const hours = (h: number) => h * 3600_000;
