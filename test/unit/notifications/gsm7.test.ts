import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { countSmsSegments, foldToGsm7, isGsm7 } from '../../../shared/src/notifications/gsm7';

describe('GSM-7 folding', () => {
  it('removes French accents and cedillas', () => {
    expect(foldToGsm7('Rappel : RDV à la Maison départementale, rue de l’Évêché, façade bâtiment Œ')).toBe(
      "Rappel : RDV a la Maison departementale, rue de l'Eveche, facade batiment OE");
  });

  it('makes typographic punctuation plain', () => {
    expect(foldToGsm7('« Bonjour » – 14\u202fh\u00a030…')).toBe('" Bonjour " - 14 h 30...');
  });

  it('replaces what cannot be written in GSM-7 by a question mark', () => {
    expect(foldToGsm7('RDV 🙂 ok')).toBe('RDV ? ok');
  });

  it('always produces GSM-7 text, whatever the input', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => isGsm7(foldToGsm7(s))));
  });
});

describe('SMS segment counting', () => {
  it('fits 160 GSM-7 characters in one segment and 161 in two', () => {
    expect(countSmsSegments('a'.repeat(160))).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(countSmsSegments('a'.repeat(161)).segments).toBe(2);
    expect(countSmsSegments('a'.repeat(306)).segments).toBe(2);
    expect(countSmsSegments('a'.repeat(307)).segments).toBe(3);
  });

  it('counts extension characters such as the euro sign twice', () => {
    expect(countSmsSegments('€'.repeat(80))).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(countSmsSegments(`${'€'.repeat(80)}a`).segments).toBe(2);
  });

  it('switches to UCS-2 with 70 characters per segment when a character is outside GSM-7', () => {
    expect(countSmsSegments('ê'.repeat(70))).toEqual({ encoding: 'UCS-2', units: 70, segments: 1 });
    expect(countSmsSegments('ê'.repeat(71)).segments).toBe(2);
  });
});
