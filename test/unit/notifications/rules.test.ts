import { describe, expect, it } from '@jest/globals';
import { deliveryDecision, type DeliveryInput } from '../../../shared/src/notifications/rules';

function input(overrides: Partial<DeliveryInput> = {}): DeliveryInput {
  return {
    kind: 'reminder', channel: 'sms',
    motif: { visibility: 'visible_and_notified', remindersEnabled: true },
    channelSwitchedOn: true,
    recipient: { phone: '06 12 34 56 78', email: 'usager@exemple.fr', notifyBySms: true, notifyByEmail: true },
    now: new Date('2026-12-08T10:00:00Z'),
    rdv: { status: 'unknown', startsAt: new Date('2026-12-10T10:00:00Z') },
    participantLive: true,
    quietHours: { start: '20:00', end: '08:00' },
    timeZone: 'Europe/Paris',
    ...overrides,
  };
}

describe('delivery decision', () => {
  it('sends to the normalised mobile number', () => {
    expect(deliveryDecision(input())).toEqual({ action: 'send', address: '+33612345678' });
  });

  it('sends nothing for a motif whose visibility forbids notifications', () => {
    for (const visibility of ['visible_and_not_notified', 'invisible'] as const) {
      expect(deliveryDecision(input({ motif: { visibility, remindersEnabled: true } }))).toEqual({ action: 'drop', reason: 'motif_not_notified' });
      expect(deliveryDecision(input({ kind: 'confirmation', motif: { visibility, remindersEnabled: true } }))).toEqual({ action: 'drop', reason: 'motif_not_notified' });
    }
  });

  it('sends no reminder for a motif with reminders off, but still confirms', () => {
    const motif = { visibility: 'visible_and_notified' as const, remindersEnabled: false };
    expect(deliveryDecision(input({ motif }))).toEqual({ action: 'drop', reason: 'reminders_disabled_for_motif' });
    expect(deliveryDecision(input({ motif, kind: 'confirmation' })).action).toBe('send');
  });

  it('honours the channel switch and the usager opt-out', () => {
    expect(deliveryDecision(input({ channelSwitchedOn: false }))).toEqual({ action: 'drop', reason: 'channel_switched_off' });
    expect(deliveryDecision(input({ recipient: { phone: '0612345678', email: null, notifyBySms: false, notifyByEmail: true } })))
      .toEqual({ action: 'drop', reason: 'usager_opted_out' });
  });

  it('refuses a landline or invalid number for SMS', () => {
    expect(deliveryDecision(input({ recipient: { phone: '01 23 45 67 89', email: null, notifyBySms: true, notifyByEmail: true } })))
      .toEqual({ action: 'drop', reason: 'invalid_phone' });
  });

  it('sends an SMS to a foreign mobile only where the territory switched international SMS on', () => {
    const recipient = { phone: '+447911123456', email: null, notifyBySms: true, notifyByEmail: true };
    expect(deliveryDecision(input({ recipient }))).toEqual({ action: 'drop', reason: 'international_sms_off' });
    expect(deliveryDecision(input({ recipient, internationalSmsOn: true }))).toEqual({ action: 'send', address: '+447911123456' });
    expect(deliveryDecision(input({ recipient: { ...recipient, phone: '+442079460958' }, internationalSmsOn: true })))
      .toEqual({ action: 'drop', reason: 'invalid_phone' });
    // Overseas French numbers are not international.
    expect(deliveryDecision(input({ recipient: { ...recipient, phone: '+262639123456' } }))).toEqual({ action: 'send', address: '+262639123456' });
  });

  it('sends nothing once the RDV has started, and nothing but the cancellation for a cancelled RDV', () => {
    expect(deliveryDecision(input({ now: new Date('2026-12-10T10:00:00Z') }))).toEqual({ action: 'drop', reason: 'rdv_started' });
    expect(deliveryDecision(input({ rdv: { status: 'revoked', startsAt: new Date('2026-12-10T10:00:00Z') } }))).toEqual({ action: 'drop', reason: 'rdv_cancelled' });
    expect(deliveryDecision(input({ kind: 'cancellation', rdv: { status: 'excused', startsAt: new Date('2026-12-10T10:00:00Z') } })).action).toBe('send');
    expect(deliveryDecision(input({ kind: 'cancellation' }))).toEqual({ action: 'drop', reason: 'rdv_not_cancelled' });
  });

  it('defers an SMS at night until the end of the quiet hours', () => {
    expect(deliveryDecision(input({ now: new Date('2026-12-08T22:00:00Z') }))).toEqual({ action: 'defer', until: new Date('2026-12-09T07:00:00Z') });
    expect(deliveryDecision(input({ channel: 'email', now: new Date('2026-12-08T22:00:00Z') }))).toEqual({ action: 'send', address: 'usager@exemple.fr' });
  });
});
