/**
 * The SMS an usager receives: one 160-character GSM-7 segment by default, with the motif, date, time, lieu
 * (or "RDV téléphonique") and the phone to call. When it does not fit, the least useful parts shrink first:
 * the address goes, then the lieu's name and the motif are shortened. Pure.
 */
import { foldToGsm7, countSmsSegments } from './gsm7';
import { frenchShortDate, frenchShortTime } from './format';
import { formatFrenchNational, tryNormaliseFrenchPhone } from './phone';
import type { MessageKind, RdvMessageContext } from './types';

export const SMS_MAX_LENGTH = 160;

const LEAD: Record<MessageKind, string> = {
  confirmation: 'RDV confirmé',
  reminder: 'Rappel RDV',
  modification: 'RDV modifié',
  cancellation: 'RDV annulé',
};

export interface SmsText { text: string; segments: number }

function contactPhone(ctx: RdvMessageContext): string | null {
  const raw = ctx.lieu?.phone ?? ctx.organisationPhone ?? null;
  if (!raw) return null;
  const e164 = tryNormaliseFrenchPhone(raw);
  return e164 ? formatFrenchNational(e164).replace(/ /g, '') : raw.replace(/\s/g, '');
}

function where(ctx: RdvMessageContext, withAddress: boolean): string {
  switch (ctx.locationType) {
    case 'phone': return 'RDV téléphonique';
    case 'visio': return 'RDV en visio';
    case 'home': return 'RDV à domicile';
    default: {
      if (!ctx.lieu) return '';
      return withAddress ? `${ctx.lieu.name}, ${ctx.lieu.address}` : ctx.lieu.name;
    }
  }
}

function shorten(s: string, max: number): string {
  if (s.length <= max) return s;
  return max <= 1 ? '' : `${s.slice(0, max - 1).trimEnd()}.`;
}

/** Septets, not characters: "€" and a few others cost two. */
const units = (s: string) => countSmsSegments(s).units;

/** Builds the SMS for `ctx`, folded to GSM-7 and at most `maxLength` septets (default one segment). */
export function buildSmsText(ctx: RdvMessageContext, maxLength = SMS_MAX_LENGTH): SmsText {
  const when = `${frenchShortDate(ctx.startsAt, ctx.timeZone)} à ${frenchShortTime(ctx.startsAt, ctx.timeZone)}`;
  const phone = contactPhone(ctx);
  const tail = ctx.kind === 'cancellation'
    ? (phone ? ` Pour reprendre RDV: ${phone}` : '')
    : (phone ? ` Info/annulation: ${phone}` : '');
  const compose = (motif: string, place: string) => {
    const placePart = place ? `, ${place}` : '';
    return foldToGsm7(`${LEAD[ctx.kind]}: ${motif} le ${when}${placePart}.${tail}`).replace(/\s+/g, ' ').trim();
  };
  let motif = ctx.motifName.trim();
  let place = where(ctx, true);
  let text = compose(motif, place);
  if (units(text) > maxLength) { place = where(ctx, false); text = compose(motif, place); }
  // Shorten the lieu's name, then the motif, by what is still too much.
  if (units(text) > maxLength && place) {
    const over = units(text) - maxLength;
    place = shorten(place, Math.max(12, place.length - over));
    text = compose(motif, place);
  }
  if (units(text) > maxLength) {
    const over = units(text) - maxLength;
    motif = shorten(motif, Math.max(8, motif.length - over));
    text = compose(motif, place);
  }
  while (units(text) > maxLength) text = shorten(text, text.length - 1);
  return { text, segments: countSmsSegments(text).segments };
}
