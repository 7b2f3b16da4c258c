/**
 * Phone numbers to E.164: French ones (overseas départements included) by the rules below, every other country's
 * with libphonenumber-js (maintained numbering metadata), since families near borders and newcomers have foreign
 * numbers. Pure.
 *
 * Overseas numbers use the same 10-digit national plan as metropolitan France but their own country codes:
 * 0590/0690/0691 Guadeloupe (+590, also Saint-Martin and Saint-Barthélemy), 0596/0696/0697 Martinique (+596),
 * 0594/0694 Guyane (+594), 0262/0263/0692/0693 Réunion (+262), 0269/0639 Mayotte (+262),
 * 0508 Saint-Pierre-et-Miquelon (+508, 6 digits after the prefix). Sending "+33 690…" would not reach Guadeloupe.
 */

import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

export class InvalidPhoneNumberError extends Error {
  readonly code = 'invalid_phone_number';
  constructor(readonly field: string, readonly reason: string) {
    super(`${field} : numéro de téléphone invalide (${reason}). Formats acceptés : 06 12 34 56 78, +33 6 12 34 56 78, 0690 12 34 56, +44 7911 123456.`);
    this.name = 'InvalidPhoneNumberError';
  }
}

/** National prefixes (4 digits, leading 0 included) of overseas numbers, with their country calling code. */
const OVERSEAS_PREFIXES: Record<string, string> = {
  '0590': '590', '0690': '590', '0691': '590',
  '0596': '596', '0696': '596', '0697': '596',
  '0594': '594', '0694': '594',
  '0262': '262', '0263': '262', '0692': '262', '0693': '262',
  '0269': '262', '0639': '262',
};

/** Country calling codes we accept in international form, with the national significant number's pattern. */
const INTERNATIONAL: Array<{ cc: string; nsn: RegExp }> = [
  { cc: '33', nsn: /^[1-9]\d{8}$/ },
  { cc: '590', nsn: /^(590|690|691)\d{6}$/ },
  { cc: '596', nsn: /^(596|696|697)\d{6}$/ },
  { cc: '594', nsn: /^(594|694)\d{6}$/ },
  { cc: '262', nsn: /^(262|263|692|693|269|639)\d{6}$/ },
  { cc: '508', nsn: /^\d{6}$/ },
];

/** Mobile ranges (E.164), the only ones that can receive an SMS. */
const MOBILE_E164 = /^(\+33[67]\d{8}|\+590(690|691)\d{6}|\+596(696|697)\d{6}|\+594694\d{6}|\+262(692|693|639)\d{6}|\+508(4|5)\d{5})$/;

/**
 * Normalises a French number as typed by an agent or an usager ("06 12 34 56 78", "+33 (0)6…", "0033 6…",
 * "0690 12 34 56") to E.164 ("+33612345678", "+590690123456").
 * Throws InvalidPhoneNumberError (naming `field`) when it is not a French number.
 */
export function normaliseFrenchPhone(input: string, field = 'phone'): string {
  const raw = input.trim();
  if (raw === '') throw new InvalidPhoneNumberError(field, 'vide');
  if (!/^[+\d\s.\-()/]+$/.test(raw)) throw new InvalidPhoneNumberError(field, 'caractères non autorisés');
  let digits = raw.replace(/\(0\)/g, '').replace(/[\s.\-()/]/g, '');
  if (digits.startsWith('00')) digits = `+${digits.slice(2)}`;
  if (digits.startsWith('+')) {
    const rest = digits.slice(1);
    if (!/^\d+$/.test(rest)) throw new InvalidPhoneNumberError(field, 'caractères non autorisés');
    for (const { cc, nsn } of INTERNATIONAL) {
      if (rest.startsWith(cc)) {
        let national = rest.slice(cc.length);
        // "+33 0 6…" written with the trunk 0 kept.
        if (national.startsWith('0') && nsn.test(national.slice(1))) national = national.slice(1);
        if (nsn.test(national)) {
          // A Guadeloupe number written as +33 690… : route it to its real country code.
          if (cc === '33') return nationalToE164(`0${national}`, field);
          return `+${cc}${national}`;
        }
        throw new InvalidPhoneNumberError(field, `numéro +${cc} de longueur ou de préfixe incorrect`);
      }
    }
    throw new InvalidPhoneNumberError(field, 'indicatif pays non français');
  }
  return nationalToE164(digits, field);
}

