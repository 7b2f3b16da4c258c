import { describe, expect, it } from '@jest/globals';
import {
  formatFrenchNational, InvalidPhoneNumberError, isMobileE164, normaliseFrenchPhone,
} from '../../../shared/src/notifications/phone';

describe('French phone numbers to E.164', () => {
  it.each([
    ['06 12 34 56 78', '+33612345678'],
    ['06.12.34.56.78', '+33612345678'],
    ['+33 6 12 34 56 78', '+33612345678'],
    ['+33 (0)6 12 34 56 78', '+33612345678'],
    ['0033612345678', '+33612345678'],
    ['01 23 45 67 89', '+33123456789'],
    ['0590 12 34 56', '+590590123456'],
    ['0690 12 34 56', '+590690123456'],
    ['0596 12 34 56', '+596596123456'],
    ['0696 12 34 56', '+596696123456'],
    ['0594 12 34 56', '+594594123456'],
    ['0694 12 34 56', '+594694123456'],
    ['0262 12 34 56', '+262262123456'],
    ['0692 12 34 56', '+262692123456'],
    ['0693 12 34 56', '+262693123456'],
    ['0269 12 34 56', '+262269123456'],
    ['0639 12 34 56', '+262639123456'],
    ['+590 690 12 34 56', '+590690123456'],
    ['+33 690 12 34 56', '+590690123456'],
  ])('normalises %s to %s', (input, e164) => {
    expect(normaliseFrenchPhone(input)).toBe(e164);
  });

  it.each(['', '06 12 34 56', '06 12 34 56 78 9', '+44 20 7946 0958', 'zéro six', '00 12 34 56 78', '+590 123 45 67 89'])(
    'refuses %j with an error naming the field', (input) => {
      expect(() => normaliseFrenchPhone(input, 'usager.phone')).toThrow(InvalidPhoneNumberError);
      expect(() => normaliseFrenchPhone(input, 'usager.phone')).toThrow(/^usager\.phone : numéro de téléphone invalide/);
    });

  it('tells mobiles from landlines, overseas included', () => {
    expect(isMobileE164('+33612345678')).toBe(true);
    expect(isMobileE164('+33712345678')).toBe(true);
    expect(isMobileE164('+33123456789')).toBe(false);
    expect(isMobileE164('+590690123456')).toBe(true);
    expect(isMobileE164('+590590123456')).toBe(false);
    expect(isMobileE164('+262639123456')).toBe(true);
    expect(isMobileE164('+262262123456')).toBe(false);
  });

  it('writes E.164 back in the national form', () => {
    expect(formatFrenchNational('+33123456789')).toBe('01 23 45 67 89');
    expect(formatFrenchNational('+590690123456')).toBe('06 90 12 34 56');
  });
});
