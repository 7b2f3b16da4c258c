/** Rule 1: wall-clock times in the territory's own zone, on both sides of DST changes and overseas. */
import { describe, expect, it } from '@jest/globals';
import { computeSlots } from '../../../shared/src/availability';
import { aMotif, aPlage, aQuery, aTerritory, isoStarts, localStarts } from './builders';

describe('time zones', () => {
  it('should keep a Monday 09:00 plage at 09:00 local across the spring-forward change in Paris', () => {
    const slots = computeSlots(aQuery({
      from: '2026-03-23', to: '2026-03-30', motif: aMotif({ durationMinutes: 60 }),
      plages: [aPlage().on('2026-03-23').weekly([1]).from('09:00').to('10:00')],
    }));
    expect(isoStarts(slots)).toEqual([new Date('2026-03-23T09:00:00+01:00').toISOString(), new Date('2026-03-30T09:00:00+02:00').toISOString()]);
  });

  it('should keep a Monday 09:00 plage at 09:00 local across the fall-back change in Paris', () => {
    const slots = computeSlots(aQuery({
      from: '2026-10-19', to: '2026-10-26', motif: aMotif({ durationMinutes: 60 }),
      plages: [aPlage().on('2026-10-19').weekly([1]).from('09:00').to('10:00')],
    }));
    expect(isoStarts(slots)).toEqual([new Date('2026-10-19T09:00:00+02:00').toISOString(), new Date('2026-10-26T09:00:00+01:00').toISOString()]);
  });

  it('should give a night plage only its real two hours on the spring-forward night (02:00–03:00 does not exist)', () => {
    const slots = computeSlots(aQuery({
      from: '2026-03-29', plages: [aPlage().on('2026-03-29').from('01:00').to('04:00')],
    }));
    expect(localStarts(slots)).toEqual(['2026-03-29 01:00', '2026-03-29 01:30', '2026-03-29 03:00', '2026-03-29 03:30']);
  });

  it('should give a night plage its real four hours on the fall-back night (02:00–03:00 happens twice)', () => {
    const slots = computeSlots(aQuery({
      from: '2026-10-25', plages: [aPlage().on('2026-10-25').from('01:00').to('04:00')],
    }));
    expect(isoStarts(slots)).toEqual([
      '2026-10-24T23:00:00.000Z', '2026-10-24T23:30:00.000Z', '2026-10-25T00:00:00.000Z', '2026-10-25T00:30:00.000Z',
      '2026-10-25T01:00:00.000Z', '2026-10-25T01:30:00.000Z', '2026-10-25T02:00:00.000Z', '2026-10-25T02:30:00.000Z',
    ]);
  });

  it('should start a plage that begins inside the skipped hour when the clock jumps (02:30 becomes 03:00)', () => {
    const slots = computeSlots(aQuery({
      from: '2026-03-29', plages: [aPlage().on('2026-03-29').from('02:30').to('04:00')],
    }));
    expect(localStarts(slots)).toEqual(['2026-03-29 03:00', '2026-03-29 03:30']);
  });

  it.each([
    ['Guadeloupe', 'America/Guadeloupe', '971', '-04:00'],
    ['Martinique', 'America/Martinique', '972', '-04:00'],
    ['Guyane', 'America/Cayenne', '973', '-03:00'],
    ['La Réunion', 'Indian/Reunion', '974', '+04:00'],
    ['Mayotte', 'Indian/Mayotte', '976', '+03:00'],
  ])('should compute %s plages in %s time, unaffected by the Paris DST change', (_name, timeZone, departementCode, offset) => {
    const slots = computeSlots(aQuery({
      from: '2026-03-23', to: '2026-03-30', territory: aTerritory({ timeZone, departementCode }), motif: aMotif({ durationMinutes: 60 }),
      plages: [aPlage().on('2026-03-23').weekly([1]).from('08:00').to('09:00')],
    }));
    expect(isoStarts(slots)).toEqual([
      new Date(`2026-03-23T08:00:00${offset}`).toISOString(), new Date(`2026-03-30T08:00:00${offset}`).toISOString(),
    ]);
    expect(localStarts(slots, timeZone)).toEqual(['2026-03-23 08:00', '2026-03-30 08:00']);
  });
});
