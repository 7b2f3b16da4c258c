/**
 * Time zones as Graph speaks them: Windows names ("Romance Standard Time") or IANA names ("Europe/Paris"), and the
 * `dateTime` format Graph writes ("2026-03-29T09:00:00.0000000", seven fractional digits, no offset).
 */
import { DateTime } from 'luxon';

/** Windows → IANA for the zones this product meets (metropolitan France, overseas France, and common neighbours). */
const WINDOWS_TO_IANA: Record<string, string> = {
  'UTC': 'UTC',
  'Coordinated Universal Time': 'UTC',
  'GMT Standard Time': 'Europe/London',
  'Greenwich Standard Time': 'Atlantic/Reykjavik',
  'Romance Standard Time': 'Europe/Paris',
  'W. Europe Standard Time': 'Europe/Berlin',
  'Central Europe Standard Time': 'Europe/Budapest',
  'Central European Standard Time': 'Europe/Warsaw',
  'E. Europe Standard Time': 'Europe/Chisinau',
  'FLE Standard Time': 'Europe/Kiev',
  'GTB Standard Time': 'Europe/Bucharest',
  'Morocco Standard Time': 'Africa/Casablanca',
  'W. Central Africa Standard Time': 'Africa/Lagos',
  'E. Africa Standard Time': 'Africa/Nairobi',
  'Arabian Standard Time': 'Asia/Dubai',
  'Mauritius Standard Time': 'Indian/Mauritius',
  'SA Western Standard Time': 'America/La_Paz',
  'SA Eastern Standard Time': 'America/Cayenne',
  'Saint Pierre Standard Time': 'America/Miquelon',
  'Central Pacific Standard Time': 'Pacific/Guadalcanal',
  'Hawaiian Standard Time': 'Pacific/Honolulu',
  'Marquesas Standard Time': 'Pacific/Marquesas',
  'UTC-09': 'Etc/GMT+9',
  'UTC-11': 'Etc/GMT+11',
  'UTC+12': 'Etc/GMT-12',
  'Eastern Standard Time': 'America/New_York',
  'Central Standard Time': 'America/Chicago',
  'Mountain Standard Time': 'America/Denver',
  'Pacific Standard Time': 'America/Los_Angeles',
  'Tokyo Standard Time': 'Asia/Tokyo',
  'India Standard Time': 'Asia/Kolkata',
  'China Standard Time': 'Asia/Shanghai',
  'AUS Eastern Standard Time': 'Australia/Sydney',
};

/** The IANA zone for a Windows or IANA name, or undefined when the name is unknown. */
export function toIana(name: string | undefined | null): string | undefined {
  if (!name) return undefined;
  const w = WINDOWS_TO_IANA[name];
  if (w) return w;
  const key = Object.keys(WINDOWS_TO_IANA).find((k) => k.toLowerCase() === name.toLowerCase());
  if (key) return WINDOWS_TO_IANA[key];
  return DateTime.now().setZone(name).isValid ? name : undefined;
}

export function isKnownZone(name: string): boolean {
  return toIana(name) !== undefined;
}

/** Reads a Graph dateTimeTimeZone into epoch milliseconds; undefined when unreadable. */
export function parseDateTimeTimeZone(v: { dateTime?: string; timeZone?: string } | undefined): number | undefined {
  if (!v || typeof v.dateTime !== 'string') return undefined;
  const zone = toIana(v.timeZone || 'UTC');
  if (!zone) return undefined;
  // A trailing Z or offset wins over timeZone, as Graph does.
  const dt = DateTime.fromISO(v.dateTime, { zone, setZone: false });
  return dt.isValid ? dt.toMillis() : undefined;
}

/** Formats epoch milliseconds as Graph's dateTime in the given zone. */
export function formatGraphDateTime(ms: number, zoneName: string = 'UTC'): string {
  const zone = toIana(zoneName) ?? 'UTC';
  return DateTime.fromMillis(ms, { zone }).toFormat("yyyy-MM-dd'T'HH:mm:ss.SSS") + '0000';
}

export function dateTimeTimeZone(ms: number, zoneName: string = 'UTC'): { dateTime: string; timeZone: string } {
  return { dateTime: formatGraphDateTime(ms, zoneName), timeZone: zoneName };
}

/** ISO 8601 UTC with seven fractional digits, as Graph writes createdDateTime and friends. */
export function isoUtc(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
}

/** Parses a query-string instant (startDateTime=2026-03-01T00:00:00 or with offset/Z); without offset, UTC. */
export function parseQueryInstant(v: string | undefined, zoneName = 'UTC'): number | undefined {
  if (!v) return undefined;
  const dt = DateTime.fromISO(v, { zone: toIana(zoneName) ?? 'UTC' });
  return dt.isValid ? dt.toMillis() : undefined;
}
