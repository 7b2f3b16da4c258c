/**
 * Schemas of the HTTP API: one source for the service (validation, OpenAPI) and the add-in (forms).
 * Messages are French first (zod's French locale), since agents read them in the task pane.
 */
import { z } from 'zod';
import {
  AGENT_ROLES, BOOKABLE_BY, FEATURES, LIEU_AVAILABILITIES, LOCATION_TYPES, MOTIF_VISIBILITIES, RDV_STATUSES,
  TERRITORY_RIGHTS, TERRITORY_TIME_ZONES,
} from '../domain';

z.config(z.locales.fr());

const MINUTES_PER_DAY = 1440;

/** Object-level rules run only once every field parsed: they compare parsed values (dates), never raw input. */
const onceValid = { when: (payload: { issues: readonly unknown[] }) => payload.issues.length === 0 };

// ---------- ids ----------
/** An id in a JSON body: a positive integer and nothing else (not true, not [1], not "1"). */
export const id = z.number().int().positive();
/**
 * An id in a path or a query string: decimal digits only (no sign, exponent, hex, spaces or leading zero), at most
 * 15 digits so that it stays an exact JavaScript number.
 */
export const idText = z.string().regex(/^[1-9]\d{0,14}$/, 'identifiant attendu : un entier positif écrit en chiffres').transform(Number);
/** The `:id` of a route's path. */
export const idParams = z.object({ id: idText });
/** A small count in a query string (e.g. a page size), parsed as strictly as an id. */
const countText = (min: number, max: number) => z.string().regex(/^\d{1,6}$/, 'nombre entier attendu').transform(Number).pipe(z.number().int().min(min).max(max));

// ---------- text ----------
// PostgreSQL cannot store a NUL byte (the request would fail deep in the store), and control characters or
// bidirectional overrides make a name look different from what it is (a right-to-left override reverses what an
// agent reads, e.g. in a search result). They are refused, not stripped: the client learns its input was wrong
// instead of seeing something else stored.
const CONTROL_CHARS = /[\u0000-\u001F\u007F-\u009F]/;
/** Multi-line text keeps tab, line feed and carriage return. */
const CONTROL_CHARS_MULTILINE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
/** Bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069). */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/;
const CONTROL_MESSAGE = 'caractère de contrôle ou de direction du texte interdit';
/** A one-line text (names, titles, short fields), trimmed, without control or bidi characters. */
export const singleLine = (max: number, min = 0) => z.string().trim().min(min).max(max)
  .refine((s) => !CONTROL_CHARS.test(s) && !BIDI_CONTROLS.test(s), CONTROL_MESSAGE);
/** A free text that may span lines (addresses, notes, reasons), trimmed, without other control or bidi characters. */
export const multiLine = (max: number, min = 0) => z.string().trim().min(min).max(max)
  .refine((s) => !CONTROL_CHARS_MULTILINE.test(s) && !BIDI_CONTROLS.test(s), CONTROL_MESSAGE);

// ---------- dates ----------
// Dates are bounded so that nothing out of range reaches the store or the availability engine (year 0000 does not
// exist in PostgreSQL; a plage recurring until then used to break every availability query touching it).
// Appointments, plages, absences and periods: years 2000–2100. Birth dates: years 1900–2100.
export const DATE_YEARS = { min: 2000, max: 2100 } as const;
export const BIRTH_DATE_YEARS = { min: 1900, max: 2100 } as const;
const dateBetween = (years: { min: number; max: number }) => z.string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'date attendue au format AAAA-MM-JJ')
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), { message: 'date inexistante', abort: true })
  .refine((s) => Number(s.slice(0, 4)) >= years.min && Number(s.slice(0, 4)) <= years.max, `date attendue entre ${years.min} et ${years.max}`);
