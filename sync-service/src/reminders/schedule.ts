/**
 * Scheduling of messages to usagers, inside the transaction of every RDV change (see ../rdv-events.ts): what is
 * written here commits or rolls back with the change itself, so a move always replaces the reminders it
 * makes stale and a cancellation always removes them.
 *
 * Jobs are keyed by (RDV, participant, kind, channel, slot):
 * - created: a confirmation now, and the reminders of the territory's plan;
 * - moved / lieu changed: pending reminders are replaced by those of the new time, and a modification goes
 *   out (unless the confirmation is still waiting: it will carry the new details itself);
 * - cancelled: every pending message is removed, and a cancellation goes out on each channel where the usager
 *   had already been told about the RDV;
 * - participants changed: newcomers get a confirmation and reminders; those who left lose their pending jobs.
 * The worker checks everything again just before sending (see ./worker.ts): these rules decide what to plan,
 * the worker decides what may still go.
 */
import type { PoolClient } from 'pg';
import { onRdvChange, type RdvChange } from '../rdv-events';
import {
  applyQuietHours, CANCELLED_STATUSES, channelEligibility, NOTIFICATION_CHANNELS, planReminders,
  type MessageKind, type NotificationChannel,
} from '../../../shared/src/notifications';
import {
  deletePendingJobs, deletePendingJobsOfFormerParticipants, hasAnyJob, hasPendingConfirmation, insertJob, insertReceipt,
  selectChannelSwitches, selectInformedChannels, type ChannelSwitches, selectParticipants, selectReminderSettings, selectRdvForReminders,
  type ParticipantForReminders, type Queryable, type RdvForReminders, type TerritoryReminderSettings,
} from './db';

interface Context {
  db: Queryable;
  rdv: RdvForReminders;
  settings: TerritoryReminderSettings;
  switches: ChannelSwitches;
  now: Date;
}

const isLive = (p: ParticipantForReminders) => !CANCELLED_STATUSES.includes(p.status);

function eligible(ctx: Context, p: ParticipantForReminders, kind: MessageKind, channel: NotificationChannel): boolean {
  return channelEligibility({
    kind, channel,
    motif: { visibility: ctx.rdv.motifVisibility, remindersEnabled: ctx.rdv.motifRemindersEnabled },
    channelSwitchedOn: ctx.switches[channel],
    internationalSmsOn: ctx.switches.internationalSms,
    recipient: p.recipient,
  }).ok;
}

/** A message to send as soon as possible (confirmation, modification, cancellation): SMS wait out quiet hours. */
async function scheduleNow(ctx: Context, p: ParticipantForReminders, kind: MessageKind, channel: NotificationChannel, slot: string): Promise<void> {
  const t = applyQuietHours(channel, ctx.now, ctx.rdv.startsAt, ctx.settings.plan.quietHours, ctx.rdv.timeZone);
  const base = { rdvId: ctx.rdv.id, usagerId: p.usagerId, recipientId: p.recipientId, kind, channel, slot };
  if (t.action === 'send_at') {
    await insertJob(ctx.db, { ...base, dueAt: t.at }, ctx.now);
    return;
  }
  await insertDropped(ctx, p, kind, channel, slot, ctx.now, t.reason);
}

async function insertDropped(
  ctx: Context, p: ParticipantForReminders, kind: MessageKind, channel: NotificationChannel, slot: string, dueAt: Date, reason: string,
): Promise<void> {
  const jobId = await insertJob(ctx.db, {
    rdvId: ctx.rdv.id, usagerId: p.usagerId, recipientId: p.recipientId, kind, channel, slot, dueAt, dropReason: reason,
  }, ctx.now);
  if (jobId === null) return;
  await insertReceipt(ctx.db, {
    jobId, rdvId: ctx.rdv.id, usagerId: p.usagerId, recipientId: p.recipientId, kind, channel, attempt: 0,
    provider: null, status: 'dropped', reason,
  }, ctx.now);
}

async function scheduleReminders(ctx: Context, p: ParticipantForReminders): Promise<void> {
  const startKey = ctx.rdv.startsAt.toISOString();
  for (const r of planReminders(ctx.settings.plan, ctx.rdv.startsAt, ctx.rdv.timeZone, ctx.now)) {
    if (!eligible(ctx, p, 'reminder', r.channel)) continue;
    const slot = `${r.stepKey}@${startKey}`;
    if (r.dropped) await insertDropped(ctx, p, 'reminder', r.channel, slot, r.dueAt, r.dropped);
    else await insertJob(ctx.db, { rdvId: ctx.rdv.id, usagerId: p.usagerId, recipientId: p.recipientId, kind: 'reminder', channel: r.channel, slot, dueAt: r.dueAt }, ctx.now);
  }
}

async function scheduleNewParticipant(ctx: Context, p: ParticipantForReminders, confirmationSlot: string): Promise<void> {
  for (const channel of NOTIFICATION_CHANNELS) {
    if (eligible(ctx, p, 'confirmation', channel)) await scheduleNow(ctx, p, 'confirmation', channel, confirmationSlot);
  }
  await scheduleReminders(ctx, p);
}

