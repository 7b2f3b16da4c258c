import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { countSmsSegments, isGsm7 } from '../../../shared/src/notifications/gsm7';
import { buildSmsText } from '../../../shared/src/notifications/sms-text';
import { aMessage } from './fixtures';

describe('SMS text', () => {
  it('says motif, date, time, lieu and the phone to call, in one GSM-7 segment', () => {
    const sms = buildSmsText(aMessage());
    expect(sms.text).toBe('Rappel RDV: Consultation de puericulture le jeu. 03/12 a 14h30, Maison des solidarites, 12 rue de la Republique, 86000 Poitiers. Info/annulation: 0549000000');
    expect(sms.text.length).toBeLessThanOrEqual(160);
    expect(sms.segments).toBe(1);
    expect(isGsm7(sms.text)).toBe(true);
  });

  it('says "RDV telephonique" instead of a lieu for a phone motif', () => {
    const sms = buildSmsText(aMessage({ locationType: 'phone', lieu: null, kind: 'confirmation' }));
    expect(sms.text).toBe('RDV confirme: Consultation de puericulture le jeu. 03/12 a 14h30, RDV telephonique. Info/annulation: 0549111111');
  });

  it('shows the time in the territory zone (Réunion)', () => {
    const sms = buildSmsText(aMessage({ timeZone: 'Indian/Reunion', startsAt: new Date('2026-12-03T05:00:00Z') }));
    expect(sms.text).toContain('jeu. 03/12 a 9h00');
  });

  it('drops the address, then shortens the lieu and the motif to stay within 160 characters', () => {
    const sms = buildSmsText(aMessage({
      motifName: 'Entretien prénatal précoce avec la sage-femme de protection maternelle et infantile du secteur',
      lieu: { name: 'Maison départementale des solidarités de Châtellerault Ozon', address: '1 avenue très longue', phone: '05 49 00 00 00' },
    }));
    expect(sms.text.length).toBeLessThanOrEqual(160);
    expect(sms.text).not.toContain('avenue');
    expect(sms.text).toContain('0549000000');
    expect(sms.text).toContain('a 14h30');
  });

  it('never exceeds one segment, whatever the motif and lieu', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), fc.string({ maxLength: 300 }), fc.string({ maxLength: 300 }), (motif, lieu, address) => {
      const sms = buildSmsText(aMessage({ motifName: motif, lieu: { name: lieu, address, phone: '0549000000' } }));
      return sms.text.length <= 160 && sms.segments <= 1 && isGsm7(sms.text);
    }));
  });

  it('counts the euro sign and brackets as two septets when fitting one segment', () => {
    const sms = buildSmsText(aMessage({ motifName: '€'.repeat(60), lieu: { name: '[]'.repeat(40), address: 'x', phone: null } }));
    expect(countSmsSegments(sms.text).units).toBeLessThanOrEqual(160);
    expect(sms.segments).toBe(1);
  });
});