/** A calendar day (plages, absences, availability periods), years 2000–2100. */
export const localDate = dateBetween(DATE_YEARS);
export const birthDate = dateBetween(BIRTH_DATE_YEARS);
export const localTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'heure attendue au format HH:MM');
/** An instant with its offset, e.g. 2026-03-30T09:00:00+02:00 or …Z; years 2000–2100. */
export const instant = z.string().datetime({ offset: true, message: 'date-heure ISO 8601 avec fuseau attendue (ex. 2026-03-30T09:00:00+02:00)' })
  .transform((s) => new Date(s))
  .refine((d) => d.getUTCFullYear() >= DATE_YEARS.min && d.getUTCFullYear() <= DATE_YEARS.max, `date attendue entre ${DATE_YEARS.min} et ${DATE_YEARS.max}`);
export const name = singleLine(200, 1);

/**
 * The PATCH form of a create schema: every field optional and WITHOUT its default (a partial update must
 * never reset a field the caller did not send), scope fields (e.g. organisationId) left out.
 */
export function patchOf<S extends z.ZodRawShape, K extends keyof S = never>(schema: z.ZodObject<S>, omit: K[] = []) {
  return z.object(Object.fromEntries(Object.entries(schema.shape).filter(([k]) => !omit.includes(k as K))
    .map(([k, v]) => [k, ((v instanceof z.ZodDefault ? v.removeDefault() : v) as z.ZodType).optional()]))).strict() as unknown as
    z.ZodObject<{ [P in Exclude<keyof S, K>]: z.ZodOptional<S[P]> }>;
}
const optionalText = (max: number) => singleLine(max).nullable().optional();
const optionalMultiLine = (max: number) => multiLine(max).nullable().optional();

export const recurrenceSchema = z.object({
  frequency: z.enum(['weekly', 'monthly']),
  interval: z.number().int().min(1).max(52).default(1),
  weekdays: z.array(z.number().int().min(1).max(7)).max(7).optional(),
  monthlyMode: z.enum(['day_of_month', 'nth_weekday']).optional(),
  until: localDate.nullable().optional(),
}).strict();

// ---------- configuration ----------
export const territoryCreate = z.object({
  name,
  departementCode: z.string().regex(/^(\d{2}|2A|2B|97\d)$/, 'code de département attendu (ex. 86, 2A, 974)'),
  timeZone: z.enum(TERRITORY_TIME_ZONES).default('Europe/Paris'),
  whitMondayIsHoliday: z.boolean().default(true),
  worksOnPublicHolidays: z.boolean().default(false),
  outlookEventDetail: z.enum(['motif_and_lieu', 'motif_lieu_and_usager_initials', 'full']).default('motif_and_lieu'),
  outlookDeletionPolicy: z.enum(['restore_and_flag', 'cancel_and_notify']).default('restore_and_flag'),
  outlookTentativeBlocks: z.boolean().default(false),
  /** May organisations of the territory follow each other's usagers (explicit, audited, with its own right)? */
  usagerFollowAcrossOrganisations: z.boolean().default(false),
}).strict();

export const organisationCreate = z.object({
  territoryId: id,
  name,
  phone: optionalText(30),
  email: z.string().email().nullable().optional(),
  address: optionalMultiLine(300),
}).strict();

export const serviceCreate = z.object({ territoryId: id, name, shortName: singleLine(20, 1) }).strict();

export const lieuCreate = z.object({
  organisationId: id,
  name,
  address: multiLine(300, 1),
  phone: optionalText(30),
  availability: z.enum(LIEU_AVAILABILITIES).default('enabled'),
}).strict();

export const agentCreate = z.object({
  organisationId: id,
  role: z.enum(AGENT_ROLES),
  firstName: name,
  lastName: name,
  email: z.string().trim().toLowerCase().email(),
  entraOid: z.string().uuid().nullable().optional(),
  outlookMailbox: z.string().trim().toLowerCase().email().nullable().optional(),
  outlookSyncOptOut: z.boolean().default(false),
  serviceIds: z.array(id).max(20).default([]),
}).strict();

/** PUT /api/config/territories/:id/rights (and the query of DELETE): one territory right of one agent. */
export const territoryRightGrant = z.object({ agentId: id, right: z.enum(TERRITORY_RIGHTS) }).strict();
/** The same, as the query string of a revocation (`?agentId=12&right=usager_follow`). */
export const territoryRightRevoke = z.object({ agentId: idText, right: z.enum(TERRITORY_RIGHTS) }).strict();

