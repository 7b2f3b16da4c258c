/**
 * fast-check generators of whole availability queries, biased towards what breaks engines: DST nights (both ways,
 * metropolitan and other rules, including a zone whose clocks jump at midnight), holidays, overseas zones, windows
 * crossing the jump, busy time overlapping window edges, booking delays and `now` inside the period.
 */
import fc from 'fast-check';
import { DateTime } from 'luxon';
import type {
  AbsenceInput, AvailabilityQuery, BusyBlockInput, PlageInput, RdvInput,
} from '../../../shared/src/availability';
import type { IsoWeekday, Recurrence } from '../../../shared/src/domain';
import { RDV_STATUSES } from '../../../shared/src/domain';

export const ZONES = [
  'Europe/Paris', 'America/Guadeloupe', 'America/Martinique', 'America/Cayenne', 'Indian/Reunion', 'Indian/Mayotte',
  'America/New_York', 'America/Santiago',
];

/** DST changes (Paris, New York, Santiago) and holidays (Easter Monday, Ascension, Whit Monday, 27 May, 26 Dec…). */
export const INTERESTING_DAYS = [
  '2025-03-30', '2025-10-26', '2026-03-29', '2026-10-25', '2027-03-28', '2027-10-31',
  '2026-03-08', '2026-11-01', '2026-04-05', '2026-09-06',
  '2026-04-06', '2026-05-14', '2026-05-25', '2026-05-27', '2026-12-20', '2026-12-26', '2026-04-27', '2026-06-10',
];

const DEPARTEMENTS = ['75', '57', '67', '971', '972', '973', '974', '976'];

const hhmm = (minutes: number) => (minutes >= 1440 ? '24:00' : `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`);
const plusDays = (iso: string, n: number) => DateTime.fromISO(iso, { zone: 'UTC' }).plus({ days: n }).toISODate()!;

const weekdaysArb = fc.oneof(fc.constant([] as IsoWeekday[]), fc.subarray([1, 2, 3, 4, 5, 6, 7] as IsoWeekday[], { minLength: 1, maxLength: 6 }));
const untilArb = (fromDay: string) => fc.option(fc.integer({ min: -2, max: 14 }).map((n) => plusDays(fromDay, n)), { nil: null, freq: 2 });
const recurrenceArb = (fromDay: string): fc.Arbitrary<Recurrence | null> => fc.oneof(
  { arbitrary: fc.constant(null), weight: 2 },
  { weight: 4, arbitrary: fc.record({
    frequency: fc.constant<'weekly'>('weekly'),
    interval: fc.integer({ min: 1, max: 3 }),
    weekdays: weekdaysArb,
    until: untilArb(fromDay),
  }) },
  { weight: 1, arbitrary: fc.record({
    frequency: fc.constant<'monthly'>('monthly'),
    interval: fc.integer({ min: 1, max: 2 }),
    monthlyMode: fc.constantFrom<'day_of_month' | 'nth_weekday'>('day_of_month', 'nth_weekday'),
    until: untilArb(fromDay),
  }) },
);

/** A minute of the day, either anywhere or on a quarter hour (as agents set them). */
const minuteOfDay = (max: number) => fc.oneof(fc.integer({ min: 0, max }), fc.integer({ min: 0, max: Math.floor(max / 15) }).map((q) => q * 15));

const plageArb = (fromDay: string, id: number): fc.Arbitrary<PlageInput> => fc.record({
  agentId: fc.integer({ min: 1, max: 3 }),
  lieuId: fc.constantFrom<number | null>(1, 2, null),
  offersMotif: fc.integer({ min: 0, max: 9 }),
  firstDayShift: fc.oneof({ arbitrary: fc.integer({ min: -2, max: 4 }), weight: 3 }, { arbitrary: fc.integer({ min: -40, max: -3 }), weight: 1 }),
  start: minuteOfDay(1400),
  length: fc.oneof(fc.integer({ min: 60, max: 600 }), fc.integer({ min: 5, max: 720 })),
  second: fc.option(fc.record({ gap: fc.integer({ min: 0, max: 180 }), length: fc.integer({ min: 10, max: 300 }) }), { nil: null }),
  recurrence: recurrenceArb(fromDay),
  buffer: fc.option(fc.constantFrom(0, 5, 10, 15), { nil: null }),
}).map((r) => {
  const end = Math.min(1440, r.start + r.length);
  const start2 = r.second ? end + r.second.gap : 1440;
  return {
    id, agentId: r.agentId, lieuId: r.lieuId, motifIds: r.offersMotif === 0 ? [2] : [1, 2],
    firstDay: plusDays(fromDay, r.firstDayShift), startTime: hhmm(r.start), endTime: hhmm(end),
    startTime2: r.second && start2 < 1440 ? hhmm(start2) : null,
    endTime2: r.second && start2 < 1440 ? hhmm(Math.min(1440, start2 + r.second.length)) : null,
    recurrence: r.recurrence, bufferMinutesOverride: r.buffer,
  };
});

const absenceArb = (fromDay: string): fc.Arbitrary<AbsenceInput> => fc.record({
  agentId: fc.integer({ min: 1, max: 3 }),
  shift: fc.integer({ min: -8, max: 8 }),
  span: fc.oneof({ arbitrary: fc.constant(0), weight: 4 }, { arbitrary: fc.integer({ min: 1, max: 2 }), weight: 1 }),
  start: minuteOfDay(1439),
  end: minuteOfDay(1440),
  recurring: fc.boolean(),
  weekdays: weekdaysArb,
}).map((a) => ({
  agentId: a.agentId, firstDay: plusDays(fromDay, a.shift), startTime: hhmm(a.start), endDay: plusDays(fromDay, a.shift + a.span), endTime: hhmm(a.end),
  recurrence: a.recurring ? { frequency: 'weekly', interval: 1, weekdays: a.weekdays } : null,
}));

