import { describe, expect, it } from '@jest/globals';
import {
  applyQuietHours, DEFAULT_REMINDER_PLAN, endOfQuietPeriod, inQuietHours, planReminders, SAME_DAY_MORNING_STEP,
  stepDueAt, validateReminderPlan, type ReminderPlan,
} from '../../../shared/src/notifications/plan';

const paris = 'Europe/Paris';
const quiet = { start: '20:00', end: '08:00' };

describe('reminder plan', () => {
  it('plans one SMS and one email 48 hours before by default', () => {
    const startsAt = new Date('2026-12-10T09:00:00Z');
    const planned = planReminders(DEFAULT_REMINDER_PLAN, startsAt, paris, new Date('2026-12-01T10:00:00Z'));
    expect(planned).toEqual([
      { stepKey: '48h', channel: 'sms', dueAt: new Date('2026-12-08T09:00:00Z') },
      { stepKey: '48h', channel: 'email', dueAt: new Date('2026-12-08T09:00:00Z') },
    ]);
  });

  it('plans nothing for a step already past when the RDV is booked', () => {
    const startsAt = new Date('2026-12-10T09:00:00Z');
    expect(planReminders(DEFAULT_REMINDER_PLAN, startsAt, paris, new Date('2026-12-09T10:00:00Z'))).toEqual([]);
  });

  it('counts 48 hours as real hours across a daylight-saving change', () => {
    // Sunday 29 March 2026: clocks go forward in Paris. 10:00 local on Monday 30 is 08:00Z.
    const due = stepDueAt(DEFAULT_REMINDER_PLAN.steps[0], new Date('2026-03-30T08:00:00Z'), paris);
    expect(due.toISOString()).toBe('2026-03-28T08:00:00.000Z'); // 09:00 local, still before the change
  });

  it('places the same-day step at its local time on the day of the RDV, in the territory zone', () => {
    expect(stepDueAt(SAME_DAY_MORNING_STEP, new Date('2026-12-10T13:00:00Z'), paris).toISOString()).toBe('2026-12-10T07:00:00.000Z');
    expect(stepDueAt(SAME_DAY_MORNING_STEP, new Date('2026-12-10T13:00:00Z'), 'America/Guadeloupe').toISOString()).toBe('2026-12-10T12:00:00.000Z');
  });

  it('rejects a malformed plan with French messages naming the field', () => {
    const bad = { steps: [{ key: 'X', channels: ['fax'] }], quietHours: { start: '25:00', end: '08:00' } } as unknown as ReminderPlan;
    expect(validateReminderPlan(bad)).toEqual([
      'steps[0].key : identifiant de 1 à 30 caractères a-z, 0-9, - attendu',
      'steps[0] : indiquer soit beforeMinutes, soit atLocalTime',
      'steps[0].channels : « sms » et/ou « email » attendus',
      'quietHours.start : format HH:MM attendu',
    ]);
    expect(validateReminderPlan(DEFAULT_REMINDER_PLAN)).toEqual([]);
  });
});

describe('quiet hours', () => {
  it('covers 20:00 to 08:00 local time, across midnight', () => {
    expect(inQuietHours(new Date('2026-12-08T18:59:00Z'), quiet, paris)).toBe(false); // 19:59
    expect(inQuietHours(new Date('2026-12-08T19:00:00Z'), quiet, paris)).toBe(true); // 20:00
    expect(inQuietHours(new Date('2026-12-08T23:00:00Z'), quiet, paris)).toBe(true); // 00:00
    expect(inQuietHours(new Date('2026-12-09T07:00:00Z'), quiet, paris)).toBe(false); // 08:00
  });

  it('uses the territory zone: 22:00 in Paris is 17:00 in Guadeloupe', () => {
    expect(inQuietHours(new Date('2026-12-08T21:00:00Z'), quiet, 'America/Guadeloupe')).toBe(false);
    expect(inQuietHours(new Date('2026-12-08T21:00:00Z'), quiet, paris)).toBe(true);
  });

  it('defers an SMS due at night to 08:00 local time', () => {
    const startsAt = new Date('2026-12-10T15:00:00Z');
    expect(applyQuietHours('sms', new Date('2026-12-08T21:30:00Z'), startsAt, quiet, paris))
      .toEqual({ action: 'send_at', at: new Date('2026-12-09T07:00:00Z') });
    expect(endOfQuietPeriod(new Date('2026-12-09T05:00:00Z'), quiet, paris)).toEqual(new Date('2026-12-09T07:00:00Z'));
  });

  it('never defers an email', () => {
    const at = new Date('2026-12-08T21:30:00Z');
    expect(applyQuietHours('email', at, new Date('2026-12-10T15:00:00Z'), quiet, paris)).toEqual({ action: 'send_at', at });
  });

  it('drops an SMS whose quiet period ends after the RDV has started', () => {
    // Same-day step at 07:30 for an RDV at 08:00 local: the quiet period ends exactly at the start.
    const plan: ReminderPlan = { steps: [{ key: 'jour-meme', atLocalTime: '07:30', channels: ['sms', 'email'] }], quietHours: quiet };
    const planned = planReminders(plan, new Date('2026-12-10T07:00:00Z'), paris, new Date('2026-12-01T00:00:00Z'));
    expect(planned).toEqual([
      { stepKey: 'jour-meme', channel: 'sms', dueAt: new Date('2026-12-10T06:30:00Z'), dropped: 'quiet_hours' },
      { stepKey: 'jour-meme', channel: 'email', dueAt: new Date('2026-12-10T06:30:00Z') },
    ]);
  });
});
