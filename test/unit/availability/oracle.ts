/**
 * A deliberately simple brute-force oracle for the availability engine: one cell per minute, marked busy or open,
 * then walked. It shares no code with the engine (luxon for time zones, its own recurrence rules, its own Easter
 * computus) so that property tests compare two independent readings of issue 3. Slow on purpose; inputs must be
 * whole minutes.
 */
import { DateTime } from 'luxon';
import type { AvailabilityQuery, Slot, TerritorySettings } from '../../../shared/src/availability';
import type { Recurrence } from '../../../shared/src/domain';

const MIN = 60_000;

/** Local wall clock (as if UTC, ms) of an instant. */
function wallOf(zone: string, t: number): number {
  return t + DateTime.fromMillis(t, { zone }).offset * MIN;
}

const instants = new Map<string, number>();

/** The first UTC minute at which the local clock reads `date time` or later (minutes since epoch). Memoised: luxon is slow. */
export function oracleInstant(zone: string, date: string, minutes: number): number {
  const key = `${zone} ${date} ${minutes}`;
  let found = instants.get(key);
  if (found === undefined) {
    found = scanInstant(zone, date, minutes);
    instants.set(key, found);
  }
  return found;
}

function scanInstant(zone: string, date: string, minutes: number): number {
  const wall = Date.parse(`${date}T00:00:00Z`) + minutes * MIN;
  const offsets = [wall - 2 * 86_400_000, wall + 2 * 86_400_000].map((t) => DateTime.fromMillis(t, { zone }).offset);
  // No instant before wall − (largest offset) can read `wall` or later.
  let t = wall - Math.max(...offsets) * MIN;
  while (wallOf(zone, t) < wall) t += MIN;
  return t / MIN;
}

const day = (iso: string) => DateTime.fromISO(iso, { zone: 'UTC' });
const plusDays = (iso: string, n: number) => day(iso).plus({ days: n }).toISODate()!;
const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

export function oracleOccurs(firstDay: string, rec: Recurrence | null, dateIso: string): boolean {
  const d = day(dateIso);
  const f = day(firstDay);
  if (d < f) return false;
  if (rec === null) return d.equals(f);
  if (rec.until && d > day(rec.until)) return false;
  if (rec.frequency === 'weekly') {
    const weekdays: number[] = rec.weekdays && rec.weekdays.length > 0 ? rec.weekdays : [f.weekday];
    if (!weekdays.includes(d.weekday)) return false;
    const weeks = Math.round(d.startOf('week').diff(f.startOf('week'), 'weeks').weeks);
    return weeks % rec.interval === 0;
  }
  const months = (d.year - f.year) * 12 + d.month - f.month;
  if (months % rec.interval !== 0) return false;
  if ((rec.monthlyMode ?? 'day_of_month') === 'day_of_month') return d.day === f.day;
  return d.weekday === f.weekday && Math.floor((d.day - 1) / 7) === Math.floor((f.day - 1) / 7);
}

/** Easter Sunday by Gauss's method (a different computus from the engine's). */
export function gaussEaster(year: number): string {
  const k = Math.floor(year / 100);
  const p = Math.floor((13 + 8 * k) / 25);
  const q = Math.floor(k / 4);
  const M = (15 - p + k - q) % 30;
  const N = (4 + k - q) % 7;
  const d = (19 * (year % 19) + M) % 30;
  const e = (2 * (year % 4) + 4 * (year % 7) + 6 * d + N) % 7;
  let month = 3;
  let dom = 22 + d + e;
  if (dom > 31) { month = 4; dom = d + e - 9; }
  if (month === 4 && dom === 26) dom = 19;
  if (month === 4 && dom === 25 && d === 28 && e === 6 && (11 * M + 11) % 30 < 19) dom = 18;
  return DateTime.utc(year, month, dom).toISODate()!;
}

export function oracleHolidays(year: number, t: TerritorySettings): Set<string> {
  const easter = gaussEaster(year);
  const fixed = ['01-01', '05-01', '05-08', '07-14', '08-15', '11-01', '11-11', '12-25'].map((md) => `${year}-${md}`);
  const dates = [...fixed, plusDays(easter, 1), plusDays(easter, 39)];
  if (t.whitMondayIsHoliday) dates.push(plusDays(easter, 50));
  if (['57', '67', '68'].includes(t.departementCode)) dates.push(plusDays(easter, -2), `${year}-12-26`);
  const abolition: Record<string, string> = { '971': '05-27', '972': '05-22', '973': '06-10', '974': '12-20', '976': '04-27' };
  if (abolition[t.departementCode]) dates.push(`${year}-${abolition[t.departementCode]}`);
  return new Set(dates);
}

