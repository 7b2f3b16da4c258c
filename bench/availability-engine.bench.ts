/**
 * Availability engine benchmark (issue 3): a département-sized, deterministic case — 50 agents, 6 weeks (across
 * the spring DST change and Easter Monday), 3 motifs, 2,000 Outlook busy blocks, 1,500 RDVs — searched over all
 * agents for one motif at a time, as `GET /api/availability` does (computeSlots + groupSlotsByDay).
 */
import { performance } from 'node:perf_hooks';
import { DateTime } from 'luxon';
import {
  computeSlots, groupSlotsByDay, type AbsenceInput, type AvailabilityQuery, type BusyBlockInput, type MotifInput, type PlageInput,
  type RdvInput, type Slot,
} from '../shared/src/availability';
import type { IsoWeekday, RdvStatus } from '../shared/src/domain';
import { oracleSlots } from '../test/unit/availability/oracle';
import { percentile, type BenchContext } from './context';

const ZONE = 'Europe/Paris';
const FROM = '2026-03-16';
const TO = '2026-04-26';
const WARM_UP = 20;
const ITERATIONS = 150;

/** mulberry32: small, seeded, good enough to spread test data. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Case { base: Omit<AvailabilityQuery, 'motif'>; motifs: MotifInput[] }

export function departementCase(agents = 50, busyCount = 2000, rdvCount = 1500, from = FROM, to = TO): Case {
  const rnd = prng(20260316);
  const int = (min: number, max: number) => min + Math.floor(rnd() * (max - min + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const motifs: MotifInput[] = [
    { id: 1, durationMinutes: 30, bufferMinutes: 0, minBookingDelayMinutes: 60, maxBookingDelayMinutes: 60 * 24 * 60, collective: false },
    { id: 2, durationMinutes: 45, bufferMinutes: 15, minBookingDelayMinutes: 24 * 60, maxBookingDelayMinutes: 30 * 24 * 60, collective: false },
    { id: 3, durationMinutes: 60, bufferMinutes: 0, minBookingDelayMinutes: 0, maxBookingDelayMinutes: 90 * 24 * 60, collective: false },
  ];
  const days: string[] = [];
  for (let d = DateTime.fromISO(from, { zone: 'UTC' }); d.toISODate()! <= to; d = d.plus({ days: 1 })) days.push(d.toISODate()!);
  const workdays = days.filter((d) => DateTime.fromISO(d).weekday <= 5);
  const local = (day: string, minutes: number) => DateTime.fromISO(day, { zone: ZONE }).plus({ minutes }).toJSDate();

  const plages: PlageInput[] = [];
  for (let agentId = 1; agentId <= agents; agentId += 1) {
    const lieuId = 1 + (agentId % 5);
    // A full-week plage with a lunch break, and a second, fortnightly one at another lieu.
    plages.push({
      id: plages.length + 1, agentId, lieuId, motifIds: [1, 2, 3], firstDay: '2026-01-05', startTime: pick(['08:30', '09:00']), endTime: '12:00',
      startTime2: '13:30', endTime2: pick(['17:00', '17:30']), recurrence: { frequency: 'weekly', interval: 1, weekdays: [1, 2, 4] as IsoWeekday[] },
    });
    plages.push({
      id: plages.length + 1, agentId, lieuId: 1 + ((agentId + 2) % 5), motifIds: pick([[1, 2], [2, 3], [1, 3]]), firstDay: '2026-01-07', startTime: '09:00', endTime: '16:00',
      recurrence: { frequency: 'weekly', interval: pick([1, 2]), weekdays: [3, 5] as IsoWeekday[], until: pick([null, '2026-04-17']) },
      bufferMinutesOverride: pick([null, null, 5]),
    });
  }

  const busyBlocks: BusyBlockInput[] = [];
  // A recurring Outlook series per agent (weekly team meeting), then random meetings and a few all-day events.
  for (let agentId = 1; agentId <= agents; agentId += 1) {
    const weekday = int(1, 5);
    for (const day of days) if (DateTime.fromISO(day).weekday === weekday) busyBlocks.push({ agentId, start: local(day, 10 * 60), end: local(day, 11 * 60) });
  }
  while (busyBlocks.length < busyCount) {
    const agentId = int(1, agents);
    const day = pick(workdays);
    if (rnd() < 0.03) busyBlocks.push({ agentId, start: local(day, 0), end: local(day, int(1, 3) * 24 * 60) });
    else {
      const start = int(8 * 4, 17 * 4) * 15;
      busyBlocks.push({ agentId, start: local(day, start), end: local(day, start + int(1, 12) * 15) });
    }
  }

  const statuses: RdvStatus[] = ['unknown', 'unknown', 'unknown', 'unknown', 'seen', 'noshow', 'excused', 'revoked'];
  const rdvs: RdvInput[] = [];
  for (let id = 1; id <= rdvCount; id += 1) {
    const agentId = int(1, agents);
    const day = pick(workdays);
    const start = int(9 * 2, 16 * 2) * 30;
    const duration = pick([30, 45, 60]);
    rdvs.push({
      id, agentIds: rnd() < 0.05 ? [agentId, 1 + (agentId % agents)] : [agentId], start: local(day, start), end: local(day, start + duration),
      status: pick(statuses), bufferMinutes: pick([0, 0, 15]),
    });
  }

  const absences: AbsenceInput[] = [];
  for (let i = 0; i < agents; i += 1) {
    const day = pick(workdays);
    const recurring = rnd() < 0.3;
    absences.push({
      agentId: int(1, agents), firstDay: day, startTime: recurring ? '14:00' : '00:00', endDay: recurring ? day : pick(workdays.filter((d) => d >= day).slice(0, 5)),
      endTime: recurring ? '17:00' : '24:00', recurrence: recurring ? { frequency: 'weekly', interval: 1 } : null,
    });
  }

  return {
    motifs,
    base: {
      now: new Date('2026-03-16T09:07:00+01:00'), from, to,
      territory: { timeZone: ZONE, departementCode: '86', whitMondayIsHoliday: true, worksOnPublicHolidays: false },
      audience: 'agent', plages, absences, busyBlocks, rdvs,
    },
  };
}

function search(q: AvailabilityQuery): Slot[] {
  const slots = computeSlots(q);
  groupSlotsByDay(slots, q.territory.timeZone);
  return slots;
}

const same = (a: Slot[], b: Slot[]) => a.length === b.length
  && a.every((s, i) => s.start.getTime() === b[i].start.getTime() && s.agentId === b[i].agentId && s.plageId === b[i].plageId);

export default async function availabilityEngineBench(ctx: BenchContext): Promise<void> {
  const { base, motifs } = departementCase();
  const queries = motifs.map((motif) => ({ ...base, motif }));
  ctx.log(`case: ${base.plages.length} plages, ${base.busyBlocks.length} busy blocks, ${base.rdvs.length} RDVs, ${base.absences.length} absences, ${FROM}..${TO}`);

  for (let i = 0; i < WARM_UP; i += 1) search(queries[i % queries.length]);
  const times: number[] = [];
  let slotCount = 0;
  for (let i = 0; i < ITERATIONS; i += 1) {
    const q = queries[i % queries.length];
    const t0 = performance.now();
    slotCount += search(q).length;
    times.push(performance.now() - t0);
  }
  ctx.log(`${ITERATIONS} searches (3 motifs in turn), ${Math.round(slotCount / ITERATIONS)} slots each on average`);
  ctx.report('availability.engine_p50', percentile(times, 50), 'ms');
  ctx.report('availability.engine_p95', percentile(times, 95), 'ms');
  const usagerTimes: number[] = [];
  for (let i = 0; i < 60; i += 1) {
    const q = { ...queries[i % queries.length], audience: 'usager' as const };
    const t0 = performance.now();
    search(q);
    usagerTimes.push(performance.now() - t0);
  }
  ctx.report('availability.engine_usager_p95', percentile(usagerTimes, 95), 'ms');
  ctx.report('availability.engine_peak_rss', process.resourceUsage().maxRSS / 1024, 'MB');

  // The brute-force oracle on the same full case (one search per motif; its luxon conversions are memoised, so
  // motifs 2 and 3 run warm), checked for agreement and compared with the engine's median search time.
  let oracleMs = 0;
  for (const q of queries) {
    const t0 = performance.now();
    const expected = oracleSlots(q);
    oracleMs += performance.now() - t0;
    const actual = computeSlots(q);
    if (!same(actual, expected)) throw new Error(`engine and oracle disagree on motif ${q.motif.id}: ${actual.length} vs ${expected.length} slots`);
  }
  const engineMedian = percentile(times, 50);
  ctx.log(`oracle ${(oracleMs / queries.length).toFixed(0)} ms per search vs engine median ${engineMedian.toFixed(2)} ms; results identical`);
  ctx.report('availability.oracle_speed_ratio', oracleMs / queries.length / engineMedian, 'x');
}
