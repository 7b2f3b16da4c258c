/** The catalogues: French by default, English complete, variables filled, language picked from Outlook or the browser. */
import { describe, expect, it } from '@jest/globals';
import { en } from '../../../addin/src/i18n/en';
import { fr } from '../../../addin/src/i18n/fr';
import { pickLanguage, translator } from '../../../addin/src/i18n';

describe('the pane’s languages', () => {
  it('should have every French message in English, with the same variables', () => {
    const vars = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    expect(Object.keys(en).sort()).toEqual(Object.keys(fr).sort());
    for (const k of Object.keys(fr) as Array<keyof typeof fr>) expect([k, vars(en[k])]).toEqual([k, vars(fr[k])]);
  });

  it('should fill variables', () => {
    expect(translator('fr')('error.rateLimited', { seconds: 30 })).toBe('Trop de demandes en peu de temps. Patientez 30 s puis réessayez.');
  });

  it('should prefer Outlook’s language, then the browser’s, and default to French', () => {
    expect(pickLanguage('en-GB', 'fr-FR')).toBe('en');
    expect(pickLanguage(null, 'en-US')).toBe('en');
    expect(pickLanguage('de-DE', 'en-US')).toBe('fr');
    expect(pickLanguage(null, undefined)).toBe('fr');
  });
});
