/**
 * French public holidays (jours fériés) of a year, as local 'YYYY-MM-DD' dates, so that demo RDVs never fall on a
 * day the services are closed. Whit Monday is included: it is a holiday unless a territory says otherwise.
 */
import { DateTime } from 'luxon';

/** Easter Sunday of the Gregorian calendar (Meeus/Jones/Butcher computus). */
export function easterSunday(year: number): { month: number; day: number } {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return { month, day };
}

export function frenchPublicHolidays(year: number): Set<string> {
  const fixed = ['01-01', '05-01', '05-08', '07-14', '08-15', '11-01', '11-11', '12-25'].map((md) => `${year}-${md}`);
  const easter = DateTime.fromObject({ year, ...easterSunday(year) }, { zone: 'UTC' });
  const movable = [1, 39, 50].map((days) => easter.plus({ days }).toISODate()!); // Easter Monday, Ascension, Whit Monday
  return new Set([...fixed, ...movable]);
}