function nationalToE164(digits: string, field: string): string {
  if (/^0508\d{6}$/.test(digits)) return `+508${digits.slice(4)}`;
  if (!/^0\d{9}$/.test(digits)) throw new InvalidPhoneNumberError(field, '10 chiffres commençant par 0 attendus');
  if (digits[1] === '0') throw new InvalidPhoneNumberError(field, 'préfixe 00 inconnu');
  const cc = OVERSEAS_PREFIXES[digits.slice(0, 4)];
  if (cc) return `+${cc}${digits.slice(1)}`;
  return `+33${digits.slice(1)}`;
}

/** Like normaliseFrenchPhone but returns null instead of throwing. */
export function tryNormaliseFrenchPhone(input: string | null | undefined): string | null {
  if (!input) return null;
  try { return normaliseFrenchPhone(input); } catch { return null; }
}

/**
 * Whether a number can receive an SMS: French mobile ranges by the table above (it knows ranges the library's
 * metadata may lag behind, e.g. Mayotte's), other countries' numbers when libphonenumber classes them as mobile.
 */
export function isMobileE164(e164: string): boolean {
  if (isFrenchPlan(e164)) return MOBILE_E164.test(e164);
  return parsePhoneNumberFromString(e164)?.getType() === 'MOBILE';
}

/** E.164 back to the national form French people read ("+590690123456" → "06 90 12 34 56"). */
export function formatFrenchNational(e164: string): string {
  let national: string | null = null;
  if (e164.startsWith('+33')) national = `0${e164.slice(3)}`;
  else if (e164.startsWith('+508')) national = `0508${e164.slice(4)}`;
  else for (const cc of ['590', '596', '594', '262']) if (e164.startsWith(`+${cc}`)) national = `0${e164.slice(cc.length + 1)}`;
  if (!national || national.length !== 10) return e164;
  return national.replace(/(\d{2})(?=\d)/g, '$1 ');
}

// ---------------------------------------------------------------- every country

/**
 * Numbering region of a territory, from its département code: what a number typed without its country code
 * means there ("692 12 34 56" in Réunion). Numbers typed in the French national form (0…) are read the French way
 * everywhere, as above.
 */
const OVERSEAS_REGIONS: Record<string, CountryCode> = {
  971: 'GP', 972: 'MQ', 973: 'GF', 974: 'RE', 975: 'PM', 976: 'YT', 977: 'BL', 978: 'MF',
};
export function phoneRegionOf(departementCode: string): CountryCode {
  return OVERSEAS_REGIONS[departementCode] ?? 'FR';
}

/** Country calling codes of the French numbering plan (metropolitan and overseas): SMS to others are international. */
const FRENCH_CALLING_CODES = ['33', '262', '590', '594', '596', '508'];

const isFrenchPlan = (e164: string) => FRENCH_CALLING_CODES.some((cc) => e164.startsWith(`+${cc}`));

/** A number outside the French numbering plan: its SMS cost more, and go out only where a territory allows it. */
export function isInternationalSms(e164: string): boolean {
  return !isFrenchPlan(e164);
}

/**
 * Normalises a number of any country to E.164. French numbers keep the French reading above, whatever the
 * territory ("0639…" is Mayotte, "06…" is metropolitan France even in Réunion); anything else is read by
 * libphonenumber with the territory's region as default ("+44 7911 123456", "692 12 34 56" in Réunion) and must be
 * a valid number of its country. Throws InvalidPhoneNumberError naming `field`.
 */
export function normalisePhone(input: string, opts: { region?: CountryCode; field?: string } = {}): string {
  const field = opts.field ?? 'phone';
  let frenchError: InvalidPhoneNumberError;
  try {
    return normaliseFrenchPhone(input, field);
  } catch (err) {
    if (!(err instanceof InvalidPhoneNumberError)) throw err;
    frenchError = err;
  }
  const raw = input.trim();
  if (raw === '' || !/^[+\d\s.\-()/]+$/.test(raw)) throw frenchError;
  const cleaned = raw.replace(/\(0\)/g, '').replace(/[\s.\-()/]/g, '').replace(/^00/, '+');
  const parsed = parsePhoneNumberFromString(cleaned, opts.region ?? 'FR');
  if (parsed?.isValid()) return parsed.number;
  // A French-looking number keeps the French explanation (length, prefix); a foreign one gets its own.
  if (!cleaned.startsWith('+') || isFrenchPlan(cleaned)) throw frenchError;
  throw new InvalidPhoneNumberError(field, parsed ? `numéro inconnu du plan de numérotation de l’indicatif +${parsed.countryCallingCode}` : 'indicatif pays inconnu');
}

/** Like normalisePhone but returns null instead of throwing. */
export function tryNormalisePhone(input: string | null | undefined, region: CountryCode = 'FR'): string | null {
  if (!input) return null;
  try { return normalisePhone(input, { region }); } catch { return null; }
}
