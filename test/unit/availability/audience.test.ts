/** Rules 6 and 7: what agents and usagers see, period bounds, collective motifs, bad input. */
import { describe, expect, it } from '@jest/globals';
import { AvailabilityInputError, computeSlots } from '../../../shared/src/availability';
import { aMotif, aPlage, aQuery, aTerritory, localStarts, times } from './builders';

const nineToNoon = aPlage().on('2026-03-02').from('09:00').to('12:00');

describe('who sees what', () => {
  it('should filter usager slots by the booking delays without shifting the grid', () => {
    const motif = aMotif({ minBookingDelayMinutes: 70, maxBookingDelayMinutes: 150 });
    // now 08:00: from 09:10 to 10:30; the grid stays on 09:00, 09:30…, so 09:10 is never offered.
    const usager = computeSlots(aQuery({ now: '2026-03-02T08:00:00+01:00', audience: 'usager', motif, plages: [nineToNoon] }));
    expect(times(usager)).toEqual(['09:30', '10:00', '10:30']);
    const agent = computeSlots(aQuery({ now: '2026-03-02T08:00:00+01:00', audience: 'agent', motif, plages: [nineToNoon] }));
    expect(agent).toHaveLength(6);
  });

  it('should de-duplicate by (start, agent) for agents and by start for usagers', () => {
    const plages = [
      aPlage().withId(1).forAgent(2).from('09:00').to('10:00'),
      aPlage().withId(2).forAgent(1).from('09:00').to('10:00'),
      aPlage().withId(3).forAgent(1).atLieu(2).from('09:00').to('10:00'),
    ];
    expect(computeSlots(aQuery({ plages })).map((s) => [times([s])[0], s.agentId, s.plageId]))
      .toEqual([['09:00', 1, 2], ['09:00', 2, 1], ['09:30', 1, 2], ['09:30', 2, 1]]);
    expect(computeSlots(aQuery({ plages, audience: 'usager' })).map((s) => [times([s])[0], s.agentId]))
      .toEqual([['09:00', 1], ['09:30', 1]]);
  });

  it('should return only slots inside the requested period, in the territory zone', () => {
    const everyDay = aPlage().on('2026-03-01').weekly([1, 2, 3, 4, 5, 6, 7]).from('23:00').to('24:00');
    const territory = aTerritory({ timeZone: 'Indian/Reunion', departementCode: '974' });
    const slots = computeSlots(aQuery({ from: '2026-03-03', to: '2026-03-04', territory, plages: [everyDay] }));
    expect(localStarts(slots, 'Indian/Reunion')).toEqual(['2026-03-03 23:00', '2026-03-03 23:30', '2026-03-04 23:00', '2026-03-04 23:30']);
  });

  it('should offer no computed slot for a collective motif', () => {
    expect(computeSlots(aQuery({ plages: [nineToNoon], motif: aMotif({ collective: true }) }))).toEqual([]);
  });

  it('should sort slots by start, then agent', () => {
    const slots = computeSlots(aQuery({
      from: '2026-03-02', to: '2026-03-03',
      plages: [aPlage().withId(1).forAgent(3).on('2026-03-02').weekly([1, 2]).from('10:00').to('11:00'), aPlage().withId(2).forAgent(1).on('2026-03-02').weekly([1, 2]).from('09:30').to('10:30')],
    }));
    const keys = slots.map((s) => [s.start.getTime(), s.agentId]);
    expect([...keys].sort((a, b) => a[0] - b[0] || a[1] - b[1])).toEqual(keys);
  });

  it('should reject a period that ends before it starts, naming the field', () => {
    expect(() => computeSlots(aQuery({ from: '2026-03-05', to: '2026-03-04', plages: [nineToNoon] }))).toThrow(AvailabilityInputError);
    expect(() => computeSlots(aQuery({ from: '2026-03-05', to: '2026-03-04' }))).toThrow(/^to:/);
  });

  it('should reject an unknown time zone and a malformed plage time, naming the field', () => {
    expect(() => computeSlots(aQuery({ territory: aTerritory({ timeZone: 'Europe/Atlantis' }), plages: [nineToNoon] }))).toThrow(/territory.timeZone/);
    expect(() => computeSlots(aQuery({ plages: [aPlage().from('9h').to('12:00')] }))).toThrow(/plages\[0\].startTime/);
  });
});
