/**
 * Property-based tests: the engine agrees with the brute-force minute-grid oracle (./oracle.ts) on random queries,
 * including random periods around DST changes in several zones.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { computeSlots, easterSunday, findSlot, groupSlotsByDay } from '../../../shared/src/availability';
import { ZoneClock } from '../../../shared/src/availability/local-time';
import { describeSlots, queryArb, ZONES } from './arbitraries';
import { gaussEaster, oracleInstant, oracleSlots } from './oracle';

describe('availability engine against the brute-force oracle', () => {
  it('should offer exactly the slots the minute-grid oracle finds', () => {
    fc.assert(fc.property(queryArb, (q) => {
      expect(describeSlots(computeSlots(q))).toEqual(describeSlots(oracleSlots(q)));
    }), { numRuns: 1500 });
  });

  it('should agree with the oracle on busy agendas offering the motif everywhere, without lieu or agent filter', () => {
    const dense = queryArb.map((q) => ({ ...q, lieuId: undefined, agentId: undefined, plages: q.plages.map((p) => ({ ...p, motifIds: [1] })) }));
    fc.assert(fc.property(dense, (q) => {
      expect(describeSlots(computeSlots(q))).toEqual(describeSlots(oracleSlots(q)));
    }), { numRuns: 1000 });
  });

  it('should confirm with findSlot every slot it offers, and nothing else', () => {
    fc.assert(fc.property(queryArb, fc.integer({ min: 0, max: 8 * 1440 }), fc.integer({ min: 1, max: 3 }), (q, minute, agentId) => {
      const slots = computeSlots(q);
      for (const s of slots.slice(0, 20)) {
        const again = findSlot(q, s.start, s.agentId);
        if (q.audience === 'agent') expect(again).toEqual(s);
        else expect(again?.start).toEqual(s.start);
      }
      const probe = new Date(DateTime.fromISO(q.from, { zone: q.territory.timeZone }).toMillis() + minute * 60_000);
      const agentView = computeSlots({ ...q, audience: 'agent' });
      const offered = agentView.some((s) => s.start.getTime() === probe.getTime() && s.agentId === agentId);
      if (q.audience === 'agent') expect(findSlot(q, probe, agentId) !== null).toBe(offered);
      else if (!offered) expect(findSlot(q, probe, agentId)).toBeNull();
    }), { numRuns: 600 });
  });

  it('should map local wall-clock times to the first instant the clock shows them, in every zone', () => {
    fc.assert(fc.property(
      fc.constantFrom(...ZONES),
      fc.integer({ min: 0, max: 4 * 365 }),
      fc.integer({ min: 0, max: 1440 }),
      (zone, dayOffset, minutes) => {
        const date = DateTime.utc(2024, 1, 1).plus({ days: dayOffset }).toISODate()!;
        const dayNumber = Date.parse(`${date}T00:00:00Z`) / 86_400_000;
        expect(new ZoneClock(zone).toUtc(dayNumber, minutes * 60_000) / 60_000).toBe(oracleInstant(zone, date, minutes));
      },
    ), { numRuns: 1500, examples: [['Europe/Paris', 818, 150], ['Europe/Paris', 1028, 150], ['America/Santiago', 979, 0], ['America/Santiago', 979, 30]] });
  });

  it('should group every slot under its local day, lieu and agent', () => {
    fc.assert(fc.property(queryArb, (q) => {
      const slots = computeSlots(q);
      const groups = groupSlotsByDay(slots, q.territory.timeZone);
      const flat = groups.flatMap((d) => d.lieux.flatMap((l) => l.agents.flatMap((a) => a.slots.map((s) => ({ d, l, a, s })))));
      expect(flat).toHaveLength(slots.length);
      for (const { d, l, a, s } of flat) {
        expect(DateTime.fromJSDate(s.start, { zone: q.territory.timeZone }).toISODate()).toBe(d.day);
        expect(s.lieuId).toBe(l.lieuId);
        expect(s.agentId).toBe(a.agentId);
      }
    }), { numRuns: 300 });
  });

  it('should compute the same Easter as Gauss for every Gregorian year from 1583 to 4099', () => {
    for (let year = 1583; year <= 4099; year += 1) {
      const [month, day] = easterSunday(year);
      expect(`${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`).toBe(gaussEaster(year));
    }
  });
});
