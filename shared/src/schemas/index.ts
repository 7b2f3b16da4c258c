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

export const id = z.coerce.number().int().positive();
export const localDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'date attendue au format AAAA-MM-JJ')
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'date inexistante');
export const localTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'heure attendue au format HH:MM');
/** An instant with its offset, e.g. 2026-03-30T09:00:00+02:00 or …Z. */
export const instant = z.string().datetime({ offset: true, message: 'date-heure ISO 8601 avec fuseau attendue (ex. 2026-03-30T09:00:00+02:00)' })
  .transform((s) => new Date(s));
const name = z.string().trim().min(1).max(200);

/**
 * The PATCH form of a create schema: every field optional and WITHOUT its default (a partial update must
 * never reset a field the caller did not send), scope fields (e.g. organisationId) left out.
 */
export function patchOf<S extends z.ZodRawShape, K extends keyof S = never>(schema: z.ZodObject<S>, omit: K[] = []) {
  return z.object(Object.fromEntries(Object.entries(schema.shape).filter(([k]) => !omit.includes(k as K))
    .map(([k, v]) => [k, ((v instanceof z.ZodDefault ? v.removeDefault() : v) as z.ZodType).optional()]))).strict() as unknown as
    z.ZodObject<{ [P in Exclude<keyof S, K>]: z.ZodOptional<S[P]> }>;
}
const optionalText = (max: number) => z.string().trim().max(max).nullable().optional();

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
  address: optionalText(300),
}).strict();

export const serviceCreate = z.object({ territoryId: id, name, shortName: z.string().trim().min(1).max(20) }).strict();

export const lieuCreate = z.object({
  organisationId: id,
  name,
  address: z.string().trim().min(1).max(300),
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

export const motifCreate = z.object({
  organisationId: id,
  serviceId: id,
  name,
  color: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'couleur attendue au format #RRGGBB').default('#1f6feb'),
  durationMinutes: z.number().int().min(5).max(1440),
  bufferMinutes: z.number().int().min(0).max(240).default(0),
  locationType: z.enum(LOCATION_TYPES),
  minBookingDelayMinutes: z.number().int().min(0).default(30),
  maxBookingDelayMinutes: z.number().int().min(1).default(129600),
  bookableBy: z.enum(BOOKABLE_BY).default('agents'),
  remindersEnabled: z.boolean().default(true),
  visibility: z.enum(MOTIF_VISIBILITIES).default('visible_and_notified'),
  collective: z.boolean().default(false),
  defaultCapacity: z.number().int().min(1).max(500).nullable().optional(),
}).strict()
  .refine((m) => m.maxBookingDelayMinutes > m.minBookingDelayMinutes, { message: 'le délai maximum doit dépasser le délai minimum', path: ['maxBookingDelayMinutes'] });

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
  title: z.string().trim().max(200).default(''),
  ...timeWindowFields,
  startTime2: localTime.nullable().optional(),
  endTime2: localTime.nullable().optional(),
  motifIds: z.array(id).min(1).max(50),
  bufferMinutesOverride: z.number().int().min(0).max(240).nullable().optional(),
}).strict()
  .refine((p) => p.endTime > p.startTime, { message: "l'heure de fin doit suivre l'heure de début", path: ['endTime'] })
  .refine((p) => (p.startTime2 == null) === (p.endTime2 == null), { message: 'la seconde plage horaire doit avoir un début et une fin', path: ['endTime2'] })
  .refine((p) => p.startTime2 == null || (p.startTime2 >= p.endTime && p.endTime2! > p.startTime2), { message: 'la seconde plage horaire doit suivre la première', path: ['startTime2'] });

export const absenceCreate = z.object({
  organisationId: id,
  agentId: id,
  title: z.string().trim().max(200).default(''),
  ...timeWindowFields,
  endDay: localDate,
}).strict()
  .refine((a) => `${a.endDay}T${a.endTime}` > `${a.firstDay}T${a.startTime}`, { message: "la fin de l'absence doit suivre son début", path: ['endDay'] });

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
  birthDate: localDate.nullable().optional(),
  phone: phoneInput.nullable().optional(),
  email: z.string().trim().toLowerCase().email().nullable().optional(),
  address: optionalText(300),
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
  birthDate: localDate.nullable().optional(),
}).strict();

export const usagerSearch = z.object({
  organisationId: id.optional(),
  q: z.string().trim().min(2).max(100).optional(),
  phone: z.string().trim().min(4).max(20).optional(),
  birthDate: localDate.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
}).strict().refine((s) => s.q || s.phone || s.birthDate, { message: 'indiquez un nom, un téléphone ou une date de naissance', path: ['q'] });

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
  address: optionalText(300),
  context: optionalText(2000),
  channel: z.enum(['addin', 'api']).default('api'),
}).strict();

export const rdvMove = z.object({
  startsAt: instant,
  endsAt: instant.optional(),
  lieuId: id.nullable().optional(),
  agentIds: z.array(id).min(1).max(10).optional(),
}).strict();

export const rdvCancel = z.object({
  status: z.enum(['excused', 'revoked']),
  reason: z.string().trim().min(1).max(500),
}).strict();

export const rdvSetStatus = z.object({
  status: z.enum(RDV_STATUSES).refine((s) => s !== 'excused' && s !== 'revoked', 'pour annuler, utilisez /cancel avec un motif'),
}).strict();

export const rdvParticipantsAdd = z.object({ usagerIds: z.array(id).min(1).max(500) }).strict();

export const rdvList = z.object({
  agentId: id.optional(),
  organisationId: id.optional(),
  from: instant,
  to: instant,
  status: z.enum(RDV_STATUSES).optional(),
}).strict().refine((q) => q.to > q.from, { message: 'la fin de la période doit suivre son début', path: ['to'] })
  .refine((q) => q.to.getTime() - q.from.getTime() <= 93 * 86_400_000, { message: 'période limitée à 3 mois', path: ['to'] });

// ---------- availability ----------
export const availabilityQuery = z.object({
  motifId: id,
  lieuId: id.optional(),
  agentId: id.optional(),
  from: localDate,
  to: localDate,
}).strict().refine((q) => q.to >= q.from, { message: 'la fin de la période doit suivre son début', path: ['to'] })
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= 92 * 86_400_000, { message: 'période limitée à 3 mois', path: ['to'] });

export const nextAvailabilityQuery = z.object({
  motifId: id,
  lieuId: id.optional(),
  agentId: id.optional(),
}).strict();

export type RdvCreate = z.infer<typeof rdvCreate>;
export type UsagerCreate = z.infer<typeof usagerCreate>;
export { z };
