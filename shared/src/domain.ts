/**
 * Domain vocabulary shared by the sync service and the add-in (DESIGN.md section 2).
 * Pure types and constants: no I/O, no clock.
 */

/** ISO weekday: 1 = Monday … 7 = Sunday. */
export type IsoWeekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/**
 * Recurrence of a plage d'ouverture or an absence, stored as JSON in the `recurrence` column.
 * Absent (null) means the plage/absence happens once, on its first day.
 */
export interface Recurrence {
  frequency: 'weekly' | 'monthly';
  /** Every N weeks (counted from the Monday-based week containing the first day) or every N months. */
  interval: number;
  /** Weekly only: ISO weekdays it occurs on; empty or absent means the first day's weekday. */
  weekdays?: IsoWeekday[];
  /** Monthly only: same day of month as the first day, or "the n-th <weekday>" of the first day (e.g. 2nd Tuesday). */
  monthlyMode?: 'day_of_month' | 'nth_weekday';
  /** Last local date (YYYY-MM-DD) on which it may occur, inclusive. */
  until?: string | null;
}

export const RDV_STATUSES = ['unknown', 'seen', 'excused', 'revoked', 'noshow'] as const;
export type RdvStatus = (typeof RDV_STATUSES)[number];
/** Statuses whose RDV occupies the agent's time (excused and revoked free it). */
export const LIVE_RDV_STATUSES: readonly RdvStatus[] = ['unknown', 'seen', 'noshow'];

export const LOCATION_TYPES = ['public_office', 'phone', 'home', 'visio'] as const;
export type LocationType = (typeof LOCATION_TYPES)[number];

export const BOOKABLE_BY = ['agents', 'agents_and_prescripteurs', 'everyone'] as const;
export type BookableBy = (typeof BOOKABLE_BY)[number];

/** visible_and_notified: normal; visible_and_not_notified: no message ever goes to the usager; invisible: hidden from the usager's own views and never notified. */
export const MOTIF_VISIBILITIES = ['visible_and_notified', 'visible_and_not_notified', 'invisible'] as const;
export type MotifVisibility = (typeof MOTIF_VISIBILITIES)[number];

export const AGENT_ROLES = ['admin', 'basic', 'intervenant'] as const;
export type AgentRole = (typeof AGENT_ROLES)[number];

/**
 * Rights above any organisation's admin, granted per territory: `agent_identities` binds agents to their Entra
 * account and grants these rights; `usager_follow` lets one's organisation follow an usager of another one.
 */
export const TERRITORY_RIGHTS = ['agent_identities', 'usager_follow'] as const;
export type TerritoryRight = (typeof TERRITORY_RIGHTS)[number];

export const CHANNELS = ['addin', 'api', 'outlook', 'online', 'waitlist', 'sync', 'reminder', 'seed'] as const;
export type Channel = (typeof CHANNELS)[number];

/** international_sms: SMS to numbers outside the French numbering plan (they cost more); off unless switched on. */
export const FEATURES = ['outlook_sync', 'sms_reminders', 'email_reminders', 'online_booking', 'sectorisation', 'waitlist', 'international_sms'] as const;
export type Feature = (typeof FEATURES)[number];

export const SHOW_AS = ['free', 'tentative', 'busy', 'oof', 'workingElsewhere', 'unknown'] as const;
export type ShowAs = (typeof SHOW_AS)[number];

export const LIEU_AVAILABILITIES = ['enabled', 'disabled', 'single_use'] as const;
export type LieuAvailability = (typeof LIEU_AVAILABILITIES)[number];

/** IANA zones of the territories we serve (metropolitan France and overseas départements). */
export const TERRITORY_TIME_ZONES = [
  'Europe/Paris', 'America/Guadeloupe', 'America/Martinique', 'America/Cayenne', 'Indian/Reunion', 'Indian/Mayotte',
] as const;
