/**
 * Occurrence days of a plage or an absence (DESIGN.md §2, issue 3 rule 1), as a predicate on local day numbers.
 *
 * - no recurrence: the first day only;
 * - weekly: on the chosen ISO weekdays (the first day's weekday if none), every N weeks counted from the
 *   Monday-based week that contains the first day;
 * - monthly, every N months counted from the first day's month: on the first day's day of month (months without
 *   it are skipped, e.g. the 31st), or on "the n-th <weekday>" of the first day (months without a 5th one are
 *   skipped);
 * - never before the first day, never after `until` (inclusive).
 */
import type { Recurrence } from '../domain';
import { AvailabilityInputError } from './errors';
import { isoWeekdayOf, parseDay, ymdOf } from './local-time';

export type OccursOn = (day: number) => boolean;

export interface CompiledOccurrences {
  firstDay: number;
  /** Last possible day, inclusive (Infinity when open-ended). */
  lastDay: number;
  occursOn: OccursOn;
}

export function compileOccurrences(firstDayText: string, recurrence: Recurrence | null | undefined, field: string): CompiledOccurrences {
  const firstDay = parseDay(firstDayText, `${field}.firstDay`);
  if (recurrence == null) return { firstDay, lastDay: firstDay, occursOn: (day) => day === firstDay };

  const interval = recurrence.interval ?? 1;
  if (!Number.isInteger(interval) || interval < 1) {
    throw new AvailabilityInputError(`${field}.recurrence.interval`, `positive whole number expected, got ${JSON.stringify(interval)}`);
  }
  const lastDay = recurrence.until == null ? Infinity : parseDay(recurrence.until, `${field}.recurrence.until`);
  const inRange = (day: number) => day >= firstDay && day <= lastDay;

  if (recurrence.frequency === 'weekly') {
    let weekdayMask = 0;
    for (const w of recurrence.weekdays ?? []) {
      if (!Number.isInteger(w) || w < 1 || w > 7) {
        throw new AvailabilityInputError(`${field}.recurrence.weekdays`, `ISO weekdays 1 (Monday) to 7 (Sunday) expected, got ${JSON.stringify(w)}`);
      }
      weekdayMask |= 1 << w;
    }
    if (weekdayMask === 0) weekdayMask = 1 << isoWeekdayOf(firstDay);
    const firstMonday = firstDay - (isoWeekdayOf(firstDay) - 1);
    return {
      firstDay,
      lastDay,
      occursOn: (day) => inRange(day)
        && (weekdayMask & (1 << isoWeekdayOf(day))) !== 0
        && Math.floor((day - firstMonday) / 7) % interval === 0,
    };
  }

  if (recurrence.frequency === 'monthly') {
    const first = ymdOf(firstDay);
    const firstMonthIndex = first.year * 12 + first.month;
    const sameMonthRhythm = (year: number, month: number) => (year * 12 + month - firstMonthIndex) % interval === 0;
    const mode = recurrence.monthlyMode ?? 'day_of_month';
    if (mode === 'day_of_month') {
      return {
        firstDay,
        lastDay,
        occursOn: (day) => {
          if (!inRange(day)) return false;
          const d = ymdOf(day);
          return d.dayOfMonth === first.dayOfMonth && sameMonthRhythm(d.year, d.month);
        },
      };
    }
    if (mode === 'nth_weekday') {
      const weekday = isoWeekdayOf(firstDay);
      const rank = Math.ceil(first.dayOfMonth / 7);
      return {
        firstDay,
        lastDay,
        occursOn: (day) => {
          if (!inRange(day) || isoWeekdayOf(day) !== weekday) return false;
          const d = ymdOf(day);
          return Math.ceil(d.dayOfMonth / 7) === rank && sameMonthRhythm(d.year, d.month);
        },
      };
    }
    throw new AvailabilityInputError(`${field}.recurrence.monthlyMode`, `'day_of_month' or 'nth_weekday' expected, got ${JSON.stringify(mode)}`);
  }
  throw new AvailabilityInputError(`${field}.recurrence.frequency`, `'weekly' or 'monthly' expected, got ${JSON.stringify((recurrence as { frequency: unknown }).frequency)}`);
}
