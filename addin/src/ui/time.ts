/** Day arithmetic in the territory's time zone without a date library (the pane's bundle stays small). */

/** "2026-12-08" for the instant, in the zone. */
export function localDay(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** The zone's offset at that instant, as "+01:00". */
export function offsetAt(at: Date, timeZone: string): string {
  const part = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' }).formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-]\d{2}):?(\d{2})?/.exec(part);
  return m ? `${m[1]}:${m[2] ?? '00'}` : '+00:00';
}

/** `day` plus n calendar days ("2026-12-08" + 7 → "2026-12-15"). */
export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** Midnight starting `day` in the zone, as an ISO instant with its offset (taken at noon: midnight is never inside a
 * DST jump in the territories served, which change at 02:00/03:00). */
export function startOfDay(day: string, timeZone: string): string {
  return `${day}T00:00:00${offsetAt(new Date(`${day}T12:00:00Z`), timeZone)}`;
}
