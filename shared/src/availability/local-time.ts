/**
 * Local dates and wall-clock times of a territory, turned into UTC instants.
 *
 * A local date is handled as a day number (days since 1970-01-01), a wall-clock time as milliseconds since local
 * midnight. The instant of a wall-clock time is the earliest instant at which the territory's clock shows that time
 * or later: an ordinary time maps to its only instant, a time repeated when clocks go back maps to its first
 * occurrence, and a time skipped when clocks go forward maps to the instant of the jump (02:30 on the spring-forward
 * night in Paris is 03:00 CEST). A wall-clock window is thus exactly the instants whose clock reading lies in it.
 *
 * Offsets come from Intl and are cached per local day: a day with no offset change nearby converts with one
 * subtraction, so the engine does no time-zone work per slot.
 */
import { AvailabilityInputError } from './errors';

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_RE = /^(\d{2}):(\d{2})(?::(\d{2}))?$/;

/** Day number of a YYYY-MM-DD local date. */
export function parseDay(value: string, field: string): number {
  const m = typeof value === 'string' ? DATE_RE.exec(value) : null;
  if (m) {
    const y = Number(m[1]);
    const mo = Number(m[2]);
    const d = Number(m[3]);
    const ms = Date.UTC(y, mo - 1, d);
    const check = new Date(ms);
    if (check.getUTCFullYear() === y && check.getUTCMonth() === mo - 1 && check.getUTCDate() === d) return ms / DAY_MS;
  }
  throw new AvailabilityInputError(field, `local date YYYY-MM-DD expected, got ${JSON.stringify(value)}`);
}

/** Milliseconds since local midnight of HH:MM or HH:MM:SS; 24:00 is accepted (end of day). */
export function parseTime(value: string, field: string): number {
  const m = typeof value === 'string' ? TIME_RE.exec(value) : null;
  if (m) {
    const h = Number(m[1]);
    const mi = Number(m[2]);
    const s = m[3] === undefined ? 0 : Number(m[3]);
    if ((h < 24 && mi < 60 && s < 60) || (h === 24 && mi === 0 && s === 0)) return ((h * 60 + mi) * 60 + s) * 1000;
  }
  throw new AvailabilityInputError(field, `wall-clock time HH:MM expected, got ${JSON.stringify(value)}`);
}

/** YYYY-MM-DD of a day number. */
export function formatDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** ISO weekday (1 = Monday … 7 = Sunday) of a day number; day 0 (1970-01-01) was a Thursday. */
export function isoWeekdayOf(day: number): number {
  return ((((day + 3) % 7) + 7) % 7) + 1;
}

/** Calendar fields of a day number. */
export function ymdOf(day: number): { year: number; month: number; dayOfMonth: number } {
  const d = new Date(day * DAY_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, dayOfMonth: d.getUTCDate() };
}

interface DayProfile {
  /** Offset (wall − UTC, ms) in force before the day and after it. */
  before: number;
  after: number;
}

/** Conversions between a territory's local days and times and UTC instants, with per-day caching. */
export class ZoneClock {
  private readonly format: Intl.DateTimeFormat;
  private readonly profiles = new Map<number, DayProfile>();
  private readonly offsets = new Map<number, number>();

  constructor(readonly timeZone: string) {
    try {
      this.format = new Intl.DateTimeFormat('en-US', {
        timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
      });
    } catch {
      throw new AvailabilityInputError('territory.timeZone', `unknown IANA time zone ${JSON.stringify(timeZone)}`);
    }
  }

  /** wall − UTC, in ms, at a UTC instant. */
  offsetAt(utc: number): number {
    const cached = this.offsets.get(utc);
    if (cached !== undefined) return cached;
    let y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    for (const p of this.format.formatToParts(utc)) {
      switch (p.type) {
        case 'year': y = Number(p.value); break;
        case 'month': mo = Number(p.value); break;
        case 'day': d = Number(p.value); break;
        case 'hour': h = Number(p.value); break;
        case 'minute': mi = Number(p.value); break;
        case 'second': s = Number(p.value); break;
        default: break;
      }
    }
    const offset = Date.UTC(y, mo - 1, d, h, mi, s) - Math.floor(utc / 1000) * 1000;
    // Bounded: the engine asks for a few offsets per local day; long-lived processes must not grow forever.
    if (this.offsets.size > 50_000) this.offsets.clear();
    this.offsets.set(utc, offset);
    return offset;
  }

  private profile(day: number): DayProfile {
    let p = this.profiles.get(day);
    if (p === undefined) {
      // Offsets never exceed ±14 h, so these two instants fall on the day before and the day after this one.
      p = { before: this.offsetAt(day * DAY_MS - DAY_MS), after: this.offsetAt(day * DAY_MS + 2 * DAY_MS) };
      if (this.profiles.size > 20_000) this.profiles.clear();
      this.profiles.set(day, p);
    }
    return p;
  }

  /** UTC instant (ms) of a wall-clock time (ms since local midnight, may be ≥ 24 h) on a local day. */
  toUtc(day: number, msOfDay: number): number {
    const p = this.profile(day + Math.floor(msOfDay / DAY_MS));
    const wall = day * DAY_MS + msOfDay;
    if (p.before === p.after) return wall - p.before;
    const early = wall - Math.max(p.before, p.after);
    const late = wall - Math.min(p.before, p.after);
    // Earliest valid reading first: a repeated time maps to its first occurrence.
    if (this.offsetAt(early) === wall - early) return early;
    if (this.offsetAt(late) === wall - late) return late;
    // Skipped time: the answer is the instant of the jump, between `early` (old offset) and `late` (new offset).
    let lo = Math.floor(early / 1000);
    let hi = Math.ceil(late / 1000);
    const oldOffset = this.offsetAt(lo * 1000);
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.offsetAt(mid * 1000) === oldOffset) lo = mid; else hi = mid;
    }
    return hi * 1000;
  }

  /** Local day containing a UTC instant (the day whose midnight instant is the last one at or before it). */
  dayOf(utc: number): number {
    let day = Math.floor((utc + this.offsetAt(utc)) / DAY_MS);
    while (utc < this.toUtc(day, 0)) day -= 1;
    while (utc >= this.toUtc(day + 1, 0)) day += 1;
    return day;
  }
}

const clocks = new Map<string, ZoneClock>();

/** One clock per zone, shared across calls so that its caches serve every request. */
export function clockFor(timeZone: string): ZoneClock {
  let clock = clocks.get(timeZone);
  if (clock === undefined) {
    clock = new ZoneClock(timeZone);
    clocks.set(timeZone, clock);
  }
  return clock;
}
