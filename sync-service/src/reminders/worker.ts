/**
 * The reminder worker: claims due jobs, checks everything again just before sending, and sends each message
 * at most once.
 *
 * One message, three transactions:
 *   1. claim (claimDueJobs): due rows get a lease, FOR UPDATE SKIP LOCKED, so N workers share the load;
 *   2. decide and record: under the row lock, re-read the RDV, participant, recipient, motif, switches and
 *      plan; drop (with a receipt saying why), defer (quiet hours), or write the ledger row `sending` and
 *      COMMIT it — before the provider is called;
 *   3. call the provider with the job's idempotency key, then record the outcome (sent, retry with backoff, or
 *      failed).
 * If the process dies after 1 the lease expires and another claim takes the job; after 2 the ledger row is
 * still `sending` when the job is claimed again: the send is "in doubt". With a provider that honours
 * idempotency keys it is sent again with the same key (the provider delivers it once); otherwise it is NOT
 * sent again and the job ends `in_doubt` with a receipt, because sending twice is worse than an agent seeing
 * "peut-être envoyé". The window is the length of one provider call.
 *
 * The loop never throws: errors are logged with ids only, and the job comes back when its lease expires.
 */
import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import {
  buildEmail, buildSmsText, CANCELLED_STATUSES, deliveryDecision, SKIP_REASON_FR,
  type RdvMessageContext, type SkipReason,
} from '../../../shared/src/notifications';
import {
  claimDueJobs, concludeAttempt, concludeReceipt, deferJob, insertReceipt, lockClaimedJob, lockRdvOfJob, markJobDropped, markJobInDoubt,
  selectChannelSwitches, selectInFlightReceipt, selectParticipant, selectRdvForReminders, selectReminderSettings,
  releaseJobs, startAttempt, withTransaction, type JobRow,
} from './db';
import { backoffMs, createWorkLoop } from '../queue/loop';
import { DeliveryError, type EmailSender, type SendResult, type SmsProvider } from './providers';
import type { WorkerSettings } from './config';

export interface WorkerDeps {
  pool: Pool;
  logger: Logger;
  mailer: EmailSender | null;
  sms: SmsProvider | null;
  /** Service-wide SMS sender; a territory's plan may override it. */
  smsSender: string;
  emailFrom: { name: string; email: string };
  settings: WorkerSettings;
  /** Business clock (due times, "has the RDV started"); tests and the bench freeze it. */
  now?: () => Date;
  /** For LISTEN: a newly scheduled message wakes the worker at once instead of at the next poll. */
  databaseUrl?: string;
}

export interface ReminderWorker {
  start(): void;
  /** Stops claiming, lets in-flight messages finish, then resolves. */
  stop(): Promise<void>;
  /** Claims and processes one batch; returns how many jobs it took. */
  runOnce(): Promise<number>;
}

type Prepared =
  | { action: 'done' }
  | { action: 'send'; receiptId: number; attempt: number; deliver: () => Promise<SendResult> };

