/**
 * French emails to usagers: subject, plain text and HTML (no images, inline styles only, readable when the
 * client blocks everything), plus the ICS event that goes with them. Pure.
 */
import { frenchLongDate, frenchTime } from './format';
import { buildIcs } from './ics';
import { formatFrenchNational, tryNormaliseFrenchPhone } from './phone';
import type { MessageKind, RdvMessageContext } from './types';

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
  ics: { method: 'PUBLISH' | 'CANCEL'; content: string };
}

export interface EmailOptions {
  /** DTSTAMP of the ICS. */
  now: Date;
  from: { name: string; email: string };
  recipientEmail: string;
}

const SUBJECT: Record<MessageKind, string> = {
  confirmation: 'Votre rendez-vous est confirmé',
  reminder: 'Rappel de votre rendez-vous',
  modification: 'Votre rendez-vous a été modifié',
  cancellation: 'Votre rendez-vous a été annulé',
};

const INTRO: Record<MessageKind, string> = {
  confirmation: 'Votre rendez-vous est confirmé.',
  reminder: 'Nous vous rappelons votre rendez-vous.',
  modification: 'Votre rendez-vous a été modifié. Voici les nouvelles informations.',
  cancellation: 'Votre rendez-vous a été annulé.',
};

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function place(ctx: RdvMessageContext): string {
  switch (ctx.locationType) {
    case 'phone': return 'Rendez-vous téléphonique : vous serez appelé(e) au numéro que vous avez donné.';
    case 'visio': return 'Rendez-vous en visioconférence : le lien vous sera communiqué par le service.';
    case 'home': return `Rendez-vous à domicile${ctx.homeAddress ? ` : ${ctx.homeAddress}` : ''}.`;
    default: return ctx.lieu ? `${ctx.lieu.name}, ${ctx.lieu.address}` : ctx.organisationName;
  }
}

function phone(ctx: RdvMessageContext): string | null {
  const raw = ctx.lieu?.phone ?? ctx.organisationPhone ?? null;
  if (!raw) return null;
  const e164 = tryNormaliseFrenchPhone(raw);
  return e164 ? formatFrenchNational(e164) : raw;
}

export function buildEmail(ctx: RdvMessageContext, opts: EmailOptions): EmailContent {
  const date = frenchLongDate(ctx.startsAt, ctx.timeZone);
  const time = frenchTime(ctx.startsAt, ctx.timeZone);
  const who = ctx.relativeFirstName ? ` de ${ctx.relativeFirstName}` : '';
  const subject = `${SUBJECT[ctx.kind]}${who ? ` (${ctx.relativeFirstName})` : ''} – ${date} à ${time}`;
  const contact = phone(ctx);
  const rows: Array<[string, string]> = [
    ['Motif', ctx.motifName],
    ['Date', date],
    ['Heure', time],
    ['Lieu', place(ctx)],
    ['Service', ctx.serviceName ? `${ctx.serviceName} – ${ctx.organisationName}` : ctx.organisationName],
  ];
  const closing = ctx.kind === 'cancellation'
    ? `Pour prendre un nouveau rendez-vous, contactez le service${contact ? ` au ${contact}` : ''}.`
    : `En cas d'empêchement, merci de prévenir le service${contact ? ` au ${contact}` : ''} : le créneau pourra être proposé à une autre personne.`;
  const intro = `${INTRO[ctx.kind]}${who ? ` Il s'agit du rendez-vous${who}.` : ''}`;

  const text = [
    'Bonjour,',
    '',
    intro,
    '',
    ...rows.map(([k, v]) => `${k} : ${v}`),
    '',
    closing,
    '',
    ctx.kind === 'cancellation' ? '' : 'Le fichier joint permet d\'ajouter ce rendez-vous à votre agenda.',
    '',
    `${ctx.organisationName}`,
    'Ce message est envoyé automatiquement, merci de ne pas y répondre.',
  ].join('\n').replace(/\n{3,}/g, '\n\n');

  const html = `<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(subject)}</title></head>
<body style="margin:0;padding:16px;font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;color:#161616;background:#ffffff">
<p>Bonjour,</p>
<p>${escapeHtml(intro)}</p>
<table role="presentation" style="border-collapse:collapse;margin:8px 0 16px 0">
${rows.map(([k, v]) => `<tr><th scope="row" style="text-align:left;padding:4px 16px 4px 0;vertical-align:top">${escapeHtml(k)}</th><td style="padding:4px 0">${escapeHtml(v)}</td></tr>`).join('\n')}
</table>
<p>${escapeHtml(closing)}</p>
${ctx.kind === 'cancellation' ? '' : '<p>Le fichier joint permet d\'ajouter ce rendez-vous à votre agenda.</p>\n'}<p>${escapeHtml(ctx.organisationName)}</p>
<p style="font-size:13px;color:#3a3a3a">Ce message est envoyé automatiquement, merci de ne pas y répondre.</p>
</body></html>
`;

  const method = ctx.kind === 'cancellation' ? 'CANCEL' : 'PUBLISH';
  const ics = buildIcs({
    method,
    uid: ctx.rdvUuid,
    sequence: ctx.sequence,
    stamp: opts.now,
    startsAt: ctx.startsAt,
    endsAt: ctx.endsAt,
    summary: `RDV ${ctx.motifName}${who}`,
    location: place(ctx),
    description: `${ctx.organisationName}${contact ? ` – ${contact}` : ''}`,
    organizer: { name: opts.from.name || ctx.organisationName, email: opts.from.email },
    attendeeEmail: method === 'CANCEL' ? opts.recipientEmail : null,
  });
  return { subject, text, html, ics: { method, content: ics } };
}
