/**
 * Expansion of recurring series (Graph's patternedRecurrence) into occurrences inside a window. Occurrences keep the
 * local time of day of the series start in the series' time zone, so they cross DST changes as Outlook does.
 * Supported patterns: daily, weekly, absoluteMonthly, absoluteYearly; ranges: endDate, numbered, noEnd.
 */
import { DateTime } from 'luxon';
import { toIana } from './timezones';

export interface PatternedRecurrence {
  pattern: { type: string; interval?: number; daysOfWeek?: string[]; firstDayOfWeek?: string; dayOfMonth?: number; month?: number; index?: string };
  range: { type: string; startDate: string; endDate?: string; numberOfOccurrences?: number; recurrenceTimeZone?: string };
}

export interface OccurrenceSlot {
  /** The local date of the occurrence in the series zone (YYYY-MM-DD): the key of exceptions. */
  dateKey: string;
  startMs: number;
  endMs: number;
}

const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
/** Safety bound for noEnd series and for runaway patterns. */
const MAX_OCCURRENCES = 5000;

export function validateRecurrence(r: unknown): string | undefined {
  const rec = r as PatternedRecurrence;
  if (!rec || typeof rec !== 'object' || !rec.pattern || !rec.range) return 'recurrence needs pattern and range.';
  if (!['daily', 'weekly', 'absoluteMonthly', 'absoluteYearly'].includes(rec.pattern.type)) return `Recurrence pattern type '${rec.pattern.type}' is not supported by the emulator.`;
  if (!['endDate', 'numbered', 'noEnd'].includes(rec.range.type)) return `Recurrence range type '${rec.range.type}' is invalid.`;
  if (!rec.range.startDate || !DateTime.fromISO(rec.range.startDate).isValid) return 'recurrence.range.startDate is required.';
  if (rec.range.type === 'endDate' && !rec.range.endDate) return 'recurrence.range.endDate is required for an endDate range.';
  if (rec.range.type === 'numbered' && !(Number(rec.range.numberOfOccurrences) > 0)) return 'recurrence.range.numberOfOccurrences must be positive.';
  if (rec.pattern.type === 'weekly' && !(rec.pattern.daysOfWeek && rec.pattern.daysOfWeek.length)) return 'recurrence.pattern.daysOfWeek is required for a weekly pattern.';
  return undefined;
}

/**
 * All occurrences of the series whose [start, end) overlaps [windowStart, windowEnd). `seriesStartMs` gives the time
 * of day; `durationMs` the length; `zone` the series zone (Windows or IANA).
 */
export function expandSeries(rec: PatternedRecurrence, seriesStartMs: number, durationMs: number, zoneName: string, windowStart: number, windowEnd: number): OccurrenceSlot[] {
  const zone = toIana(rec.range.recurrenceTimeZone || zoneName) ?? 'UTC';
  const first = DateTime.fromMillis(seriesStartMs, { zone });
  const timeOfDay = { hour: first.hour, minute: first.minute, second: first.second, millisecond: 0 };
  const interval = Math.max(1, Number(rec.pattern.interval) || 1);
  const rangeStart = DateTime.fromISO(rec.range.startDate, { zone }).startOf('day');
  const rangeEnd = rec.range.type === 'endDate' && rec.range.endDate ? DateTime.fromISO(rec.range.endDate, { zone }).endOf('day') : undefined;
  const maxCount = rec.range.type === 'numbered' ? Number(rec.range.numberOfOccurrences) : MAX_OCCURRENCES;
  const out: OccurrenceSlot[] = [];
  let count = 0;
  const emit = (day: DateTime): boolean => {
    if (day < rangeStart) return true;
    if (rangeEnd && day > rangeEnd) return false;
    if (count >= maxCount) return false;
    const start = day.set(timeOfDay);
    const startMs = start.toMillis();
    if (startMs >= windowEnd && rec.range.type !== 'numbered') return false;
    if (startMs >= windowEnd + 366 * 86400_000) return false;
    count++;
    const endMs = startMs + durationMs;
    if (endMs > windowStart && startMs < windowEnd) out.push({ dateKey: start.toISODate()!, startMs, endMs });
    return true;
  };
  const type = rec.pattern.type;
  if (type === 'daily') {
    for (let d = rangeStart; ; d = d.plus({ days: interval })) if (!emit(d)) break;
  } else if (type === 'weekly') {
    const wanted = new Set((rec.pattern.daysOfWeek ?? []).map((x) => DAYS.indexOf(x.toLowerCase()) + 1));
    const fdw = DAYS.indexOf((rec.pattern.firstDayOfWeek ?? 'sunday').toLowerCase()) + 1;
    // Start of the week containing the range start, by the pattern's first day of week.
    let weekStart = rangeStart.minus({ days: (rangeStart.weekday - fdw + 7) % 7 });
    outer: for (let guard = 0; guard < MAX_OCCURRENCES; guard++, weekStart = weekStart.plus({ weeks: interval })) {
      for (let i = 0; i < 7; i++) {
        const d = weekStart.plus({ days: i });
        if (wanted.has(d.weekday) && !emit(d)) break outer;
      }
    }
  } else if (type === 'absoluteMonthly') {
    const dom = Number(rec.pattern.dayOfMonth) || rangeStart.day;
    for (let m = rangeStart.startOf('month'), guard = 0; guard < MAX_OCCURRENCES; guard++, m = m.plus({ months: interval })) {
      if (dom > m.daysInMonth!) continue;
      if (!emit(m.set({ day: dom }))) break;
    }
  } else if (type === 'absoluteYearly') {
    const dom = Number(rec.pattern.dayOfMonth) || rangeStart.day;
    const month = Number(rec.pattern.month) || rangeStart.month;
    for (let y = rangeStart.startOf('year'), guard = 0; guard < 200; guard++, y = y.plus({ years: interval })) {
      const m = y.set({ month });
      if (dom > m.daysInMonth!) continue;
      if (!emit(m.set({ day: dom }))) break;
    }
  }
  return out;
}
