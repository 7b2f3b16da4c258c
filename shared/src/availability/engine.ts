/**
 * The availability engine (issue 3): free slots of a motif from plages d'ouverture, minus absences, public
 * holidays, Outlook busy blocks and live RDVs, cut on a grid that restarts at each free interval.
 *
 * Work is proportional to plage occurrences and blocking intervals, never to minutes: blocking time is merged once
 * per agent, each occurrence window is subtracted with a binary search, and time-zone conversions are cached per
 * local day (see local-time.ts).
 */
import { LIVE_RDV_STATUSES } from '../domain';
import { AvailabilityInputError } from './errors';
import { blockingHolidayDays } from './holidays';
import { clockFor, MINUTE_MS, parseDay, parseTime, type ZoneClock } from './local-time';
import { forEachGap, mergeIntervals, type Interval } from './intervals';
import { compileOccurrences, type CompiledOccurrences } from './recurrence';
import type { AvailabilityQuery, PlageInput, Slot } from './types';

/** A slot starting in a free interval that began before now is aligned on this step from the free start. */
const PAST_ROUNDING_MS = 5 * MINUTE_MS;
const LIVE = new Set<string>(LIVE_RDV_STATUSES);

interface PreparedPlage {
  id: number;
  agentId: number;
  lieuId: number | null;
  /** Daily windows as [start, end) in ms since local midnight. */
  windows: Array<[number, number]>;
  occurrences: CompiledOccurrences;
  /** Step between slot starts: duration + buffer. */
  stepMs: number;
  /** Room needed after a slot start: duration + buffer. */
  needMs: number;
}

interface Candidate {
  t: number;
  agentId: number;
  plageId: number;
  lieuId: number | null;
}

interface Scope {
  fromDay: number;
  toDay: number;
  agentId: number | null;
  dedupe: 'agent' | 'start';
}

function checkMinutes(value: unknown, field: string, min: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new AvailabilityInputError(field, `number of minutes ≥ ${min} expected, got ${JSON.stringify(value)}`);
  }
  return value;
}

function preparePlage(p: PlageInput, index: number, durationMs: number, motifBufferMs: number): PreparedPlage {
  const field = `plages[${index}]`;
  const raw: Array<[number, number]> = [[parseTime(p.startTime, `${field}.startTime`), parseTime(p.endTime, `${field}.endTime`)]];
  if (p.startTime2 != null && p.endTime2 != null) {
    raw.push([parseTime(p.startTime2, `${field}.startTime2`), parseTime(p.endTime2, `${field}.endTime2`)]);
  }
  const windows = raw.filter(([s, e]) => e > s).sort((a, b) => a[0] - b[0]);
  const bufferMs = p.bufferMinutesOverride == null
    ? motifBufferMs
    : checkMinutes(p.bufferMinutesOverride, `${field}.bufferMinutesOverride`, 0) * MINUTE_MS;
  return {
    id: p.id,
    agentId: p.agentId,
    lieuId: p.lieuId,
    windows,
    occurrences: compileOccurrences(p.firstDay, p.recurrence, field),
    stepMs: durationMs + bufferMs,
    needMs: durationMs + bufferMs,
  };
}

