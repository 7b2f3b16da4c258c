/**
 * French public holidays, computed for any year (never a hand-kept list that someone must extend).
 *
 * National: 1 Jan, Easter Monday, 1 May, 8 May, Ascension, 14 Jul, 15 Aug, 1 Nov, 11 Nov, 25 Dec, and Whit Monday
 * when the territory does not work it ("journée de solidarité" is often set on that day, hence the setting).
 * Alsace-Moselle (57, 67, 68) adds Good Friday and 26 December (local law kept since 1918).
 * Each overseas département adds its abolition-of-slavery day (law 83-550 and its decrees).
 */
import type { PublicHoliday, TerritorySettings } from './types';
import { DAY_MS, formatDay } from './local-time';

const ALSACE_MOSELLE = new Set(['57', '67', '68']);

/** Abolition-of-slavery day per overseas département code: [month, day]. */
const ABOLITION_DAYS: Record<string, [number, number]> = {
  '971': [5, 27], // Guadeloupe
  '972': [5, 22], // Martinique
  '973': [6, 10], // Guyane
  '974': [12, 20], // La Réunion
  '976': [4, 27], // Mayotte
};

/** Easter Sunday of the Gregorian calendar as [month, day] (anonymous Gregorian computus, "Meeus/Jones/Butcher"). */
export function easterSunday(year: number): [number, number] {
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
  const n = h + l - 7 * m + 114;
  return [Math.floor(n / 31), (n % 31) + 1];
}

function dayNumber(year: number, month: number, day: number): number {
  return Date.UTC(year, month - 1, day) / DAY_MS;
}

function normaliseCode(code: string): string {
  return String(code ?? '').trim().toUpperCase();
}

/** Holidays of a year as day numbers with their names, sorted by date. */
function holidayDays(year: number, territory: TerritorySettings): Array<{ day: number; name: string }> {
  const [em, ed] = easterSunday(year);
  const easter = dayNumber(year, em, ed);
  const code = normaliseCode(territory.departementCode);
  const list: Array<{ day: number; name: string }> = [
    { day: dayNumber(year, 1, 1), name: "Jour de l'an" },
    { day: easter + 1, name: 'Lundi de Pâques' },
    { day: dayNumber(year, 5, 1), name: 'Fête du Travail' },
    { day: dayNumber(year, 5, 8), name: 'Victoire 1945' },
    { day: easter + 39, name: 'Ascension' },
    { day: dayNumber(year, 7, 14), name: 'Fête nationale' },
    { day: dayNumber(year, 8, 15), name: 'Assomption' },
    { day: dayNumber(year, 11, 1), name: 'Toussaint' },
    { day: dayNumber(year, 11, 11), name: 'Armistice 1918' },
    { day: dayNumber(year, 12, 25), name: 'Noël' },
  ];
  if (territory.whitMondayIsHoliday) list.push({ day: easter + 50, name: 'Lundi de Pentecôte' });
  if (ALSACE_MOSELLE.has(code)) {
    list.push({ day: easter - 2, name: 'Vendredi saint' }, { day: dayNumber(year, 12, 26), name: 'Saint-Étienne' });
  }
  const abolition = ABOLITION_DAYS[code];
  if (abolition) list.push({ day: dayNumber(year, abolition[0], abolition[1]), name: "Abolition de l'esclavage" });
  // Stable sort: two holidays on one date (1 May and Ascension in 2008) keep their listed order.
  return list.sort((x, y) => x.day - y.day);
}

/** Public holidays of a year for a territory, sorted by date (a date may appear twice when two feasts coincide). */
export function publicHolidays(year: number, territory: TerritorySettings): PublicHoliday[] {
  return holidayDays(year, territory).map(({ day, name }) => ({ date: formatDay(day), name }));
}

/** Day numbers of the holidays between two days (inclusive) that block plages; empty if the territory works them. */
export function blockingHolidayDays(fromDay: number, toDay: number, territory: TerritorySettings): Set<number> {
  const days = new Set<number>();
  if (territory.worksOnPublicHolidays || toDay < fromDay) return days;
  const fromYear = new Date(fromDay * DAY_MS).getUTCFullYear();
  const toYear = new Date(toDay * DAY_MS).getUTCFullYear();
  for (let year = fromYear; year <= toYear; year += 1) {
    for (const { day } of holidayDays(year, territory)) if (day >= fromDay && day <= toDay) days.add(day);
  }
  return days;
}
