/**
 * French wording of dates and times in the territory's time zone ("mardi 3 décembre 2026 à 14 h 30"). Pure.
 */
import { DateTime } from 'luxon';

function local(at: Date, timeZone: string): DateTime {
  return DateTime.fromJSDate(at, { zone: timeZone }).setLocale('fr');
}

/** "mardi 3 décembre 2026" */
export function frenchLongDate(at: Date, timeZone: string): string {
  return local(at, timeZone).toFormat('cccc d LLLL yyyy');
}

/** "14 h 30" (the typographic convention of the French administration); "9 h" on the hour. */
export function frenchTime(at: Date, timeZone: string): string {
  const d = local(at, timeZone);
  return d.minute === 0 ? `${d.hour} h` : `${d.hour} h ${String(d.minute).padStart(2, '0')}`;
}

/** "14h30", compact for SMS. */
export function frenchShortTime(at: Date, timeZone: string): string {
  const d = local(at, timeZone);
  return `${d.hour}h${String(d.minute).padStart(2, '0')}`;
}

/** "mar. 03/12", compact for SMS. */
export function frenchShortDate(at: Date, timeZone: string): string {
  return local(at, timeZone).toFormat('ccc dd/LL');
}
