import { describe, expect, it } from '@jest/globals';
import {
  formatFrenchNational, InvalidPhoneNumberError, isInternationalSms, isMobileE164, normaliseFrenchPhone, normalisePhone, phoneRegionOf,
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

describe('phone numbers of every country, read with the territory\'s region', () => {
  it.each([
    ['+44 7911 123456', 'FR', '+447911123456'],
    ['0044 7911 123456', 'FR', '+447911123456'],
    ['+32 470 12 34 56', 'FR', '+32470123456'],
    ['+41 79 123 45 67', 'FR', '+41791234567'],
    ['+49 151 23456789', 'FR', '+4915123456789'],
    // French numbers keep their French reading whatever the territory.
    ['06 12 34 56 78', 'RE', '+33612345678'],
    ['0639 12 34 56', 'FR', '+262639123456'],
    ['0639 12 34 56', 'YT', '+262639123456'],
    ['0692 12 34 56', 'RE', '+262692123456'],
    ['0692 12 34 56', 'FR', '+262692123456'],
    ['+33 690 12 34 56', 'GP', '+590690123456'],
    // Without the trunk 0, the territory's region decides.
    ['692 12 34 56', 'RE', '+262692123456'],
    ['41 23 45', 'PM', '+508412345'],
  ] as const)('reads %s typed in region %s as %s', (input, region, e164) => {
    expect(normalisePhone(input, { region })).toBe(e164);
  });

  it.each(['+44 20 79', '+32 12', '+999 123456789', 'abc', '', '12 34'])('refuses %j with an error naming the field', (input) => {
    expect(() => normalisePhone(input, { field: 'phone' })).toThrow(InvalidPhoneNumberError);
    expect(() => normalisePhone(input, { field: 'phone' })).toThrow(/^phone : numéro de téléphone invalide/);
  });

  it('maps each département to its numbering region, overseas included', () => {
    expect(phoneRegionOf('86')).toBe('FR');
    expect(phoneRegionOf('2A')).toBe('FR');
    expect(phoneRegionOf('971')).toBe('GP');
    expect(phoneRegionOf('972')).toBe('MQ');
    expect(phoneRegionOf('973')).toBe('GF');
    expect(phoneRegionOf('974')).toBe('RE');
    expect(phoneRegionOf('976')).toBe('YT');
  });

  it('classes foreign mobiles as mobiles and foreign landlines as not', () => {
    expect(isMobileE164('+447911123456')).toBe(true);
    expect(isMobileE164('+32470123456')).toBe(true);
    expect(isMobileE164('+442079460958')).toBe(false);
    expect(isMobileE164('+3222345678')).toBe(false);
  });

  it('tells international SMS (outside the French numbering plan) from national ones', () => {
    expect(isInternationalSms('+447911123456')).toBe(true);
    expect(isInternationalSms('+41791234567')).toBe(true);
    expect(isInternationalSms('+33612345678')).toBe(false);
    expect(isInternationalSms('+262639123456')).toBe(false);
    expect(isInternationalSms('+590690123456')).toBe(false);
  });
});
