/**
 * Data access of reminders: every SQL statement of the feature, as named functions taking their connection
 * (a pool for one-statement work, the caller's transaction client otherwise). Only $n parameters.
 *
 * Two clocks on purpose: business times (due_at, "is the RDV started") use the `now` the caller passes, so
 * tests and the bench can freeze time; worker leases use the database's clock_timestamp(), because a lease
 * protects against real processes dying in real time.
 */
import { effectiveFeatures } from '../data/config';
import type { Db } from '../data/db';
import { QUEUE_CHANNEL } from '../queue/loop';
import type { LocationType, MotifVisibility, RdvStatus } from '../../../shared/src/domain';
import type { MessageKind, NotificationChannel, ReminderPlan } from '../../../shared/src/notifications';
import { DEFAULT_REMINDER_PLAN } from '../../../shared/src/notifications';

/** A pool or a transaction's client. */
export type Queryable = Db;

export { withTransaction } from '../data/db';

// ---------------------------------------------------------------- RDV and its people

export interface RdvForReminders {
  id: number;
  uuid: string;
  sequence: number;
  status: RdvStatus;
  startsAt: Date;
  endsAt: Date;
  lieuId: number | null;
  address: string | null;
  organisationId: number;
  organisationName: string;
  organisationPhone: string | null;
  territoryId: number;
  timeZone: string;
  serviceId: number;
  serviceName: string;
  motifName: string;
  motifVisibility: MotifVisibility;
  motifRemindersEnabled: boolean;
  locationType: LocationType;
  lieu: { name: string; address: string; phone: string | null } | null;
}

export async function selectRdvForReminders(db: Queryable, rdvId: number): Promise<RdvForReminders | null> {
  const { rows } = await db.query(
    `select r.id, r.uuid, r.sequence, r.status, r.starts_at, r.ends_at, r.lieu_id, r.address,
            o.id as organisation_id, o.name as organisation_name, o.phone as organisation_phone,
            t.id as territory_id, t.time_zone,
            s.id as service_id, s.name as service_name,
            m.name as motif_name, m.visibility, m.reminders_enabled, m.location_type,
            l.name as lieu_name, l.address as lieu_address, l.phone as lieu_phone
       from rdvs r
       join organisations o on o.id = r.organisation_id
       join territories t on t.id = o.territory_id
       join motifs m on m.id = r.motif_id
       join services s on s.id = m.service_id
       left join lieux l on l.id = r.lieu_id
      where r.id = $1`,
    [rdvId],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    id: Number(r.id), uuid: r.uuid, sequence: r.sequence, status: r.status, startsAt: r.starts_at, endsAt: r.ends_at,
    lieuId: r.lieu_id === null ? null : Number(r.lieu_id), address: r.address,
    organisationId: Number(r.organisation_id), organisationName: r.organisation_name, organisationPhone: r.organisation_phone,
    territoryId: Number(r.territory_id), timeZone: r.time_zone, serviceId: Number(r.service_id), serviceName: r.service_name,
    motifName: r.motif_name, motifVisibility: r.visibility, motifRemindersEnabled: r.reminders_enabled,
    locationType: r.location_type,
    lieu: r.lieu_name === null ? null : { name: r.lieu_name, address: r.lieu_address, phone: r.lieu_phone },
  };
}

export interface ParticipantForReminders {
  usagerId: number;
  status: RdvStatus;
  /** The usager notified: the responsible one for a relative, else the participant. */
  recipientId: number;
  /** Set when the participant is a relative of the recipient. */
  relativeFirstName: string | null;
  recipient: { phone: string | null; email: string | null; notifyBySms: boolean; notifyByEmail: boolean };
}

const PARTICIPANT_COLUMNS = `
  p.usager_id, p.status,
  coalesce(u.responsible_id, u.id) as recipient_id,
  case when u.responsible_id is not null then u.first_name end as relative_first_name,
  rc.phone, rc.email, rc.notify_by_sms, rc.notify_by_email`;

function toParticipant(r: any): ParticipantForReminders {
  return {
    usagerId: Number(r.usager_id), status: r.status, recipientId: Number(r.recipient_id), relativeFirstName: r.relative_first_name,
    recipient: { phone: r.phone, email: r.email, notifyBySms: r.notify_by_sms, notifyByEmail: r.notify_by_email },
  };
}