export function createReminderWorker(deps: WorkerDeps): ReminderWorker {
  const clock = deps.now ?? (() => new Date());
  const log = deps.logger.child({ component: 'reminders-worker' });

  async function drop(client: PoolClient, job: JobRow, reason: SkipReason | 'provider_not_configured', now: Date): Promise<Prepared> {
    await markJobDropped(client, job.id, reason, now);
    await insertReceipt(client, {
      jobId: job.id, rdvId: job.rdvId, usagerId: job.usagerId, recipientId: job.recipientId, kind: job.kind, channel: job.channel,
      attempt: job.attempts, provider: null, status: 'dropped', reason,
    }, now);
    log.info({ jobId: job.id, rdvId: job.rdvId, usagerId: job.usagerId, kind: job.kind, channel: job.channel, reason }, 'message dropped');
    return { action: 'done' };
  }

  /** Transaction 2: decide under the row lock and, when sending, commit the ledger row first. */
  async function prepare(client: PoolClient, claimed: JobRow): Promise<Prepared> {
    await lockRdvOfJob(client, claimed.rdvId); // the RDV before its job: the lock order of every RDV change
    const job = await lockClaimedJob(client, claimed.id, claimed.leaseToken ?? '');
    if (!job) return { action: 'done' }; // lease lost to another worker, or the job was removed meanwhile
    const now = clock();
    const rdv = await selectRdvForReminders(client, job.rdvId);
    if (!rdv) return drop(client, job, 'rdv_cancelled', now);
    const participant = await selectParticipant(client, job.rdvId, job.usagerId);
    if (!participant) return drop(client, job, 'participant_removed', now);
    // Defence in depth: scheduling deletes the reminders of a moved RDV, but a reminder planned for another
    // start must never go out.
    if (job.kind === 'reminder' && !job.slot.endsWith(`@${rdv.startsAt.toISOString()}`)) return drop(client, job, 'superseded', now);
    const settings = await selectReminderSettings(client, rdv.territoryId);
    const switches = await selectChannelSwitches(client, rdv.organisationId, rdv.serviceId);
    const decision = deliveryDecision({
      kind: job.kind, channel: job.channel, now,
      motif: { visibility: rdv.motifVisibility, remindersEnabled: rdv.motifRemindersEnabled },
      channelSwitchedOn: switches[job.channel],
      internationalSmsOn: switches.internationalSms,
      recipient: participant.recipient,
      rdv: { status: rdv.status, startsAt: rdv.startsAt },
      participantLive: !CANCELLED_STATUSES.includes(participant.status),
      quietHours: settings.plan.quietHours,
      timeZone: rdv.timeZone,
    });
    if (decision.action === 'drop') return drop(client, job, decision.reason, now);
    if (decision.action === 'defer') {
      await deferJob(client, job.id, decision.until, now);
      return { action: 'done' };
    }
    const adapter = job.channel === 'sms' ? deps.sms : deps.mailer;
    if (!adapter) return drop(client, job, 'provider_not_configured', now);

    const inFlight = await selectInFlightReceipt(client, job.id);
    if (inFlight) {
      await concludeReceipt(client, inFlight.id, { status: 'in_doubt', reason: 'in_doubt', error: 'interrompu avant la réponse du fournisseur' }, now);
      if (!adapter.idempotent) {
        await markJobInDoubt(client, job.id, now);
        log.warn({ jobId: job.id, rdvId: job.rdvId, kind: job.kind, channel: job.channel, provider: adapter.name },
          'send in doubt after a crash; not resent because the provider has no idempotency key');
        return { action: 'done' };
      }
      log.info({ jobId: job.id, rdvId: job.rdvId, provider: adapter.name }, 'resending an in-doubt message with its idempotency key');
    }

    const ctx: RdvMessageContext = {
      kind: job.kind, rdvUuid: rdv.uuid, sequence: rdv.sequence, startsAt: rdv.startsAt, endsAt: rdv.endsAt, timeZone: rdv.timeZone,
      motifName: rdv.motifName, serviceName: rdv.serviceName, locationType: rdv.locationType, lieu: rdv.lieu,
      homeAddress: rdv.address, organisationName: rdv.organisationName, organisationPhone: rdv.organisationPhone,
      relativeFirstName: participant.relativeFirstName,
    };
    let segments: number | null = null;
    let deliver: () => Promise<SendResult>;
    if (job.channel === 'sms') {
      const sms = buildSmsText(ctx);
      segments = sms.segments;
      const provider = adapter as SmsProvider;
      const sender = settings.smsSender ?? deps.smsSender;
      deliver = () => provider.send({ to: decision.address, text: sms.text, sender, idempotencyKey: job.idempotencyKey });
    } else {
      const email = buildEmail(ctx, { now, from: deps.emailFrom, recipientEmail: decision.address });
      const mailer = adapter as EmailSender;
      deliver = () => mailer.send({ to: decision.address, ...email, idempotencyKey: job.idempotencyKey });
    }
    const { receiptId, attempt } = await startAttempt(client, {
      jobId: job.id, rdvId: job.rdvId, usagerId: job.usagerId, recipientId: job.recipientId, kind: job.kind, channel: job.channel,
      provider: adapter.name, segments, idempotencyKey: job.idempotencyKey,
    }, now);
    return { action: 'send', receiptId, attempt, deliver };
  }

  async function processJob(claimed: JobRow): Promise<void> {
    const prepared = await withTransaction(deps.pool, (client) => prepare(client, claimed));
    if (prepared.action !== 'send') return;
    let result: SendResult | null = null;
    let failure: DeliveryError | null = null;
    try {
      result = await prepared.deliver();
    } catch (err) {
      failure = err instanceof DeliveryError ? err : new DeliveryError(`erreur inattendue: ${(err as Error).message}`, 'unexpected', true);
    }
    const now = clock();
    const fields = { jobId: claimed.id, rdvId: claimed.rdvId, usagerId: claimed.usagerId, kind: claimed.kind, channel: claimed.channel, attempt: prepared.attempt };
    // One statement per outcome: the receipt and the job change together without a transaction.
    if (result) {
      await concludeAttempt(deps.pool, claimed.id, prepared.receiptId, { status: 'sent', providerMessageId: result.providerMessageId }, now);
      log.debug(fields, 'message sent');
    } else if (failure && failure.retryable && prepared.attempt < deps.settings.maxAttempts) {
      const retryAt = new Date(now.getTime() + backoffMs(deps.settings.retryBaseSeconds * 1000, prepared.attempt));
      await concludeAttempt(deps.pool, claimed.id, prepared.receiptId, { status: 'retrying', reason: failure.code, error: failure.message, retryAt }, now);
      log.warn({ ...fields, code: failure.code, retryAt }, 'message not delivered; will retry');
    } else if (failure) {
      await concludeAttempt(deps.pool, claimed.id, prepared.receiptId, { status: 'failed', reason: failure.code, error: failure.message }, now);
      log.error({ ...fields, code: failure.code }, 'message failed');
    }
  }

  async function processSafely(job: JobRow): Promise<void> {
    try {
      await processJob(job);
    } catch (err) {
      log.error({ jobId: job.id, rdvId: job.rdvId, err: (err as Error).message }, 'reminder job errored; it will be claimed again when its lease expires');
    }
  }

  /** One batch, every lane busy until it is done (tests and tools; the daemon uses `run`). */
  async function runOnce(): Promise<number> {
    const jobs = await claimDueJobs(deps.pool, clock(), deps.settings.batchSize, deps.settings.leaseSeconds);
    let next = 0;
    const lane = async () => { while (next < jobs.length) await processSafely(jobs[next++]); };
    await Promise.all(Array.from({ length: Math.min(deps.settings.concurrency, jobs.length) }, lane));
    return jobs.length;
  }

  // The daemon: the service's shared work loop over this queue's own table and lease.
  const loop = createWorkLoop<JobRow>({
    name: 'reminders',
    claim: (limit) => claimDueJobs(deps.pool, clock(), limit, deps.settings.leaseSeconds),
    run: processSafely,
    release: (jobs) => releaseJobs(deps.pool, jobs),
    concurrency: deps.settings.concurrency,
    batchSize: deps.settings.batchSize,
    pollMs: deps.settings.pollMs,
    databaseUrl: deps.databaseUrl,
    logger: log,
  });

  return {
    start: () => loop.start(),
    stop: () => loop.stop(),
    runOnce,
  };
}

export { SKIP_REASON_FR };
