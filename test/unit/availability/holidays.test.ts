/** Rule 3: public holidays computed for any year, per territory, blocking whole local days. */
import { describe, expect, it } from '@jest/globals';
import { computeSlots, publicHolidays } from '../../../shared/src/availability';
import { aMotif, aPlage, aQuery, aTerritory, localStarts } from './builders';

const datesNamed = (year: number, name: string, territory = aTerritory()) =>
  publicHolidays(year, territory).filter((h) => h.name === name).map((h) => h.date);

describe('public holidays', () => {
  it('should list the national holidays of 2026 in date order, with their French names', () => {
    expect(publicHolidays(2026, aTerritory({ whitMondayIsHoliday: false }))).toEqual([
      { date: '2026-01-01', name: "Jour de l'an" },
      { date: '2026-04-06', name: 'Lundi de Pâques' },
      { date: '2026-05-01', name: 'Fête du Travail' },
      { date: '2026-05-08', name: 'Victoire 1945' },
      { date: '2026-05-14', name: 'Ascension' },
      { date: '2026-07-14', name: 'Fête nationale' },
      { date: '2026-08-15', name: 'Assomption' },
      { date: '2026-11-01', name: 'Toussaint' },
      { date: '2026-11-11', name: 'Armistice 1918' },
      { date: '2026-12-25', name: 'Noël' },
    ]);
  });

  it.each([
    [2019, '2019-04-22', '2019-05-30', '2019-06-10'],
    [2020, '2020-04-13', '2020-05-21', '2020-06-01'],
    [2024, '2024-04-01', '2024-05-09', '2024-05-20'],
    [2025, '2025-04-21', '2025-05-29', '2025-06-09'],
    [2026, '2026-04-06', '2026-05-14', '2026-05-25'],
    [2027, '2027-03-29', '2027-05-06', '2027-05-17'],
    [2038, '2038-04-26', '2038-06-03', '2038-06-14'],
  ])('should compute the Easter-based holidays of %i (Easter Monday %s, Ascension %s, Whit Monday %s)', (year, easterMonday, ascension, whitMonday) => {
    expect(datesNamed(year, 'Lundi de Pâques')).toEqual([easterMonday]);
    expect(datesNamed(year, 'Ascension')).toEqual([ascension]);
    expect(datesNamed(year, 'Lundi de Pentecôte')).toEqual([whitMonday]);
  });

  it('should list Whit Monday only when the territory does not work it', () => {
    expect(datesNamed(2026, 'Lundi de Pentecôte', aTerritory({ whitMondayIsHoliday: false }))).toEqual([]);
  });

  it.each(['57', '67', '68'])('should add Good Friday and 26 December in Alsace-Moselle (%s)', (departementCode) => {
    const territory = aTerritory({ departementCode });
    expect(datesNamed(2024, 'Vendredi saint', territory)).toEqual(['2024-03-29']);
    expect(datesNamed(2025, 'Vendredi saint', territory)).toEqual(['2025-04-18']);
    expect(datesNamed(2026, 'Vendredi saint', territory)).toEqual(['2026-04-03']);
    expect(datesNamed(2027, 'Vendredi saint', territory)).toEqual(['2027-03-26']);
    expect(datesNamed(2026, 'Saint-Étienne', territory)).toEqual(['2026-12-26']);
  });

  it('should not add Alsace-Moselle holidays elsewhere', () => {
    expect(datesNamed(2026, 'Vendredi saint')).toEqual([]);
    expect(datesNamed(2026, 'Saint-Étienne')).toEqual([]);
  });

  it.each([
    ['976', '2026-04-27'], ['972', '2026-05-22'], ['971', '2026-05-27'], ['973', '2026-06-10'], ['974', '2026-12-20'],
  ])('should add the abolition-of-slavery day of %s on %s', (departementCode, date) => {
    expect(datesNamed(2026, "Abolition de l'esclavage", aTerritory({ departementCode }))).toEqual([date]);
    expect(datesNamed(2026, "Abolition de l'esclavage", aTerritory({ departementCode: '75' }))).toEqual([]);
  });

  it('should keep both holidays when two fall on one day (1 May and Ascension 2008)', () => {
    expect(publicHolidays(2008, aTerritory()).filter((h) => h.date === '2008-05-01').map((h) => h.name)).toEqual(['Fête du Travail', 'Ascension']);
  });
});