export async function selectParticipants(db: Queryable, rdvId: number): Promise<ParticipantForReminders[]> {
  const { rows } = await db.query(
    `select ${PARTICIPANT_COLUMNS}
       from participations p
       join usagers u on u.id = p.usager_id
       join usagers rc on rc.id = coalesce(u.responsible_id, u.id)
      where p.rdv_id = $1
      order by p.usager_id`,
    [rdvId],
  );
  return rows.map(toParticipant);
}

export async function selectParticipant(db: Queryable, rdvId: number, usagerId: number): Promise<ParticipantForReminders | null> {
  const { rows } = await db.query(
    `select ${PARTICIPANT_COLUMNS}
       from participations p
       join usagers u on u.id = p.usager_id
       join usagers rc on rc.id = coalesce(u.responsible_id, u.id)
      where p.rdv_id = $1 and p.usager_id = $2`,
    [rdvId, usagerId],
  );
  return rows[0] ? toParticipant(rows[0]) : null;
}

// ---------------------------------------------------------------- territory settings

/**
 * The sms_reminders and email_reminders switches for an organisation and service. The most specific row wins:
 * (organisation, service) > organisation > (territory, service) > territory; nothing set = off.
 */
export type ChannelSwitches = Record<NotificationChannel, boolean> & { internationalSms: boolean };

/**
 * Which channels the feature switches open for the RDV's organisation and service (the store's one resolution rule),
 * and whether SMS may go to numbers outside the French numbering plan.
 */
export async function selectChannelSwitches(db: Queryable, organisationId: number, serviceId: number): Promise<ChannelSwitches> {
  const features = await effectiveFeatures(db, organisationId, serviceId);
  return { sms: features.sms_reminders === true, email: features.email_reminders === true, internationalSms: features.international_sms === true };
}

export interface TerritoryReminderSettings { plan: ReminderPlan; smsSender: string | null }

export async function selectReminderSettings(db: Queryable, territoryId: number): Promise<TerritoryReminderSettings> {
  const { rows } = await db.query(
    `select steps, to_char(quiet_start, 'HH24:MI') as quiet_start, to_char(quiet_end, 'HH24:MI') as quiet_end, sms_sender
       from reminder_plans where territory_id = $1`,
    [territoryId],
  );
  const r = rows[0];
  if (!r) return { plan: DEFAULT_REMINDER_PLAN, smsSender: null };
  return {
    plan: { steps: r.steps, quietHours: r.quiet_start ? { start: r.quiet_start, end: r.quiet_end } : null },
    smsSender: r.sms_sender,
  };
}

export async function upsertReminderPlan(db: Queryable, territoryId: number, plan: ReminderPlan, smsSender: string | null = null): Promise<void> {
  await db.query(
    `insert into reminder_plans (territory_id, steps, quiet_start, quiet_end, sms_sender)
     values ($1, $2, $3, $4, $5)
     on conflict (territory_id) do update
       set steps = excluded.steps, quiet_start = excluded.quiet_start, quiet_end = excluded.quiet_end,
           sms_sender = excluded.sms_sender, updated_at = now()`,
    [territoryId, JSON.stringify(plan.steps), plan.quietHours?.start ?? null, plan.quietHours?.end ?? null, smsSender],
  );
}

// ---------------------------------------------------------------- jobs: scheduling

export interface NewJob {
  rdvId: number;
  usagerId: number;
  recipientId: number;
  kind: MessageKind;
  channel: NotificationChannel;
  slot: string;
  dueAt: Date;
  /** A job created already dropped (quiet hours until the start): it carries its receipt. */
  dropReason?: string;
}

/** Inserts a job unless one with the same key exists; returns its id when inserted. */
export async function insertJob(db: Queryable, job: NewJob, now: Date): Promise<number | null> {
  const { rows } = await db.query(
    `insert into reminder_jobs (rdv_id, usager_id, recipient_id, kind, channel, slot, due_at, state, drop_reason, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
     on conflict (rdv_id, usager_id, kind, channel, slot) do nothing
     returning id`,
    [job.rdvId, job.usagerId, job.recipientId, job.kind, job.channel, job.slot, job.dueAt,
      job.dropReason ? 'dropped' : 'pending', job.dropReason ?? null, now],
  );
  // Due already (a confirmation): wake the workers when this transaction commits, rather than at their next poll.
  if (rows[0] && !job.dropReason && job.dueAt <= now) await db.query('select pg_notify($1, $2)', [QUEUE_CHANNEL, 'reminders']);
  return rows[0] ? Number(rows[0].id) : null;
}

/**
 * Removes the pending jobs of an RDV (optionally of some kinds, or of one participant). Returns how many. A job
 * whose message is in the provider's hands stays: the worker records its outcome, and counts it as told.
 */
