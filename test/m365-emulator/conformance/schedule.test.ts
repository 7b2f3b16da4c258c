/** getSchedule (calendar-getschedule.md) through the Graph SDK. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { graphError, startWorld, type World } from './kit';

let w: World;
beforeAll(async () => {
  w = await startWorld();
  const at = (h: number, m: number) => ({ dateTime: `2026-06-02T${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00`, timeZone: 'UTC' });
  const outlook = w.emulator.control.userEvent(w.agent.id);
  await outlook.create({ subject: 'Réunion', start: at(9, 0), end: at(10, 0), showAs: 'busy' });
  await outlook.create({ subject: 'Peut-être', start: at(10, 30), end: at(11, 0), showAs: 'tentative' });
  await outlook.create({ subject: 'Congé', start: at(11, 0), end: at(11, 30), showAs: 'oof', sensitivity: 'private' });
  await w.emulator.control.userEvent(w.colleague.id).create({ subject: 'Télétravail', start: at(9, 0), end: at(12, 0), showAs: 'workingElsewhere' });
});
afterAll(async () => {
  await w?.stop();
});

const window = { startTime: { dateTime: '2026-06-02T09:00:00', timeZone: 'UTC' }, endTime: { dateTime: '2026-06-02T12:00:00', timeZone: 'UTC' } };

describe('getSchedule', () => {
  it('answers availabilityView digits and schedule items for each mailbox', async () => {
    const answer = await w.graph.api(`/users/${w.agent.id}/calendar/getSchedule`).post({ schedules: [w.agent.userPrincipalName, w.colleague.userPrincipalName, 'ghost@testville.example'], ...window, availabilityViewInterval: 30 });
    expect(answer['@odata.context']).toMatch(/Collection\(microsoft\.graph\.scheduleInformation\)$/);
    const [agent, colleague, ghost] = answer.value;
    expect(agent.scheduleId).toBe(w.agent.userPrincipalName);
    expect(agent.availabilityView).toBe('220130');
    expect(agent.scheduleItems).toHaveLength(3);
    expect(agent.scheduleItems[0]).toEqual({ isPrivate: false, status: 'busy', subject: 'Réunion', location: '', isMeeting: false, isRecurring: false, isException: false, isReminderSet: true, start: { dateTime: '2026-06-02T09:00:00.0000000', timeZone: 'UTC' }, end: { dateTime: '2026-06-02T10:00:00.0000000', timeZone: 'UTC' } });
    expect(agent.scheduleItems[2]).not.toHaveProperty('subject');
    expect(agent.workingHours.timeZone).toEqual({ name: 'Romance Standard Time' });
    expect(colleague.availabilityView).toBe('444444');
    expect(ghost.error.responseCode).toBe('ErrorMailRecipientNotFound');
  });

  it('refuses more than 20 schedules, a window of 42 days or more and an interval outside 5–1440', async () => {
    const api = () => w.graph.api(`/users/${w.agent.id}/calendar/getSchedule`);
    const many = Array.from({ length: 21 }, (_, i) => `u${i}@testville.example`);
    expect((await graphError(api().post({ schedules: many, ...window }))).statusCode).toBe(400);
    expect((await graphError(api().post({ schedules: [w.agent.userPrincipalName], startTime: window.startTime, endTime: { dateTime: '2026-07-14T09:00:00', timeZone: 'UTC' } }))).statusCode).toBe(400);
    expect((await graphError(api().post({ schedules: [w.agent.userPrincipalName], ...window, availabilityViewInterval: 4 }))).statusCode).toBe(400);
  });
});
