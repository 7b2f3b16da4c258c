/** The booking re-check (findSlot) and the grouping of results by day, lieu and agent. */
import { describe, expect, it } from '@jest/globals';
import { computeSlots, findSlot, groupSlotsByDay } from '../../../shared/src/availability';
import { aMotif, anRdv, aPlage, aQuery, aTerritory } from './builders';

const at = (iso: string) => new Date(iso);

describe('findSlot', () => {
  const query = aQuery({ from: '2026-03-02', to: '2026-03-06', plages: [aPlage().on('2026-03-02').weekly([1, 3]).from('09:00').to('11:00')] });

  it('should return the slot when it is offered', () => {
    expect(findSlot(query, at('2026-03-04T09:30:00+01:00'), 1)).toEqual({
      start: at('2026-03-04T09:30:00+01:00'), end: at('2026-03-04T10:00:00+01:00'), agentId: 1, lieuId: 1, plageId: 1,
    });
  });

  it('should return null off the grid, for another agent, or outside the period', () => {
    expect(findSlot(query, at('2026-03-04T09:35:00+01:00'), 1)).toBeNull();
    expect(findSlot(query, at('2026-03-04T09:30:00+01:00'), 2)).toBeNull();
    expect(findSlot({ ...query, to: '2026-03-03' }, at('2026-03-04T09:30:00+01:00'), 1)).toBeNull();
  });

  it('should return null once an RDV has taken the slot', () => {
    const taken = { ...query, rdvs: [anRdv().at('2026-03-04T09:30:00+01:00', '2026-03-04T10:00:00+01:00').build()] };
    expect(findSlot(taken, at('2026-03-04T09:30:00+01:00'), 1)).toBeNull();
  });

  it("should apply an usager's booking delays", () => {
    const usager = { ...query, audience: 'usager' as const, now: at('2026-03-04T08:00:00+01:00'), motif: aMotif({ minBookingDelayMinutes: 120 }) };
    expect(findSlot(usager, at('2026-03-04T09:30:00+01:00'), 1)).toBeNull();
    expect(findSlot(usager, at('2026-03-04T10:00:00+01:00'), 1)).not.toBeNull();
  });
});

describe('groupSlotsByDay', () => {
  it('should group by local day, then lieu (no lieu first), then agent', () => {
    const territory = aTerritory({ timeZone: 'Indian/Reunion', departementCode: '974' });
    const slots = computeSlots(aQuery({
      from: '2026-03-02', to: '2026-03-03', territory, motif: aMotif({ durationMinutes: 60 }),
      plages: [
        aPlage().withId(1).forAgent(2).atLieu(5).on('2026-03-02').weekly([1, 2]).from('23:00').to('24:00'),
        aPlage().withId(2).forAgent(1).atLieu(5).on('2026-03-02').weekly([1]).from('23:00').to('24:00'),
        aPlage().withId(3).forAgent(1).atLieu(null).on('2026-03-03').from('08:00').to('09:00'),
      ],
    }));
    const shape = groupSlotsByDay(slots, 'Indian/Reunion').map((d) => [d.day, d.lieux.map((l) => [l.lieuId, l.agents.map((a) => [a.agentId, a.slots.length])])]);
    expect(shape).toEqual([
      ['2026-03-02', [[5, [[1, 1], [2, 1]]]]],
      ['2026-03-03', [[null, [[1, 1]]], [5, [[2, 1]]]]],
    ]);
  });
});