export async function deletePendingJobs(
  db: Queryable, rdvId: number, kinds: readonly MessageKind[], usagerId: number | null = null,
): Promise<number> {
  const { rowCount } = await db.query(
    `delete from reminder_jobs j
      where j.rdv_id = $1 and j.state = 'pending' and j.kind = any($2::text[]) and ($3::bigint is null or j.usager_id = $3)
        and not exists (select 1 from reminder_receipts r where r.job_id = j.id and r.status = 'sending')`,
    [rdvId, kinds, usagerId],
  );
  return rowCount ?? 0;
}

/**
 * Channels on which the usager was already told about the RDV, or may have been: a message sent, in doubt, or in
 * the provider's hands right now (a cancellation is only sent there).
 */
export async function selectInformedChannels(db: Queryable, rdvId: number, usagerId: number): Promise<NotificationChannel[]> {
  const { rows } = await db.query(
    `select distinct channel from reminder_jobs j
      where j.rdv_id = $1 and j.usager_id = $2 and j.kind <> 'cancellation'
        and (j.state in ('sent', 'in_doubt') or exists (select 1 from reminder_receipts r where r.job_id = j.id and r.status = 'sending'))`,
    [rdvId, usagerId],
  );
  return rows.map((r) => r.channel);
}

/** True when the participant still has a confirmation waiting (it will carry the new time by itself). */
export async function hasPendingConfirmation(db: Queryable, rdvId: number, usagerId: number, channel: NotificationChannel): Promise<boolean> {
  const { rows } = await db.query(
    `select 1 from reminder_jobs
      where rdv_id = $1 and usager_id = $2 and channel = $3 and kind = 'confirmation' and state = 'pending'`,
    [rdvId, usagerId, channel],
  );
  return rows.length > 0;
}

/** Pending jobs of usagers who no longer take part in the RDV are removed. */
export async function deletePendingJobsOfFormerParticipants(db: Queryable, rdvId: number): Promise<number> {
  const { rowCount } = await db.query(
    `delete from reminder_jobs j
      where j.rdv_id = $1 and j.state = 'pending'
        and not exists (select 1 from participations p where p.rdv_id = j.rdv_id and p.usager_id = j.usager_id)`,
    [rdvId],
  );
  return rowCount ?? 0;
}

export async function hasAnyJob(db: Queryable, rdvId: number, usagerId: number): Promise<boolean> {
  const { rows } = await db.query('select 1 from reminder_jobs where rdv_id = $1 and usager_id = $2 limit 1', [rdvId, usagerId]);
  return rows.length > 0;
}

// ---------------------------------------------------------------- jobs: worker

export interface JobRow {
  id: number;
  rdvId: number;
  usagerId: number;
  recipientId: number;
  kind: MessageKind;
  channel: NotificationChannel;
  slot: string;
  dueAt: Date;
  state: string;
  attempts: number;
  leaseToken: string | null;
  idempotencyKey: string;
}

function toJob(r: any): JobRow {
  return {
    id: Number(r.id), rdvId: Number(r.rdv_id), usagerId: Number(r.usager_id), recipientId: Number(r.recipient_id),
    kind: r.kind, channel: r.channel, slot: r.slot, dueAt: r.due_at, state: r.state, attempts: r.attempts,
    leaseToken: r.lease_token, idempotencyKey: r.idempotency_key,
  };
}

/**
 * Claims up to `limit` due jobs for this worker: SKIP LOCKED so that concurrent workers take different rows,
 * and a lease so that a row claimed by a worker that died is claimed again once the lease has passed.
 */
export async function claimDueJobs(db: Queryable, now: Date, limit: number, leaseSeconds: number): Promise<JobRow[]> {
  const { rows } = await db.query(
    `with due as (
       select id from reminder_jobs
        where state = 'pending' and due_at <= $1
          and (locked_until is null or locked_until < clock_timestamp())
        order by due_at, id
        limit $2
        for update skip locked)
     update reminder_jobs j
        set lease_token = gen_random_uuid(), locked_until = clock_timestamp() + make_interval(secs => $3)
       from due where j.id = due.id
     returning j.*`,
    [now, limit, leaseSeconds],
  );
  return rows.map(toJob);
}

/** Gives back jobs claimed but not started (graceful stop), so that another worker need not wait for the lease. */
export async function releaseJobs(db: Queryable, jobs: Array<{ id: number; leaseToken: string | null }>): Promise<void> {
  if (jobs.length === 0) return;
  await db.query(
    `update reminder_jobs set lease_token = null, locked_until = null
      where id = any($1::bigint[]) and lease_token = any($2::uuid[]) and state = 'pending'`,
    [jobs.map((j) => j.id), jobs.map((j) => j.leaseToken)],
  );
}

