/**
 * SMS text encoding: folding French text to the GSM-7 alphabet (accents removed, typographic punctuation
 * simplified) and counting the segments a text will cost. Pure.
 *
 * Why fold every accent, although GSM 03.38 holds é, è, à, ù: French operators and some handsets still render
 * them badly, and a single character outside the alphabet switches the whole SMS to UCS-2 (70 characters per
 * segment instead of 160), doubling or tripling its price. Plain letters are always safe.
 */

/** GSM 03.38 basic character set (one septet each). */
const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
/** GSM 03.38 extension table: each costs two septets (escape + character). */
const GSM7_EXTENSION = '\f^{}\\[~]|€';

const BASIC = new Set(GSM7_BASIC);
const EXTENSION = new Set(GSM7_EXTENSION);

/** Replacements for characters commonly found in French text that are not plain ASCII letters. */
const FOLDS: Record<string, string> = {
  '’': "'", '‘': "'", '‚': "'", '´': "'", '`': "'", '“': '"', '”': '"', '„': '"', '«': '"', '»': '"',
  '–': '-', '—': '-', '‐': '-', '‑': '-', '−': '-', '…': '...', '•': '-', '·': '.',
  '\u00a0': ' ', '\u202f': ' ', '\u2009': ' ', '\t': ' ',
  'œ': 'oe', 'Œ': 'OE', 'æ': 'ae', 'Æ': 'AE', 'ß': 'ss', '°': 'o', '№': 'No',
};

/**
 * Returns `text` written only with GSM-7 characters: accents removed (é → e, Ç → C), typographic quotes and
 * dashes made plain, anything else that cannot be represented replaced by "?".
 */
export function foldToGsm7(text: string): string {
  let out = '';
  for (const ch of text.normalize('NFC')) {
    const folded = FOLDS[ch];
    if (folded !== undefined) { out += folded; continue; }
    // Strip combining marks: "é" → "e" + U+0301 → "e".
    const base = ch.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
    if (base.length > 0 && /^[\x20-\x7e\n\r]+$/.test(base)) { out += base; continue; }
    if (ch === '€' || ch === '£' || ch === '¥' || ch === '§' || ch === '¿' || ch === '¡') { out += ch; continue; }
    out += '?';
  }
  return out;
}

export function isGsm7(text: string): boolean {
  for (const ch of text) if (!BASIC.has(ch) && !EXTENSION.has(ch)) return false;
  return true;
}

export interface SmsEncodingInfo {
  encoding: 'GSM-7' | 'UCS-2';
  /** Septets (GSM-7) or UTF-16 code units (UCS-2). */
  units: number;
  segments: number;
}

/** Segments an SMS costs: 160 septets in one segment, 153 per segment once concatenated (UCS-2: 70 / 67). */
export function countSmsSegments(text: string): SmsEncodingInfo {
  if (text.length === 0) return { encoding: 'GSM-7', units: 0, segments: 0 };
  if (isGsm7(text)) {
    const costs = [...text].map((ch) => (EXTENSION.has(ch) ? 2 : 1));
    const units = costs.reduce((a, b) => a + b, 0);
    if (units <= 160) return { encoding: 'GSM-7', units, segments: 1 };
    // An escape sequence is never split across two segments, so pack greedily.
    let segments = 1;
    let used = 0;
    for (const c of costs) {
      if (used + c > 153) { segments += 1; used = 0; }
      used += c;
    }
    return { encoding: 'GSM-7', units, segments };
  }
  const units = text.length; // UTF-16 code units: a surrogate pair counts two, as on the air interface
  if (units <= 70) return { encoding: 'UCS-2', units, segments: 1 };
  return { encoding: 'UCS-2', units, segments: Math.ceil(units / 67) };
}