/** Blocking time of each agent, merged: absences, live RDVs plus their buffer, busy blocks. */
function blockingByAgent(q: AvailabilityQuery, clock: ZoneClock, agents: Set<number>, fromDay: number, toDay: number): Map<number, Interval[]> {
  const lo = clock.toUtc(fromDay, 0);
  const hi = clock.toUtc(toDay + 1, 0);
  const raw = new Map<number, Interval[]>();
  for (const a of agents) raw.set(a, []);
  const add = (agentId: number, start: number, end: number) => {
    if (end > lo && start < hi && end > start) raw.get(agentId)?.push({ start, end });
  };

  q.busyBlocks.forEach((b, i) => {
    if (!agents.has(b.agentId)) return;
    const start = b.start.getTime();
    const end = b.end.getTime();
    if (Number.isNaN(start) || Number.isNaN(end)) throw new AvailabilityInputError(`busyBlocks[${i}]`, 'valid start and end instants expected');
    add(b.agentId, start, end);
  });

  q.rdvs.forEach((r, i) => {
    if (!LIVE.has(r.status)) return;
    const start = r.start.getTime();
    const end = r.end.getTime() + checkMinutes(r.bufferMinutes ?? 0, `rdvs[${i}].bufferMinutes`, 0) * MINUTE_MS;
    if (Number.isNaN(start) || Number.isNaN(end)) throw new AvailabilityInputError(`rdvs[${i}]`, 'valid start and end instants expected');
    for (const agentId of r.agentIds) if (agents.has(agentId)) add(agentId, start, end);
  });

  q.absences.forEach((a, i) => {
    if (!agents.has(a.agentId)) return;
    const field = `absences[${i}]`;
    const occ = compileOccurrences(a.firstDay, a.recurrence, field);
    const startMs = parseTime(a.startTime, `${field}.startTime`);
    const endMs = parseTime(a.endTime, `${field}.endTime`);
    const span = parseDay(a.endDay, `${field}.endDay`) - occ.firstDay;
    if (a.recurrence == null) {
      add(a.agentId, clock.toUtc(occ.firstDay, startMs), clock.toUtc(occ.firstDay + span, endMs));
      return;
    }
    // An occurrence starting up to `span` days before the period still covers its first day.
    const first = Math.max(occ.firstDay, fromDay - Math.max(span, 0) - 1);
    const last = Math.min(occ.lastDay, toDay + 1);
    for (let day = first; day <= last; day += 1) {
      if (occ.occursOn(day)) add(a.agentId, clock.toUtc(day, startMs), clock.toUtc(day + span, endMs));
    }
  });

  const merged = new Map<number, Interval[]>();
  for (const [agentId, list] of raw) merged.set(agentId, mergeIntervals(list));
  return merged;
}

function compareCandidates(a: Candidate, b: Candidate): number {
  return a.t - b.t || a.agentId - b.agentId || a.plageId - b.plageId;
}

function run(q: AvailabilityQuery, scope: Scope): Slot[] {
  const clock = clockFor(q.territory.timeZone);
  const motif = q.motif;
  const durationMs = checkMinutes(motif.durationMinutes, 'motif.durationMinutes', 0) * MINUTE_MS;
  if (durationMs <= 0) throw new AvailabilityInputError('motif.durationMinutes', 'a positive duration is expected');
  const motifBufferMs = checkMinutes(motif.bufferMinutes ?? 0, 'motif.bufferMinutes', 0) * MINUTE_MS;
  const now = q.now.getTime();
  if (Number.isNaN(now)) throw new AvailabilityInputError('now', 'a valid instant is expected');

  // Booking delays filter slots for usagers; they never move the grid.
  let minStart = -Infinity;
  let maxStart = Infinity;
  if (q.audience === 'usager') {
    minStart = now + checkMinutes(motif.minBookingDelayMinutes ?? 0, 'motif.minBookingDelayMinutes', 0) * MINUTE_MS;
    maxStart = now + checkMinutes(motif.maxBookingDelayMinutes, 'motif.maxBookingDelayMinutes', 0) * MINUTE_MS;
  }

  const lieuId = q.lieuId ?? null;
  const plages: PreparedPlage[] = [];
  const agents = new Set<number>();
  q.plages.forEach((p, i) => {
    if (!p.motifIds.includes(motif.id)) return;
    if (lieuId !== null && p.lieuId !== lieuId) return;
    if (scope.agentId !== null && p.agentId !== scope.agentId) return;
    const prepared = preparePlage(p, i, durationMs, motifBufferMs);
    if (prepared.occurrences.firstDay > scope.toDay || prepared.occurrences.lastDay < scope.fromDay || prepared.windows.length === 0) return;
    plages.push(prepared);
    agents.add(p.agentId);
  });
  if (plages.length === 0) return [];

  const holidays = blockingHolidayDays(scope.fromDay, scope.toDay, q.territory);
  const blocking = blockingByAgent(q, clock, agents, scope.fromDay, scope.toDay);

  const slots: Slot[] = [];
  const candidates: Candidate[] = [];
  let current = plages[0];
  // Cuts one free interval of `current`, from its own start (or, if it began before now, from the first
  // 5-minute mark after its start that is not in the past).
  const cut = (freeStart: number, freeEnd: number) => {
    let t = freeStart < now ? freeStart + Math.ceil((now - freeStart) / PAST_ROUNDING_MS) * PAST_ROUNDING_MS : freeStart;
    for (; t + current.needMs <= freeEnd && t <= maxStart; t += current.stepMs) {
      if (t >= minStart) candidates.push({ t, agentId: current.agentId, plageId: current.id, lieuId: current.lieuId });
    }
  };
  const windows: Interval[] = [];

  for (let day = scope.fromDay; day <= scope.toDay; day += 1) {
    if (holidays.has(day)) continue;
    if (clock.toUtc(day + 1, 0) <= now) continue;
    candidates.length = 0;
    for (const plage of plages) {
      if (!plage.occurrences.occursOn(day)) continue;
      current = plage;
      const busy = blocking.get(plage.agentId)!;
      // Windows are merged after conversion: across a DST jump two windows may touch in real time.
      windows.length = 0;
      for (const [s, e] of plage.windows) {
        const start = clock.toUtc(day, s);
        const end = clock.toUtc(day, e);
        if (end <= start) continue;
        const last = windows[windows.length - 1];
        if (last !== undefined && start <= last.end) last.end = Math.max(last.end, end);
        else windows.push({ start, end });
      }
      for (const w of windows) {
        if (w.end - plage.needMs < now || w.start > maxStart) continue;
        forEachGap(w.start, w.end, busy, cut);
      }
    }
    if (candidates.length === 0) continue;
    candidates.sort(compareCandidates);
    let previous: Candidate | undefined;
    for (const c of candidates) {
      if (previous !== undefined && previous.t === c.t && (scope.dedupe === 'start' || previous.agentId === c.agentId)) continue;
      previous = c;
      slots.push({ start: new Date(c.t), end: new Date(c.t + durationMs), agentId: c.agentId, lieuId: c.lieuId, plageId: c.plageId });
    }
  }
  return slots;
}