/**
 * Takes the RDV's row (SHARE) before the worker locks one of its jobs: the lock order of every RDV change is the
 * RDV first, then its jobs (see booking.ts), so a cancellation and the worker never wait for each other. SHARE,
 * not merely the KEY SHARE its foreign keys take, so that an RDV change and the worker's decision to send happen
 * one after the other: the worker sees the change (and drops what it made stale), or the change sees the message
 * in the provider's hands (and counts it as told). Interleaved, a cancellation would remove a job whose
 * confirmation was already going out, and send no cancellation.
 */
export async function lockRdvOfJob(db: Queryable, rdvId: number): Promise<void> {
  await db.query('select 1 from rdvs where id = $1 for share', [rdvId]);
}

/** Locks a claimed job inside a transaction, if this worker still holds its lease. */
export async function lockClaimedJob(db: Queryable, jobId: number, leaseToken: string): Promise<JobRow | null> {
  const { rows } = await db.query(
    `select * from reminder_jobs where id = $1 and lease_token = $2 and state = 'pending' for update`,
    [jobId, leaseToken],
  );
  return rows[0] ? toJob(rows[0]) : null;
}

export async function markJobDropped(db: Queryable, jobId: number, reason: string, now: Date): Promise<void> {
  await db.query(
    `update reminder_jobs set state = 'dropped', drop_reason = $2, lease_token = null, locked_until = null, updated_at = $3 where id = $1`,
    [jobId, reason, now],
  );
}

export async function markJobInDoubt(db: Queryable, jobId: number, now: Date): Promise<void> {
  await db.query(
    `update reminder_jobs set state = 'in_doubt', drop_reason = 'in_doubt', lease_token = null, locked_until = null, updated_at = $2 where id = $1`,
    [jobId, now],
  );
}

export async function deferJob(db: Queryable, jobId: number, until: Date, now: Date): Promise<void> {
  await db.query(
    `update reminder_jobs set due_at = $2, lease_token = null, locked_until = null, updated_at = $3 where id = $1`,
    [jobId, until, now],
  );
}

/**
 * Step 2 of a send: counts the attempt and writes its ledger row `sending`, in one statement. The caller
 * commits this before calling the provider.
 */
export async function startAttempt(db: Queryable, r: Omit<NewReceipt, 'attempt' | 'status'> & { jobId: number }, now: Date): Promise<{ receiptId: number; attempt: number }> {
  const { rows } = await db.query(
    `with j as (update reminder_jobs set attempts = attempts + 1, updated_at = $12 where id = $1 returning attempts)
     insert into reminder_receipts (job_id, rdv_id, usager_id, recipient_id, kind, channel, attempt, provider, status,
                                    segments, idempotency_key, reason, error, created_at, updated_at)
     select $1, $2, $3, $4, $5, $6, j.attempts, $7, 'sending', $8, $9, $10, $11, $12, $12 from j
     returning id, attempt`,
    [r.jobId, r.rdvId, r.usagerId, r.recipientId, r.kind, r.channel, r.provider, r.segments ?? null, r.idempotencyKey ?? null,
      r.reason ?? null, r.error ?? null, now],
  );
  return { receiptId: Number(rows[0].id), attempt: rows[0].attempt };
}

/**
 * Step 3 of a send: the provider's answer, on the receipt and the job at once (one statement, so atomic
 * without a transaction). `retryAt` set = back to pending for a retry.
 */
export async function concludeAttempt(
  db: Queryable, jobId: number, receiptId: number,
  outcome: { status: 'sent' | 'retrying' | 'failed'; providerMessageId?: string | null; reason?: string | null; error?: string | null; retryAt?: Date | null },
  now: Date,
): Promise<void> {
  const jobState = outcome.status === 'retrying' ? 'pending' : outcome.status;
  // The job first, then its receipt (the receipt's update reads the job's): the order in which removing a job
  // (a cancellation) reaches the receipts that point to it.
  await db.query(
    `with j as (
       update reminder_jobs
          set state = $7, due_at = coalesce($8, due_at), last_error = $6, lease_token = null, locked_until = null, updated_at = $9
        where id = $1
        returning id)
     update reminder_receipts
        set status = $3, provider_message_id = coalesce($4, provider_message_id), reason = coalesce($5, reason), error = $6, updated_at = $9
      where id = $2 and (select count(*) from j) >= 0`,
    [jobId, receiptId, outcome.status, outcome.providerMessageId ?? null, outcome.reason ?? null, outcome.error ?? null,
      jobState, outcome.retryAt ?? null, now],
  );
}