export function oracleSlots(q: AvailabilityQuery): Slot[] {
  if (q.motif.collective) return [];
  const zone = q.territory.timeZone;
  const days: string[] = [];
  for (let d = q.from; d <= q.to; d = plusDays(d, 1)) days.push(d);
  const gridStart = oracleInstant(zone, q.from, 0);
  const gridEnd = oracleInstant(zone, plusDays(q.to, 1), 0);
  const size = gridEnd - gridStart;
  const now = q.now.getTime() / MIN;
  const D = q.motif.durationMinutes;

  const plages = q.plages.filter((p) => p.motifIds.includes(q.motif.id)
    && (q.lieuId == null || p.lieuId === q.lieuId) && (q.agentId == null || p.agentId === q.agentId));

  const busyOf = new Map<number, Uint8Array>();
  for (const agentId of new Set(plages.map((p) => p.agentId))) {
    const busy = new Uint8Array(size);
    const mark = (from: number, to: number) => {
      for (let m = Math.max(from, gridStart); m < Math.min(to, gridEnd); m += 1) busy[m - gridStart] = 1;
    };
    for (const b of q.busyBlocks) if (b.agentId === agentId) mark(b.start.getTime() / MIN, b.end.getTime() / MIN);
    for (const r of q.rdvs) {
      if (r.agentIds.includes(agentId) && ['unknown', 'seen', 'noshow'].includes(r.status)) {
        mark(r.start.getTime() / MIN, r.end.getTime() / MIN + r.bufferMinutes);
      }
    }
    for (const a of q.absences) {
      if (a.agentId !== agentId) continue;
      const span = Math.round(day(a.endDay).diff(day(a.firstDay), 'days').days);
      for (let d = a.firstDay; d <= plusDays(q.to, 1); d = plusDays(d, 1)) {
        if (oracleOccurs(a.firstDay, a.recurrence, d)) {
          mark(oracleInstant(zone, d, minutesOf(a.startTime)), oracleInstant(zone, plusDays(d, span), minutesOf(a.endTime)));
        }
      }
    }
    if (!q.territory.worksOnPublicHolidays) {
      for (const d of days) {
        if (oracleHolidays(Number(d.slice(0, 4)), q.territory).has(d)) mark(oracleInstant(zone, d, 0), oracleInstant(zone, plusDays(d, 1), 0));
      }
    }
    busyOf.set(agentId, busy);
  }

  const found: Array<{ t: number; agentId: number; plageId: number; lieuId: number | null }> = [];
  for (const p of plages) {
    const B = p.bufferMinutesOverride ?? q.motif.bufferMinutes;
    const busy = busyOf.get(p.agentId)!;
    const open = new Uint8Array(size);
    for (const d of days) {
      if (!oracleOccurs(p.firstDay, p.recurrence, d)) continue;
      const windows: Array<[string, string]> = [[p.startTime, p.endTime]];
      if (p.startTime2 && p.endTime2) windows.push([p.startTime2, p.endTime2]);
      // Only this day's minutes are marked open, then walked, then cleared: each occurrence is cut on its own.
      const lo = oracleInstant(zone, d, 0) - gridStart;
      const hi = oracleInstant(zone, plusDays(d, 1), 0) - gridStart;
      for (const [s, e] of windows) {
        for (let m = oracleInstant(zone, d, minutesOf(s)); m < oracleInstant(zone, d, minutesOf(e)); m += 1) open[m - gridStart] = 1;
      }
      // Walk maximal runs of open, not busy minutes; cut each run from its own start.
      let m = lo;
      while (m < hi) {
        if (!open[m] || busy[m]) { m += 1; continue; }
        let end = m;
        while (end < hi && open[end] && !busy[end]) end += 1;
        const runStart = gridStart + m;
        const runEnd = gridStart + end;
        let t = runStart;
        if (runStart < now) t = runStart + 5 * Math.ceil((now - runStart) / 5);
        for (; t + D + B <= runEnd; t += D + B) {
          if (q.audience === 'usager' && (t < now + q.motif.minBookingDelayMinutes || t > now + q.motif.maxBookingDelayMinutes)) continue;
          found.push({ t, agentId: p.agentId, plageId: p.id, lieuId: p.lieuId });
        }
        m = end;
      }
      open.fill(0, lo, hi);
    }
  }

  found.sort((a, b) => a.t - b.t || a.agentId - b.agentId || a.plageId - b.plageId);
  const kept = found.filter((s, i) => {
    const prev = found[i - 1];
    return !prev || prev.t !== s.t || (q.audience === 'agent' && prev.agentId !== s.agentId);
  });
  return kept.map((s) => ({ start: new Date(s.t * MIN), end: new Date((s.t + D) * MIN), agentId: s.agentId, lieuId: s.lieuId, plageId: s.plageId }));
}