describe('holidays blocking plages', () => {
  const everyDay = aPlage().on('2026-01-01').weekly([1, 2, 3, 4, 5, 6, 7]).from('09:00').to('10:00');
  const hourly = aMotif({ durationMinutes: 60 });
  const daysWithSlots = (territory: ReturnType<typeof aTerritory>, from: string, to: string) =>
    localStarts(computeSlots(aQuery({ from, to, motif: hourly, territory, plages: [everyDay] })), territory.timeZone).map((s) => s.slice(0, 10));

  it('should block Easter Monday, Ascension and (by setting) Whit Monday', () => {
    expect(daysWithSlots(aTerritory(), '2026-04-05', '2026-04-07')).toEqual(['2026-04-05', '2026-04-07']);
    expect(daysWithSlots(aTerritory(), '2026-05-14', '2026-05-14')).toEqual([]);
    expect(daysWithSlots(aTerritory({ whitMondayIsHoliday: true }), '2026-05-25', '2026-05-25')).toEqual([]);
    expect(daysWithSlots(aTerritory({ whitMondayIsHoliday: false }), '2026-05-25', '2026-05-25')).toEqual(['2026-05-25']);
  });

  it('should block Good Friday in Moselle but not in Paris', () => {
    expect(daysWithSlots(aTerritory({ departementCode: '57' }), '2026-04-03', '2026-04-03')).toEqual([]);
    expect(daysWithSlots(aTerritory({ departementCode: '75' }), '2026-04-03', '2026-04-03')).toEqual(['2026-04-03']);
  });

  it.each([
    ['Mayotte', '976', 'Indian/Mayotte', '2026-04-27'],
    ['Martinique', '972', 'America/Martinique', '2026-05-22'],
    ['Guadeloupe', '971', 'America/Guadeloupe', '2026-05-27'],
    ['Guyane', '973', 'America/Cayenne', '2026-06-10'],
    ['La Réunion', '974', 'Indian/Reunion', '2026-12-20'],
  ])('should block the abolition day of %s as a whole local day', (_name, departementCode, timeZone, date) => {
    const territory = aTerritory({ departementCode, timeZone });
    const allDay = aPlage().on('2026-01-01').weekly([1, 2, 3, 4, 5, 6, 7]).from('00:00').to('24:00');
    const starts = localStarts(computeSlots(aQuery({ from: date, to: date, motif: aMotif({ durationMinutes: 720 }), territory, plages: [allDay] })), timeZone);
    expect(starts).toEqual([]);
    const elsewhere = aTerritory({ departementCode: '75', timeZone });
    expect(localStarts(computeSlots(aQuery({ from: date, to: date, motif: aMotif({ durationMinutes: 720 }), territory: elsewhere, plages: [allDay] })), timeZone))
      .toEqual([`${date} 00:00`, `${date} 12:00`]);
  });

  it('should not block holidays in a territory that works on them', () => {
    expect(daysWithSlots(aTerritory({ worksOnPublicHolidays: true }), '2026-05-01', '2026-05-01')).toEqual(['2026-05-01']);
    expect(daysWithSlots(aTerritory({ worksOnPublicHolidays: false }), '2026-05-01', '2026-05-01')).toEqual([]);
  });

  it('should block holidays of every year of a period spanning New Year', () => {
    expect(daysWithSlots(aTerritory(), '2026-12-24', '2027-01-02')).toEqual(
      ['2026-12-24', '2026-12-26', '2026-12-27', '2026-12-28', '2026-12-29', '2026-12-30', '2026-12-31', '2027-01-02'],
    );
  });
});