/**
 * Every bookable slot of the motif in the period [from, to] (local days of the territory, inclusive), sorted by
 * start then agent. Agents get every free slot not in the past, one per (start, agent); usagers get those
 * allowed by the motif's booking delays, one per start. When two plages of an agent (or, for usagers, two agents)
 * offer the same start, the lowest agent id then plage id is kept.
 *
 * Collective motifs have no computed slots: this returns [] for them, and the service lists the existing
 * collective RDVs of the motif (future, not revoked, with seats left) instead.
 */
export function computeSlots(q: AvailabilityQuery): Slot[] {
  if (q.motif.collective) return [];
  const fromDay = parseDay(q.from, 'from');
  const toDay = parseDay(q.to, 'to');
  if (toDay < fromDay) throw new AvailabilityInputError('to', `the period ends (${q.to}) before it starts (${q.from})`);
  return run(q, { fromDay, toDay, agentId: q.agentId ?? null, dedupe: q.audience === 'usager' ? 'start' : 'agent' });
}

/**
 * Booking re-check: the slot of this agent starting exactly at `start`, if the same rules still offer it within
 * the query's period (and, for usagers, its booking delays); null otherwise. Only the local day of `start` is
 * computed, so this is cheap.
 */
export function findSlot(q: AvailabilityQuery, start: Date, agentId: number): Slot | null {
  if (q.motif.collective) return null;
  if (q.agentId != null && q.agentId !== agentId) return null;
  const fromDay = parseDay(q.from, 'from');
  const toDay = parseDay(q.to, 'to');
  const t = start.getTime();
  if (Number.isNaN(t)) return null;
  const day = clockFor(q.territory.timeZone).dayOf(t);
  if (day < fromDay || day > toDay) return null;
  const slots = run(q, { fromDay: day, toDay: day, agentId, dedupe: 'agent' });
  return slots.find((s) => s.start.getTime() === t) ?? null;
}

/** Exposed for tests and for callers that need the local day bounds of a period. */
export function periodBounds(from: string, to: string, timeZone: string): { start: Date; end: Date } {
  const clock = clockFor(timeZone);
  return { start: new Date(clock.toUtc(parseDay(from, 'from'), 0)), end: new Date(clock.toUtc(parseDay(to, 'to') + 1, 0)) };
}
