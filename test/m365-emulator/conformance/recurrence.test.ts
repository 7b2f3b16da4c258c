/** Recurring series: expansion into occurrences in calendarView and its delta, exceptions, cancelled occurrences. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { expandSeries } from '../recurrence';
import { startWorld, type World } from './kit';

let w: World;
beforeAll(async () => {
  w = await startWorld();
});
afterAll(async () => {
  await w?.stop();
});

const weeklyPermanence = {
  subject: 'Permanence',
  start: { dateTime: '2026-03-02T14:00:00', timeZone: 'Romance Standard Time' },
  end: { dateTime: '2026-03-02T16:00:00', timeZone: 'Romance Standard Time' },
  recurrence: {
    pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday', 'thursday'], firstDayOfWeek: 'monday' },
    range: { type: 'endDate', startDate: '2026-03-02', endDate: '2026-04-02' },
  },
};

describe('Series expansion', () => {
  it('keeps the local time of day across the daylight-saving change (Europe/Paris, 29 March 2026)', () => {
    const start = Date.parse('2026-03-27T08:00:00Z'); // 09:00 in Paris, winter time
    const slots = expandSeries({ pattern: { type: 'daily', interval: 1 }, range: { type: 'numbered', startDate: '2026-03-27', numberOfOccurrences: 4 } }, start, 3600_000, 'Romance Standard Time', Date.parse('2026-03-01T00:00:00Z'), Date.parse('2026-04-30T00:00:00Z'));
    expect(slots.map((s) => new Date(s.startMs).toISOString())).toEqual(['2026-03-27T08:00:00.000Z', '2026-03-28T08:00:00.000Z', '2026-03-29T07:00:00.000Z', '2026-03-30T07:00:00.000Z']);
  });
});

describe('Recurring events through Graph', () => {
  it('creates a seriesMaster and shows occurrences in calendarView with seriesMasterId and type', async () => {
    const u = w.emulator.control.createUser({ tenantId: w.tenantId, userPrincipalName: 'serie1@testville.example', displayName: 'Série' });
    const master = await w.graph.api(`/users/${u.id}/events`).post(weeklyPermanence);
    expect(master.type).toBe('seriesMaster');
    expect(master.recurrence.pattern.daysOfWeek).toEqual(['monday', 'thursday']);
    const view = await w.graph.api(`/users/${u.id}/calendarView?startDateTime=2026-03-01T00:00:00Z&endDateTime=2026-04-30T00:00:00Z`).top(100).get();
    // Mondays and Thursdays from 2 March to 2 April 2026: 2,5,9,12,16,19,23,26,30 March and 2 April.
    expect(view.value).toHaveLength(10);
    for (const occ of view.value) {
      expect(occ.type).toBe('occurrence');
      expect(occ.seriesMasterId).toBe(master.id);
      expect(occ.id).not.toBe(master.id);
    }
    expect(view.value[0].start).toEqual({ dateTime: '2026-03-02T13:00:00.0000000', timeZone: 'UTC' });
    expect(view.value[9].start).toEqual({ dateTime: '2026-04-02T12:00:00.0000000', timeZone: 'UTC' });
  });

  it('turns an edited occurrence into an exception and removes a cancelled one', async () => {
    const u = w.emulator.control.createUser({ tenantId: w.tenantId, userPrincipalName: 'serie2@testville.example', displayName: 'Série 2' });
    const master = await w.graph.api(`/users/${u.id}/events`).post({
      subject: 'Accueil',
      start: { dateTime: '2026-04-06T09:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-04-06T10:00:00', timeZone: 'UTC' },
      recurrence: { pattern: { type: 'daily', interval: 1 }, range: { type: 'numbered', startDate: '2026-04-06', numberOfOccurrences: 5 } },
    });
    const win = 'startDateTime=2026-04-01T00:00:00Z&endDateTime=2026-04-30T00:00:00Z';
    const view = await w.graph.api(`/users/${u.id}/calendarView?${win}`).get();
    expect(view.value).toHaveLength(5);
    const [, second, third] = view.value;
    const edited = await w.graph.api(`/users/${u.id}/events/${second.id}`).patch({ subject: 'Accueil (salle B)', start: { dateTime: '2026-04-07T11:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-04-07T12:00:00', timeZone: 'UTC' } });
    expect(edited).toMatchObject({ id: second.id, type: 'exception', seriesMasterId: master.id, subject: 'Accueil (salle B)' });
    await w.emulator.control.userEvent(u.id).delete(third.id);
    const after = await w.graph.api(`/users/${u.id}/calendarView?${win}`).get();
    expect(after.value.map((e: { type: string }) => e.type)).toEqual(['occurrence', 'exception', 'occurrence', 'occurrence']);
    expect(after.value[1].start.dateTime).toBe('2026-04-07T11:00:00.0000000');
  });

  it('expands series in calendarView/delta and reports a cancelled occurrence as removed', async () => {
    const u = w.emulator.control.createUser({ tenantId: w.tenantId, userPrincipalName: 'serie3@testville.example', displayName: 'Série 3' });
    const master = await w.graph.api(`/users/${u.id}/events`).post({
      subject: 'Point hebdo',
      start: { dateTime: '2026-04-01T08:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-04-01T08:30:00', timeZone: 'UTC' },
      recurrence: { pattern: { type: 'weekly', interval: 1, daysOfWeek: ['wednesday'] }, range: { type: 'endDate', startDate: '2026-04-01', endDate: '2026-04-22' } },
    });
    const first = await w.graph.api(`/users/${u.id}/calendarView/delta?startDateTime=2026-04-01T00:00:00Z&endDateTime=2026-04-30T00:00:00Z`).get();
    expect(first.value).toHaveLength(4);
    for (const occ of first.value) expect(occ).toMatchObject({ type: 'occurrence', seriesMasterId: master.id });
    await w.emulator.control.userEvent(u.id).delete(first.value[1].id);
    const second = await w.graph.api(first['@odata.deltaLink']).get();
    expect(second.value).toEqual([{ '@odata.type': '#microsoft.graph.event', id: first.value[1].id, '@removed': { reason: 'deleted' } }]);
  });
});
