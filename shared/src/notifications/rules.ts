/**
 * Who gets which message, and whether a message may still go out when its time comes. Pure: the worker reads
 * the RDV, the motif, the switches and the recipient just before sending and asks `deliveryDecision`.
 *
 * Rules: a motif whose visibility is not "visible_and_notified" never notifies anyone; a motif with reminders
 * off sends no reminder (confirmation, modification and cancellation still go); the territory's feature
 * switches (sms_reminders, email_reminders) gate each channel for every kind of message; the usager's own
 * preferences (notify_by_sms / notify_by_email) are honoured; a relative's messages go to the responsible
 * usager; an SMS to a number outside the French numbering plan needs the international_sms switch (they cost
 * more); nothing goes out after the RDV's start; nothing but the cancellation for a cancelled RDV; SMS wait
 * for the end of the quiet hours.
 */
import type { MotifVisibility, RdvStatus } from '../domain';
import { isInternationalSms, isMobileE164, tryNormalisePhone } from './phone';
import { applyQuietHours, type QuietHours } from './plan';
import type { MessageKind, NotificationChannel } from './types';

export const SKIP_REASONS = [
  'motif_not_notified', 'reminders_disabled_for_motif', 'channel_switched_off', 'usager_opted_out', 'no_phone',
  'invalid_phone', 'no_email', 'rdv_cancelled', 'rdv_not_cancelled', 'rdv_started', 'quiet_hours',
  'participant_removed', 'superseded', 'in_doubt', 'provider_not_configured', 'international_sms_off',
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/** What an agent reads on the receipt of a message that did not go out. */
export const SKIP_REASON_FR: Record<SkipReason, string> = {
  motif_not_notified: 'motif sans notification aux usagers',
  reminders_disabled_for_motif: 'rappels désactivés pour ce motif',
  channel_switched_off: 'canal désactivé pour ce service',
  usager_opted_out: "l'usager a refusé ce canal",
  no_phone: 'aucun numéro de téléphone',
  invalid_phone: "numéro de téléphone invalide ou pas un mobile",
  no_email: 'aucune adresse e-mail',
  rdv_cancelled: 'RDV annulé',
  rdv_not_cancelled: "le RDV n'est plus annulé",
  rdv_started: 'RDV déjà commencé',
  quiet_hours: 'heures calmes jusqu\'au début du RDV',
  participant_removed: "l'usager ne participe plus à ce RDV",
  superseded: 'remplacé par un message plus récent',
  provider_not_configured: 'aucun fournisseur configuré pour ce canal',
  international_sms_off: 'numéro étranger : SMS internationaux désactivés pour ce service',
  in_doubt: "envoi interrompu : le fournisseur l'a peut-être reçu ; non renvoyé pour éviter un doublon",
};

export const CANCELLED_STATUSES: readonly RdvStatus[] = ['excused', 'revoked'];

export interface Recipient {
  phone: string | null;
  email: string | null;
  notifyBySms: boolean;
  notifyByEmail: boolean;
}

export interface EligibilityInput {
  kind: MessageKind;
  channel: NotificationChannel;
  motif: { visibility: MotifVisibility; remindersEnabled: boolean };
  /** Resolved feature switch of the channel (sms_reminders / email_reminders) for the RDV's organisation and service. */
  channelSwitchedOn: boolean;
  /** Resolved international_sms switch: SMS to numbers outside the French numbering plan. Off when absent. */
  internationalSmsOn?: boolean;
  recipient: Recipient;
}

export type Eligibility = { ok: true; address: string } | { ok: false; reason: SkipReason };

export function channelEligibility(input: EligibilityInput): Eligibility {
  if (input.motif.visibility !== 'visible_and_notified') return { ok: false, reason: 'motif_not_notified' };
  if (input.kind === 'reminder' && !input.motif.remindersEnabled) return { ok: false, reason: 'reminders_disabled_for_motif' };
  if (!input.channelSwitchedOn) return { ok: false, reason: 'channel_switched_off' };
  const r = input.recipient;
  if (input.channel === 'sms') {
    if (!r.notifyBySms) return { ok: false, reason: 'usager_opted_out' };
    if (!r.phone) return { ok: false, reason: 'no_phone' };
    const e164 = tryNormalisePhone(r.phone);
    if (!e164 || !isMobileE164(e164)) return { ok: false, reason: 'invalid_phone' };
    if (isInternationalSms(e164) && !input.internationalSmsOn) return { ok: false, reason: 'international_sms_off' };
    return { ok: true, address: e164 };
  }
  if (!r.notifyByEmail) return { ok: false, reason: 'usager_opted_out' };
  if (!r.email || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(r.email)) return { ok: false, reason: 'no_email' };
  return { ok: true, address: r.email };
}

export interface DeliveryInput extends EligibilityInput {
  now: Date;
  rdv: { status: RdvStatus; startsAt: Date };
  /** False when the participant left the RDV (or their own participation was cancelled). */
  participantLive: boolean;
  quietHours: QuietHours | null;
  timeZone: string;
}

export type Delivery =
  | { action: 'send'; address: string }
  | { action: 'drop'; reason: SkipReason }
  | { action: 'defer'; until: Date };

/** The last check before a message leaves: the order of the tests is the order of the reasons an agent reads. */
export function deliveryDecision(input: DeliveryInput): Delivery {
  const cancelled = CANCELLED_STATUSES.includes(input.rdv.status);
  if (input.kind === 'cancellation') {
    if (!cancelled) return { action: 'drop', reason: 'rdv_not_cancelled' };
  } else {
    if (cancelled) return { action: 'drop', reason: 'rdv_cancelled' };
    if (!input.participantLive) return { action: 'drop', reason: 'participant_removed' };
  }
  if (input.now.getTime() >= input.rdv.startsAt.getTime()) return { action: 'drop', reason: 'rdv_started' };
  const e = channelEligibility(input);
  if (!e.ok) return { action: 'drop', reason: e.reason };
  const t = applyQuietHours(input.channel, input.now, input.rdv.startsAt, input.quietHours, input.timeZone);
  if (t.action === 'drop') return { action: 'drop', reason: t.reason };
  if (t.at.getTime() > input.now.getTime()) return { action: 'defer', until: t.at };
  return { action: 'send', address: e.address };
}
