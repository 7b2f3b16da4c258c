import { describe, expect, it } from '@jest/globals';
import { unreadableAbsenceField, unreadablePlageField, type PlageInput } from '../../../shared/src/availability';

const plage = (over: Partial<PlageInput> = {}): PlageInput => ({
  id: 1, agentId: 1, lieuId: null, motifIds: [1], firstDay: '2026-03-02', startTime: '09:00', endTime: '17:00',
  recurrence: { frequency: 'weekly', interval: 1, weekdays: [1] }, ...over,
});

describe('stored rows the engine cannot read', () => {
  it('should accept a well-formed plage and an end at 24:00', () => {
    expect(unreadablePlageField(plage())).toBeNull();
    expect(unreadablePlageField(plage({ endTime: '24:00' }))).toBeNull();
  });

  it('should name the field at fault of an unreadable plage', () => {
    expect(unreadablePlageField(plage({ recurrence: { frequency: 'weekly', interval: 1, until: '2026-13-45' } }))).toBe('plage.recurrence.until');
    expect(unreadablePlageField(plage({ recurrence: { frequency: 'weekly', interval: 1, until: '0000-01-01' } }))).toBe('plage.recurrence.until');
    expect(unreadablePlageField(plage({ startTime: '25:00' }))).toBe('startTime');
    expect(unreadablePlageField(plage({ firstDay: 'hier' }))).toMatch(/firstDay/);
  });

  it('should name the field at fault of an unreadable absence', () => {
    const absence = { agentId: 1, firstDay: '2026-03-02', startTime: '12:00', endDay: '2026-03-02', endTime: '13:00', recurrence: null };
    expect(unreadableAbsenceField(absence)).toBeNull();
    expect(unreadableAbsenceField({ ...absence, endDay: '2026-02-30' })).toBe('endDay');
    expect(unreadableAbsenceField({ ...absence, recurrence: { frequency: 'weekly', interval: 0 } })).toBe('absence.recurrence.interval');
  });
});