async function onChanged(ctx: Context, participants: ParticipantForReminders[], withModification: boolean): Promise<void> {
  await deletePendingJobs(ctx.db, ctx.rdv.id, ['reminder', 'modification']);
  const slot = `${ctx.rdv.startsAt.toISOString()}|${ctx.rdv.lieuId ?? '-'}`;
  for (const p of participants.filter(isLive)) {
    if (!(await hasAnyJob(ctx.db, ctx.rdv.id, p.usagerId))) {
      await scheduleNewParticipant(ctx, p, 'once');
      continue;
    }
    if (withModification) {
      for (const channel of NOTIFICATION_CHANNELS) {
        if (!eligible(ctx, p, 'modification', channel)) continue;
        if (await hasPendingConfirmation(ctx.db, ctx.rdv.id, p.usagerId, channel)) continue;
        await scheduleNow(ctx, p, 'modification', channel, slot);
      }
    }
    await scheduleReminders(ctx, p);
  }
}

async function onCancelled(ctx: Context, participants: ParticipantForReminders[]): Promise<void> {
  await deletePendingJobs(ctx.db, ctx.rdv.id, ['confirmation', 'reminder', 'modification']);
  for (const p of participants) await cancelFor(ctx, p);
}

/** `slot` keys the cancellation: one per RDV cancellation instant, or one per participant who left. */
async function cancelFor(ctx: Context, p: ParticipantForReminders, slot = `cancel@${ctx.now.toISOString()}`): Promise<void> {
  for (const channel of await selectInformedChannels(ctx.db, ctx.rdv.id, p.usagerId)) {
    if (eligible(ctx, p, 'cancellation', channel)) await scheduleNow(ctx, p, 'cancellation', channel, slot);
  }
}

/** Plans (or re-plans) the messages of the RDV named by `change`. Runs inside the change's transaction. */
export async function scheduleForChange(db: Queryable, change: RdvChange): Promise<void> {
  const rdv = await selectRdvForReminders(db, change.rdvId);
  if (!rdv) return;
  const ctx: Context = {
    db, rdv, now: change.at,
    settings: await selectReminderSettings(db, rdv.territoryId),
    switches: await selectChannelSwitches(db, rdv.organisationId, rdv.serviceId),
  };
  const participants = await selectParticipants(db, rdv.id);
  const cancelled = CANCELLED_STATUSES.includes(rdv.status);
  const future = rdv.startsAt.getTime() > change.at.getTime();

  if (cancelled) {
    // Whatever the change, a cancelled RDV keeps no pending message but its cancellation.
    if (change.kind === 'cancelled' && future) await onCancelled(ctx, participants);
    else await deletePendingJobs(db, rdv.id, ['confirmation', 'reminder', 'modification']);
    return;
  }
  if (!future) {
    await deletePendingJobs(db, rdv.id, ['confirmation', 'reminder', 'modification']);
    return;
  }
  switch (change.kind) {
    case 'created':
      for (const p of participants.filter(isLive)) await scheduleNewParticipant(ctx, p, 'once');
      return;
    case 'moved':
    case 'lieu_changed': {
      // An agent swap is emitted as 'moved' with the same start: the usager sees no change, so no message.
      const p = change.previous;
      const sameStart = p?.startsAt !== undefined && p.startsAt.getTime() === rdv.startsAt.getTime();
      const sameLieu = p?.lieuId === undefined || (p.lieuId ?? null) === rdv.lieuId;
      const unchangedForUsager = change.kind === 'moved' ? sameStart && sameLieu : (p?.lieuId !== undefined && sameLieu);
      await onChanged(ctx, participants, !unchangedForUsager);
      return;
    }
    case 'status_changed': {
      const wasCancelled = change.previous?.status !== undefined && CANCELLED_STATUSES.includes(change.previous.status as never);
      // Reinstated after a cancellation: the usager is told again, as for a new booking.
      if (wasCancelled) for (const p of participants.filter(isLive)) {
        await scheduleNewParticipant(ctx, p, `reinstated@${change.at.toISOString()}`);
      }
      return;
    }
    case 'participants_changed': {
      await deletePendingJobsOfFormerParticipants(db, rdv.id);
      for (const p of participants) {
        if (isLive(p)) {
          if (!(await hasAnyJob(db, rdv.id, p.usagerId))) await scheduleNewParticipant(ctx, p, 'once');
        } else {
          // Their own participation was cancelled: same as a cancellation, for them only.
          await deletePendingJobs(db, rdv.id, ['confirmation', 'reminder', 'modification'], p.usagerId);
          await cancelFor(ctx, p, 'participant-cancelled');
        }
      }
      return;
    }
    case 'cancelled':
      return;
  }
}

let unregister: (() => void) | null = null;

/**
 * Hooks reminder scheduling into every RDV change. Call it once in every process that changes RDVs (the API),
 * whether or not that process also runs the worker. Calling it twice changes nothing.
 */
export function registerReminderScheduling(): () => void {
  if (!unregister) {
    const off = onRdvChange((client: PoolClient, change: RdvChange) => scheduleForChange(client, change));
    unregister = () => { off(); unregister = null; };
  }
  return unregister;
}