/** An instant within the period give or take a day, on a whole minute. */
const instantArb = (base: number, days: number) => fc.integer({ min: -1440, max: (days + 1) * 1440 }).map((m) => base + m * 60_000);

const busyArb = (base: number, days: number, zone: string, fromDay: string): fc.Arbitrary<BusyBlockInput> => fc.oneof(
  { arbitrary: fc.record({ agentId: fc.integer({ min: 1, max: 3 }), start: instantArb(base, days), length: fc.integer({ min: 1, max: 300 }) })
    .map((b) => ({ agentId: b.agentId, start: new Date(b.start), end: new Date(b.start + b.length * 60_000) })), weight: 6 },
  // All-day and multi-day Outlook events: local midnight to local midnight.
  { arbitrary: fc.record({ agentId: fc.integer({ min: 1, max: 3 }), shift: fc.integer({ min: -2, max: days }), length: fc.integer({ min: 1, max: 3 }) })
    .map((b) => {
      const start = DateTime.fromISO(plusDays(fromDay, b.shift), { zone });
      return { agentId: b.agentId, start: start.toJSDate(), end: start.plus({ days: b.length }).toJSDate() };
    }), weight: 1 },
);

const rdvArb = (base: number, days: number, id: number): fc.Arbitrary<RdvInput> => fc.record({
  agentIds: fc.subarray([1, 2, 3], { minLength: 1, maxLength: 2 }),
  start: instantArb(base, days),
  length: fc.integer({ min: 5, max: 120 }),
  status: fc.constantFrom(...RDV_STATUSES),
  buffer: fc.constantFrom(0, 0, 5, 10, 20),
}).map((r) => ({ id, agentIds: r.agentIds, start: new Date(r.start), end: new Date(r.start + r.length * 60_000), status: r.status, bufferMinutes: r.buffer }));

export const queryArb: fc.Arbitrary<AvailabilityQuery> = fc.record({
  zone: fc.constantFrom(...ZONES),
  anchor: fc.oneof(fc.constantFrom(...INTERESTING_DAYS), fc.integer({ min: 0, max: 3 * 365 }).map((n) => plusDays('2025-01-01', n))),
  shift: fc.integer({ min: -4, max: 0 }),
  days: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 4, max: 8 })),
  departementCode: fc.constantFrom(...DEPARTEMENTS),
  whitMondayIsHoliday: fc.boolean(),
  worksOnPublicHolidays: fc.boolean(),
  duration: fc.oneof(fc.constantFrom(10, 15, 20, 30, 45, 60), fc.integer({ min: 1, max: 90 })),
  buffer: fc.constantFrom(0, 0, 5, 10, 15),
  minDelay: fc.integer({ min: 0, max: 3 * 1440 }),
  maxDelay: fc.integer({ min: 0, max: 30 * 1440 }),
  audience: fc.constantFrom<'agent' | 'usager'>('agent', 'usager'),
  nowMinute: fc.oneof({ arbitrary: fc.integer({ min: -5 * 1440, max: -1 }), weight: 2 }, { arbitrary: fc.integer({ min: 0, max: 3 * 1440 }), weight: 1 }),
  lieuId: fc.constantFrom<number | null | undefined>(undefined, null, 1),
  agentId: fc.constantFrom<number | null | undefined>(undefined, undefined, undefined, null, 2),
  nPlages: fc.integer({ min: 1, max: 5 }),
  seed: fc.integer(),
}).chain((c) => {
  const from = plusDays(c.anchor, c.shift);
  const to = plusDays(from, c.days - 1);
  const base = DateTime.fromISO(from, { zone: c.zone }).toMillis();
  return fc.record({
    plages: fc.tuple(...Array.from({ length: c.nPlages }, (_, i) => plageArb(from, i + 1))),
    absences: fc.array(absenceArb(from), { maxLength: 2 }),
    busyBlocks: fc.array(busyArb(base, c.days, c.zone, from), { maxLength: 6 }),
    rdvs: fc.array(fc.integer({ min: 1, max: 1_000_000 }).chain((id) => rdvArb(base, c.days, id)), { maxLength: 6 }),
  }).map((parts): AvailabilityQuery => ({
    now: new Date(base + c.nowMinute * 60_000),
    from, to,
    territory: { timeZone: c.zone, departementCode: c.departementCode, whitMondayIsHoliday: c.whitMondayIsHoliday, worksOnPublicHolidays: c.worksOnPublicHolidays },
    motif: { id: 1, durationMinutes: c.duration, bufferMinutes: c.buffer, minBookingDelayMinutes: c.minDelay, maxBookingDelayMinutes: c.maxDelay, collective: false },
    audience: c.audience,
    plages: parts.plages, absences: parts.absences, busyBlocks: parts.busyBlocks, rdvs: parts.rdvs,
    lieuId: c.lieuId, agentId: c.agentId,
  }));
});

/** Slots as comparable plain strings. */
export const describeSlots = (slots: Array<{ start: Date; end: Date; agentId: number; lieuId: number | null; plageId: number }>) =>
  slots.map((s) => `${s.start.toISOString()}→${s.end.toISOString()} agent ${s.agentId} lieu ${s.lieuId} plage ${s.plageId}`);
