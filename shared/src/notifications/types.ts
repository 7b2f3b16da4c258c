/**
 * Vocabulary of notifications to usagers (DESIGN.md section 5). Pure types and constants.
 */
import type { LocationType } from '../domain';

/** confirmation on booking, reminder(s) before, modification (time or place changed), cancellation. */
export const MESSAGE_KINDS = ['confirmation', 'reminder', 'modification', 'cancellation'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

export const NOTIFICATION_CHANNELS = ['sms', 'email'] as const;
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];

/** Everything a message says about an RDV, read from the store just before sending. */
export interface RdvMessageContext {
  kind: MessageKind;
  /** ICS UID. */
  rdvUuid: string;
  /** ICS SEQUENCE. */
  sequence: number;
  startsAt: Date;
  endsAt: Date;
  /** IANA zone of the territory: times are shown in local time. */
  timeZone: string;
  motifName: string;
  serviceName?: string | null;
  locationType: LocationType;
  lieu?: { name: string; address: string; phone?: string | null } | null;
  /** Home visits: where the agent goes. */
  homeAddress?: string | null;
  organisationName: string;
  organisationPhone?: string | null;
  /** First name of the relative (e.g. a child) when the message goes to the responsible usager. */
  relativeFirstName?: string | null;
}
