/** Rule 5: cutting free intervals into slots, each from its own start, with the buffer and 5-minute rounding. */
import { describe, expect, it } from '@jest/globals';
import { computeSlots } from '../../../shared/src/availability';
import { aBusyBlock, aMotif, anRdv, aPlage, aQuery, times } from './builders';

const nineToTen = aPlage().on('2026-03-02').from('09:00').to('10:00');

describe('slot cutting', () => {
  it('should step by duration plus buffer and offer a slot only if its buffer fits before the end', () => {
    expect(times(computeSlots(aQuery({ plages: [nineToTen], motif: aMotif({ durationMinutes: 25, bufferMinutes: 5 }) })))).toEqual(['09:00', '09:30']);
    expect(times(computeSlots(aQuery({ plages: [nineToTen], motif: aMotif({ durationMinutes: 25, bufferMinutes: 10 }) })))).toEqual(['09:00']);
  });

  it("should use the plage's buffer over the motif's", () => {
    const plage = aPlage().on('2026-03-02').from('09:00').to('10:00').withBuffer(0);
    expect(times(computeSlots(aQuery({ plages: [plage], motif: aMotif({ durationMinutes: 25, bufferMinutes: 10 }) })))).toEqual(['09:00', '09:25']);
  });

  it('should give each slot the motif duration, the buffer staying outside the slot', () => {
    const [slot] = computeSlots(aQuery({ plages: [nineToTen], motif: aMotif({ durationMinutes: 25, bufferMinutes: 10 }) }));
    expect(slot.end.getTime() - slot.start.getTime()).toBe(25 * 60_000);
  });

  it("should realign the grid on the end of an RDV rather than keep the plage's grid", () => {
    const slots = computeSlots(aQuery({
      plages: [aPlage().from('09:00').to('12:00')], rdvs: [anRdv().at('2026-03-02T09:10:00+01:00', '2026-03-02T09:50:00+01:00')],
    }));
    expect(times(slots)).toEqual(['09:50', '10:20', '10:50', '11:20']);
  });

  it('should cut each free interval on its own, dropping a gap shorter than the duration', () => {
    const slots = computeSlots(aQuery({
      plages: [aPlage().from('09:00').to('11:00')],
      busyBlocks: [aBusyBlock('2026-03-02T09:20:00+01:00', '2026-03-02T09:35:00+01:00'), aBusyBlock('2026-03-02T10:05:00+01:00', '2026-03-02T10:20:00+01:00')],
    }));
    expect(times(slots)).toEqual(['09:35', '10:20']);
  });

  it('should start a free interval begun before now at its start plus the first multiple of 5 minutes not before now', () => {
    // Free from 09:02 (an Outlook meeting ends then); now is 09:13: 09:02 + 15 min = 09:17, not 09:15.
    const slots = computeSlots(aQuery({
      now: '2026-03-02T09:13:00+01:00', plages: [aPlage().from('09:00').to('11:00')],
      busyBlocks: [aBusyBlock('2026-03-02T08:30:00+01:00', '2026-03-02T09:02:00+01:00')],
    }));
    expect(times(slots)).toEqual(['09:17', '09:47', '10:17']);
  });

  it('should round from the plage start when the plage began before now', () => {
    expect(times(computeSlots(aQuery({ now: '2026-03-02T09:13:20+01:00', plages: [aPlage().from('09:00').to('10:30')] })))).toEqual(['09:15', '09:45']);
    expect(times(computeSlots(aQuery({ now: '2026-03-02T09:10:00+01:00', plages: [aPlage().from('09:00').to('10:30')] })))).toEqual(['09:10', '09:40']);
  });

  it('should not round a free interval that begins after now', () => {
    const slots = computeSlots(aQuery({
      now: '2026-03-02T08:13:00+01:00', plages: [aPlage().from('09:00').to('10:00')],
      busyBlocks: [aBusyBlock('2026-03-02T08:00:00+01:00', '2026-03-02T09:02:00+01:00')],
    }));
    expect(times(slots)).toEqual(['09:02']);
  });

  it('should offer no slot in the past', () => {
    expect(computeSlots(aQuery({ now: '2026-03-02T11:00:00+01:00', plages: [aPlage().from('09:00').to('11:00')] }))).toEqual([]);
  });
});