export const motifCreate = z.object({
  organisationId: id,
  serviceId: id,
  name,
  color: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'couleur attendue au format #RRGGBB').default('#1f6feb'),
  durationMinutes: z.number().int().min(5).max(1440),
  bufferMinutes: z.number().int().min(0).max(240).default(0),
  locationType: z.enum(LOCATION_TYPES),
  // Bounded so that a typo cannot overflow the store (an integer column): at most one year of notice, two years ahead.
  minBookingDelayMinutes: z.number().int().min(0).max(MINUTES_PER_DAY * 365).default(30),
  maxBookingDelayMinutes: z.number().int().min(1).max(MINUTES_PER_DAY * 731).default(129600),
  bookableBy: z.enum(BOOKABLE_BY).default('agents'),
  remindersEnabled: z.boolean().default(true),
  visibility: z.enum(MOTIF_VISIBILITIES).default('visible_and_notified'),
  collective: z.boolean().default(false),
  defaultCapacity: z.number().int().min(1).max(500).nullable().optional(),
}).strict()
  .refine((m) => m.maxBookingDelayMinutes > m.minBookingDelayMinutes, { message: 'le délai maximum doit dépasser le délai minimum', path: ['maxBookingDelayMinutes'], ...onceValid });

const timeWindowFields = {
  firstDay: localDate,
  startTime: localTime,
  endTime: localTime,
  recurrence: recurrenceSchema.nullable().default(null),
};

export const plageCreate = z.object({
  organisationId: id,
  agentId: id,
  lieuId: id.nullable().optional(),
  title: singleLine(200).default(''),
  ...timeWindowFields,
  startTime2: localTime.nullable().optional(),
  endTime2: localTime.nullable().optional(),
  motifIds: z.array(id).min(1).max(50),
  bufferMinutesOverride: z.number().int().min(0).max(240).nullable().optional(),
}).strict()
  .refine((p) => p.endTime > p.startTime, { message: "l'heure de fin doit suivre l'heure de début", path: ['endTime'], ...onceValid })
  .refine((p) => (p.startTime2 == null) === (p.endTime2 == null), { message: 'la seconde plage horaire doit avoir un début et une fin', path: ['endTime2'], ...onceValid })
  .refine((p) => p.startTime2 == null || (p.startTime2 >= p.endTime && p.endTime2! > p.startTime2), { message: 'la seconde plage horaire doit suivre la première', path: ['startTime2'], ...onceValid });

export const absenceCreate = z.object({
  organisationId: id,
  agentId: id,
  title: singleLine(200).default(''),
  ...timeWindowFields,
  endDay: localDate,
}).strict()
  .refine((a) => `${a.endDay}T${a.endTime}` > `${a.firstDay}T${a.startTime}`, { message: "la fin de l'absence doit suivre son début", path: ['endDay'], ...onceValid });

export const featureSwitchSet = z.object({
  territoryId: id,
  organisationId: id.nullable().optional(),
  serviceId: id.nullable().optional(),
  feature: z.enum(FEATURES),
  enabled: z.boolean(),
}).strict();

// ---------- usagers ----------
export const phoneInput = z.string().trim().regex(/^\+?[\d .()-]{8,20}$/, 'numéro de téléphone invalide');

export const usagerCreate = z.object({
  organisationId: id,
  firstName: name,
  lastName: name,
  birthName: optionalText(200),
  birthDate: birthDate.nullable().optional(),
  phone: phoneInput.nullable().optional(),
  email: z.string().trim().toLowerCase().email().nullable().optional(),
  address: optionalMultiLine(300),
  communeCode: z.string().regex(/^(\d{5}|2[AB]\d{3})$/, 'code commune INSEE attendu (5 caractères)').nullable().optional(),
  notifyBySms: z.boolean().default(true),
  notifyByEmail: z.boolean().default(true),
}).strict();

export const usagerUpdate = patchOf(usagerCreate, ['organisationId']);

/** POST /api/usagers/:id/follow: the caller's organisation starts following an usager of another organisation. */
export const usagerFollow = z.object({ organisationId: id }).strict();