// ---------------------------------------------------------------- receipts (the send ledger)

export interface NewReceipt {
  jobId: number | null;
  rdvId: number;
  usagerId: number;
  recipientId: number;
  kind: MessageKind;
  channel: NotificationChannel;
  attempt: number;
  provider: string | null;
  status: 'sending' | 'dropped' | 'in_doubt';
  segments?: number | null;
  idempotencyKey?: string | null;
  reason?: string | null;
  error?: string | null;
}

export async function insertReceipt(db: Queryable, r: NewReceipt, now: Date): Promise<number> {
  const { rows } = await db.query(
    `insert into reminder_receipts (job_id, rdv_id, usager_id, recipient_id, kind, channel, attempt, provider, status,
                                    segments, idempotency_key, reason, error, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)
     returning id`,
    [r.jobId, r.rdvId, r.usagerId, r.recipientId, r.kind, r.channel, r.attempt, r.provider, r.status,
      r.segments ?? null, r.idempotencyKey ?? null, r.reason ?? null, r.error ?? null, now],
  );
  return Number(rows[0].id);
}

/** The ledger row of an attempt that was started but never concluded (the worker died in between). */
export async function selectInFlightReceipt(db: Queryable, jobId: number): Promise<{ id: number; attempt: number } | null> {
  const { rows } = await db.query(
    `select id, attempt from reminder_receipts where job_id = $1 and status = 'sending'`,
    [jobId],
  );
  return rows[0] ? { id: Number(rows[0].id), attempt: rows[0].attempt } : null;
}

export async function concludeReceipt(
  db: Queryable, receiptId: number,
  outcome: { status: 'sent' | 'retrying' | 'failed' | 'in_doubt'; providerMessageId?: string | null; reason?: string | null; error?: string | null },
  now: Date,
): Promise<void> {
  await db.query(
    `update reminder_receipts
        set status = $2, provider_message_id = coalesce($3, provider_message_id), reason = coalesce($4, reason),
            error = $5, updated_at = $6
      where id = $1`,
    [receiptId, outcome.status, outcome.providerMessageId ?? null, outcome.reason ?? null, outcome.error ?? null, now],
  );
}

export interface Receipt {
  id: number;
  kind: MessageKind;
  channel: NotificationChannel;
  usagerId: number;
  recipientId: number;
  attempt: number;
  provider: string | null;
  status: string;
  segments: number | null;
  providerMessageId: string | null;
  reason: string | null;
  error: string | null;
  createdAt: string;
  updatedAt: string;
}

export async function selectReceipts(db: Queryable, rdvId: number): Promise<Receipt[]> {
  const { rows } = await db.query(
    `select id, kind, channel, usager_id, recipient_id, attempt, provider, status, segments, provider_message_id,
            reason, error, created_at, updated_at
       from reminder_receipts where rdv_id = $1 order by created_at, id`,
    [rdvId],
  );
  return rows.map((r) => ({
    id: Number(r.id), kind: r.kind, channel: r.channel, usagerId: Number(r.usager_id), recipientId: Number(r.recipient_id),
    attempt: r.attempt, provider: r.provider, status: r.status, segments: r.segments, providerMessageId: r.provider_message_id,
    reason: r.reason, error: r.error, createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString(),
  }));
}

export interface ScheduledJob { kind: MessageKind; channel: NotificationChannel; usagerId: number; slot: string; dueAt: string; state: string; attempts: number; dropReason: string | null }

export async function selectJobsOfRdv(db: Queryable, rdvId: number): Promise<ScheduledJob[]> {
  const { rows } = await db.query(
    `select kind, channel, usager_id, slot, due_at, state, attempts, drop_reason from reminder_jobs where rdv_id = $1 order by due_at, id`,
    [rdvId],
  );
  return rows.map((r) => ({ kind: r.kind, channel: r.channel, usagerId: Number(r.usager_id), slot: r.slot, dueAt: r.due_at.toISOString(), state: r.state, attempts: r.attempts, dropReason: r.drop_reason }));
}

/** Counts jobs per state: used by tests, the bench and health figures. */
export async function countJobsByState(db: Queryable): Promise<Record<string, number>> {
  const { rows } = await db.query('select state, count(*)::int as n from reminder_jobs group by state');
  return Object.fromEntries(rows.map((r) => [r.state, r.n]));
}
