/**
 * The messages a booking will send, shown before the agent confirms: the confirmation and the reminder, by SMS
 * and by email, each with whether it goes and why not. The same pure rule the reminders worker applies
 * (shared/src/notifications/rules.ts), fed with the motif, the usager's preferences and the switches effective for
 * the motif's organisation and service.
 */
import { channelEligibility, type SkipReason } from '../../shared/src/notifications/rules';
import type { FeatureSwitches, Motif, Usager } from './api/types';

export interface PlannedMessage { kind: 'confirmation' | 'reminder'; channel: 'sms' | 'email'; goes: boolean; reason?: SkipReason }

export function plannedMessages(motif: Motif, usager: Usager, switches: FeatureSwitches): PlannedMessage[] {
  const out: PlannedMessage[] = [];
  for (const kind of ['confirmation', 'reminder'] as const) {
    for (const channel of ['sms', 'email'] as const) {
      const e = channelEligibility({
        kind, channel,
        motif: { visibility: motif.visibility as 'visible_and_notified', remindersEnabled: motif.remindersEnabled },
        channelSwitchedOn: Boolean(switches[channel === 'sms' ? 'sms_reminders' : 'email_reminders']),
        internationalSmsOn: Boolean(switches.international_sms),
        recipient: { phone: usager.phone, email: usager.email, notifyBySms: usager.notifyBySms, notifyByEmail: usager.notifyByEmail },
      });
      out.push(e.ok ? { kind, channel, goes: true } : { kind, channel, goes: false, reason: e.reason });
    }
  }
  return out;
}