export const relativeCreate = z.object({
  firstName: name,
  lastName: name,
  birthDate: birthDate.nullable().optional(),
}).strict();

export const usagerSearch = z.object({
  organisationId: idText.optional(),
  q: singleLine(100, 2).optional(),
  // Digits are what is matched: a "phone" without any would match every usager.
  phone: z.string().trim().max(30).regex(/^[+\d\s.\-()/]*$/, 'numéro de téléphone : chiffres, espaces, points, tirets ou + attendus')
    .refine((p) => p.replace(/\D/g, '').length >= 4, 'au moins 4 chiffres du numéro attendus').optional(),
  birthDate: birthDate.optional(),
  limit: countText(1, 100).default(20),
}).strict().refine((s) => s.q || s.phone || s.birthDate, { message: 'indiquez un nom, un téléphone ou une date de naissance', path: ['q'], ...onceValid });

// ---------- RDVs ----------
export const rdvCreate = z.object({
  motifId: id,
  lieuId: id.nullable().optional(),
  startsAt: instant,
  /** Defaults to start + the motif's duration. */
  endsAt: instant.optional(),
  agentIds: z.array(id).min(1).max(10),
  usagerIds: z.array(id).max(500).default([]),
  capacity: z.number().int().min(1).max(500).optional(),
  address: optionalMultiLine(300),
  context: optionalMultiLine(2000),
  channel: z.enum(['addin', 'api']).default('api'),
  /** Booked from an appointment the agent is composing in Outlook: the add-in's item becomes the RDV's event. */
  outlookItem: z.literal('compose').optional(),
}).strict();

/** An Outlook item id as the add-in has it from convertToRestId (Exchange REST id, URL-safe base64). */
export const outlookItemId = z.string().min(1, "identifiant d'élément Outlook manquant").max(1024, "identifiant d'élément Outlook trop long")
  .regex(/^[A-Za-z0-9_+/=-]+$/, "identifiant d'élément Outlook attendu (celui de convertToRestId)");
export const outlookItemParams = z.object({ itemId: outlookItemId }).strict();
/** The add-in reports the appointment it saved for an RDV booked in compose mode. */
export const outlookItemReport = z.object({ rdvId: id, itemId: outlookItemId }).strict();

export const rdvMove = z.object({
  startsAt: instant,
  endsAt: instant.optional(),
  lieuId: id.nullable().optional(),
  agentIds: z.array(id).min(1).max(10).optional(),
}).strict();

export const rdvCancel = z.object({
  status: z.enum(['excused', 'revoked']),
  reason: multiLine(500, 1),
}).strict();

export const rdvSetStatus = z.object({
  status: z.enum(RDV_STATUSES).refine((s) => s !== 'excused' && s !== 'revoked', 'pour annuler, utilisez /cancel avec un motif'),
}).strict();

export const rdvParticipantsAdd = z.object({ usagerIds: z.array(id).min(1).max(500) }).strict();

export const rdvList = z.object({
  agentId: idText.optional(),
  organisationId: idText.optional(),
  from: instant,
  to: instant,
  status: z.enum(RDV_STATUSES).optional(),
}).strict().refine((q) => q.to > q.from, { message: 'la fin de la période doit suivre son début', path: ['to'], ...onceValid })
  .refine((q) => q.to.getTime() - q.from.getTime() <= 93 * 86_400_000, { message: 'période limitée à 3 mois', path: ['to'], ...onceValid });

// ---------- availability ----------
export const availabilityQuery = z.object({
  motifId: idText,
  lieuId: idText.optional(),
  agentId: idText.optional(),
  from: localDate,
  to: localDate,
}).strict().refine((q) => q.to >= q.from, { message: 'la fin de la période doit suivre son début', path: ['to'], ...onceValid })
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= 92 * 86_400_000, { message: 'période limitée à 3 mois', path: ['to'], ...onceValid });

export const nextAvailabilityQuery = z.object({
  motifId: idText,
  lieuId: idText.optional(),
  agentId: idText.optional(),
}).strict();

export type RdvCreate = z.infer<typeof rdvCreate>;
export type UsagerCreate = z.infer<typeof usagerCreate>;
export { z };
