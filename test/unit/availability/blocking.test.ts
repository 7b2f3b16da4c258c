/** Rule 2: what blocks a plage — absences, live RDVs and their buffer, Outlook busy blocks; never other plages. */
import { describe, expect, it } from '@jest/globals';
import { computeSlots } from '../../../shared/src/availability';
import type { RdvStatus } from '../../../shared/src/domain';
import { aBusyBlock, aMotif, anAbsence, anRdv, aPlage, aQuery, localStarts, times } from './builders';

const hourly = aMotif({ durationMinutes: 60 });
const weekdaysMorningAndAfternoon = aPlage().on('2026-03-02').weekly([1, 2, 3, 4, 5]).from('09:00').to('12:00').andFrom('14:00', '17:00');

describe('what blocks a plage', () => {
  it('should block continuously from the start to the end of a multi-day absence', () => {
    const slots = computeSlots(aQuery({
      from: '2026-03-02', to: '2026-03-06', motif: hourly, plages: [weekdaysMorningAndAfternoon],
      absences: [anAbsence().from('2026-03-03', '14:00').to('2026-03-05', '10:00')],
    }));
    expect(localStarts(slots).filter((s) => s >= '2026-03-03' && s < '2026-03-06')).toEqual([
      '2026-03-03 09:00', '2026-03-03 10:00', '2026-03-03 11:00',
      '2026-03-05 10:00', '2026-03-05 11:00', '2026-03-05 14:00', '2026-03-05 15:00', '2026-03-05 16:00',
    ]);
    expect(slots).toHaveLength(6 + 3 + 5 + 6);
  });

  it('should block every occurrence of a recurring absence (every Wednesday afternoon)', () => {
    const slots = computeSlots(aQuery({
      from: '2026-03-02', to: '2026-03-13', motif: hourly, plages: [weekdaysMorningAndAfternoon],
      absences: [anAbsence().from('2026-03-04', '13:00').to('2026-03-04', '18:00').weekly([3])],
    }));
    const wednesdays = localStarts(slots).filter((s) => s.startsWith('2026-03-04') || s.startsWith('2026-03-11'));
    expect(wednesdays.map((s) => s.slice(11))).toEqual(['09:00', '10:00', '11:00', '09:00', '10:00', '11:00']);
  });

  it("should ignore another agent's absence", () => {
    const slots = computeSlots(aQuery({ motif: hourly, plages: [weekdaysMorningAndAfternoon], absences: [anAbsence().forAgent(2)] }));
    expect(slots).toHaveLength(6);
  });

  it.each<[RdvStatus, boolean]>([['unknown', true], ['seen', true], ['noshow', true], ['excused', false], ['revoked', false]])(
    'should treat an RDV with status %s as blocking: %s',
    (status, blocks) => {
      const slots = computeSlots(aQuery({
        plages: [aPlage().on('2026-03-02').from('09:00').to('11:00')],
        rdvs: [anRdv().at('2026-03-02T09:30:00+01:00', '2026-03-02T10:00:00+01:00').withStatus(status)],
      }));
      expect(times(slots)).toEqual(blocks ? ['09:00', '10:00', '10:30'] : ['09:00', '09:30', '10:00', '10:30']);
    },
  );

  it('should keep the buffer after a live RDV busy, and realign the grid on its end', () => {
    const slots = computeSlots(aQuery({
      plages: [aPlage().on('2026-03-02').from('09:00').to('12:00')],
      rdvs: [anRdv().at('2026-03-02T10:00:00+01:00', '2026-03-02T10:30:00+01:00').withBuffer(15)],
    }));
    expect(times(slots)).toEqual(['09:00', '09:30', '10:45', '11:15']);
  });

  it('should block every agent of an RDV with several agents', () => {
    const slots = computeSlots(aQuery({
      plages: [aPlage().withId(1).forAgent(1).from('09:00').to('10:00'), aPlage().withId(2).forAgent(2).from('09:00').to('10:00')],
      rdvs: [anRdv().forAgents(1, 2).at('2026-03-02T09:00:00+01:00', '2026-03-02T09:30:00+01:00')],
    }));
    expect(slots.map((s) => [times([s])[0], s.agentId])).toEqual([['09:30', 1], ['09:30', 2]]);
  });

  it('should block every occurrence of a recurring Outlook series imported as many busy blocks', () => {
    const mondays = ['2026-03-02', '2026-03-09', '2026-03-16', '2026-03-23', '2026-03-30', '2026-04-13'];
    const series = mondays.map((d) => aBusyBlock(`${d}T10:00:00${d >= '2026-03-29' ? '+02:00' : '+01:00'}`, `${d}T11:00:00${d >= '2026-03-29' ? '+02:00' : '+01:00'}`));
    const slots = computeSlots(aQuery({
      from: '2026-03-02', to: '2026-04-13', motif: hourly, plages: [aPlage().on('2026-03-02').weekly([1]).from('09:00').to('12:00')], busyBlocks: series,
    }));
    // 6 April is Easter Monday: no plage at all that day.
    expect(localStarts(slots).map((s) => s.slice(11))).toEqual(Array(6).fill(['09:00', '11:00']).flat());
  });

  it('should block the whole day of an all-day Outlook event and nothing else', () => {
    const slots = computeSlots(aQuery({
      from: '2026-03-02', to: '2026-03-04', motif: hourly, plages: [aPlage().on('2026-03-02').weekly([1, 2, 3]).from('09:00').to('11:00')],
      busyBlocks: [aBusyBlock('2026-03-03T00:00:00+01:00', '2026-03-04T00:00:00+01:00')],
    }));
    expect(localStarts(slots)).toEqual(['2026-03-02 09:00', '2026-03-02 10:00', '2026-03-04 09:00', '2026-03-04 10:00']);
  });

  it('should block every day covered by a multi-day Outlook event', () => {
    const slots = computeSlots(aQuery({
      from: '2026-03-02', to: '2026-03-06', motif: hourly, plages: [aPlage().on('2026-03-02').weekly([1, 2, 3, 4, 5]).from('09:00').to('10:00')],
      busyBlocks: [aBusyBlock('2026-03-03T00:00:00+01:00', '2026-03-06T00:00:00+01:00')],
    }));
    expect(localStarts(slots)).toEqual(['2026-03-02 09:00', '2026-03-06 09:00']);
  });

  it("should ignore another agent's busy blocks", () => {
    const slots = computeSlots(aQuery({
      motif: hourly, plages: [aPlage().from('09:00').to('10:00')], busyBlocks: [aBusyBlock('2026-03-02T09:00:00+01:00', '2026-03-02T10:00:00+01:00', 2)],
    }));
    expect(slots).toHaveLength(1);
  });

  it('should never let one plage block another plage of the same agent', () => {
    const slots = computeSlots(aQuery({
      plages: [aPlage().withId(1).atLieu(1).from('09:00').to('10:00'), aPlage().withId(2).atLieu(2).from('09:30').to('10:30')],
    }));
    expect(slots.map((s) => [times([s])[0], s.plageId, s.lieuId])).toEqual([['09:00', 1, 1], ['09:30', 1, 1], ['10:00', 2, 2]]);
  });
});
