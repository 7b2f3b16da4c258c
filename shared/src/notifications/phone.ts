/**
 * French phone numbers to E.164, overseas départements included. Pure.
 *
 * Overseas numbers use the same 10-digit national plan as metropolitan France but their own country codes:
 * 0590/0690/0691 Guadeloupe (+590, also Saint-Martin and Saint-Barthélemy), 0596/0696/0697 Martinique (+596),
 * 0594/0694 Guyane (+594), 0262/0263/0692/0693 Réunion (+262), 0269/0639 Mayotte (+262),
 * 0508 Saint-Pierre-et-Miquelon (+508, 6 digits after the prefix). Sending "+33 690…" would not reach Guadeloupe.
 */

export class InvalidPhoneNumberError extends Error {
  readonly code = 'invalid_phone_number';
  constructor(readonly field: string, readonly reason: string) {
    super(`${field} : numéro de téléphone invalide (${reason}). Formats acceptés : 06 12 34 56 78, +33 6 12 34 56 78, 0690 12 34 56.`);
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

export function isMobileE164(e164: string): boolean {
  return MOBILE_E164.test(e164);
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
