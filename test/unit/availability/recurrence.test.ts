/** Rule 1: occurrences of plages (weekly, every N weeks, monthly, until inclusive, second window). */
import { describe, expect, it } from '@jest/globals';
import { computeSlots } from '../../../shared/src/availability';
import { aMotif, aPlage, aQuery, localStarts, times } from './builders';

const hourly = aMotif({ durationMinutes: 60 });
const daysOf = (slots: ReturnType<typeof computeSlots>) => [...new Set(localStarts(slots).map((s) => s.slice(0, 10)))];

describe('plage occurrences', () => {
  it('should occur only on its first day when it does not recur', () => {
    const slots = computeSlots(aQuery({ from: '2026-03-01', to: '2026-03-31', motif: hourly, plages: [aPlage().on('2026-03-04').from('09:00').to('10:00')] }));
    expect(daysOf(slots)).toEqual(['2026-03-04']);
  });

  it("should recur weekly on the first day's weekday when no weekday is chosen", () => {
    const slots = computeSlots(aQuery({ from: '2026-03-01', to: '2026-03-20', motif: hourly, plages: [aPlage().on('2026-03-04').weekly().from('09:00').to('10:00')] }));
    expect(daysOf(slots)).toEqual(['2026-03-04', '2026-03-11', '2026-03-18']);
  });

  it('should recur on the chosen weekdays, never before the first day', () => {
    const slots = computeSlots(aQuery({ from: '2026-03-01', to: '2026-03-08', motif: hourly, plages: [aPlage().on('2026-03-04').weekly([1, 3, 5]).from('09:00').to('10:00')] }));
    expect(daysOf(slots)).toEqual(['2026-03-04', '2026-03-06']);
  });

  it('should recur every 2 weeks counted from the Monday-based week of the first day', () => {
    // First day Wednesday 4 March: the week of Monday 2 March is week 0 (its Monday is before the first day),
    // the week of 9 March is skipped, the week of 16 March is week 2.
    const slots = computeSlots(aQuery({
      from: '2026-03-01', to: '2026-03-29', motif: hourly,
      plages: [aPlage().on('2026-03-04').weekly([1, 3], 2).from('09:00').to('10:00')],
    }));
    expect(daysOf(slots)).toEqual(['2026-03-04', '2026-03-16', '2026-03-18']);
  });

  it('should include the until date itself', () => {
    const slots = computeSlots(aQuery({
      from: '2026-03-01', to: '2026-03-31', motif: hourly, plages: [aPlage().on('2026-03-02').weekly([1]).until('2026-03-16').from('09:00').to('10:00')],
    }));
    expect(daysOf(slots)).toEqual(['2026-03-02', '2026-03-09', '2026-03-16']);
  });

  it('should recur monthly on the n-th weekday of the first day (2nd Tuesday)', () => {
    const slots = computeSlots(aQuery({
      from: '2026-01-01', to: '2026-04-30', motif: hourly, plages: [aPlage().on('2026-01-13').monthly('nth_weekday').from('09:00').to('10:00')],
    }));
    expect(daysOf(slots)).toEqual(['2026-01-13', '2026-02-10', '2026-03-10', '2026-04-14']);
  });

  it('should recur monthly on the same day of month, skipping months without it', () => {
    const slots = computeSlots(aQuery({
      from: '2026-01-01', to: '2026-06-30', motif: hourly, plages: [aPlage().on('2026-01-31').monthly('day_of_month').from('09:00').to('10:00')],
    }));
    expect(daysOf(slots)).toEqual(['2026-01-31', '2026-03-31', '2026-05-31']);
  });

  it('should recur every 2 months counted from the first month', () => {
    const slots = computeSlots(aQuery({
      from: '2026-01-01', to: '2026-06-30', motif: hourly, plages: [aPlage().on('2026-01-15').monthly('day_of_month', 2).from('09:00').to('10:00')],
    }));
    expect(daysOf(slots)).toEqual(['2026-01-15', '2026-03-15', '2026-05-15']);
  });

  it('should offer both daily windows of a plage with a second window', () => {
    const slots = computeSlots(aQuery({ from: '2026-03-02', plages: [aPlage().on('2026-03-02').from('09:00').to('10:00').andFrom('14:00', '15:00')] }));
    expect(times(slots)).toEqual(['09:00', '09:30', '14:00', '14:30']);
  });

  it('should offer nothing for a plage that does not offer the motif, or at another lieu or for another agent than asked', () => {
    const plage = aPlage().on('2026-03-02').from('09:00').to('10:00');
    expect(computeSlots(aQuery({ plages: [plage.build()], motif: aMotif({ id: 9 }) }))).toEqual([]);
    expect(computeSlots(aQuery({ plages: [plage.build()], lieuId: 2 }))).toEqual([]);
    expect(computeSlots(aQuery({ plages: [plage.build()], agentId: 2 }))).toEqual([]);
    expect(computeSlots(aQuery({ plages: [plage.build()], lieuId: null, agentId: null }))).toHaveLength(2);
  });
});
