/**
 * What an Outlook event says about an RDV: the territory's privacy template turned into subject, location and body
 * (French, read by agents), and a hash of it. Pure: the sync service reads the RDV and calls this.
 *
 * Privacy (DESIGN.md §1): by default nothing identifying the usager reaches Microsoft — the event names the motif
 * and the place only. A territory may widen this to the usagers' initials, or to their names, phones and the RDV's
 * notes ('full'). The hash lets the sync skip writes that would change nothing and recognise echoes of its own.
 */
import type { LocationType } from '../domain';

export const OUTLOOK_EVENT_DETAILS = ['motif_and_lieu', 'motif_lieu_and_usager_initials', 'full'] as const;
export type OutlookEventDetail = (typeof OUTLOOK_EVENT_DETAILS)[number];

export interface RdvForEvent {
  startsAt: Date;
  endsAt: Date;
  motifName: string;
  locationType: LocationType;
  lieu: { name: string; address: string } | null;
  /** Address of a home visit. */
  address: string | null;
  collective: boolean;
  /** Notes for agents: only with the 'full' template. */
  context: string | null;
  /** Live participants (excused/revoked ones left out), in a stable order. */
  usagers: Array<{ firstName: string; lastName: string; phone: string | null }>;
  detail: OutlookEventDetail;
}

/** The fields of an event the sync writes (same shape as the calendar adapter's EventContent). */
export interface EventText {
  subject: string;
  location: string;
  bodyText: string;
  start: Date;
  end: Date;
}

export const MANAGED_NOTICE =
  "Rendez-vous géré par le service de prise de rendez-vous. Ouvrez le complément « Rendez-vous » dans Outlook pour en voir le détail ; un déplacement ou une suppression faits ici lui sont transmis.";

/** "Hélène Lefèvre" → "H. L."; "Jean-Pierre Le Goff" → "J.-P. L. G." */
export function initials(firstName: string, lastName: string): string {
  const part = (name: string) => name.trim().split(/\s+/).filter(Boolean)
    .map((word) => word.split('-').filter(Boolean).map((w) => `${w[0].toLocaleUpperCase('fr-FR')}.`).join('-'))
    .join(' ');
  return [part(firstName), part(lastName)].filter(Boolean).join(' ');
}

function locationText(rdv: RdvForEvent): string {
  switch (rdv.locationType) {
    case 'phone': return 'Téléphone';
    case 'visio': return 'Visio';
    // A home address identifies the usager: only the 'full' template carries it.
    case 'home': return rdv.detail === 'full' && rdv.address ? `À domicile : ${rdv.address}` : 'À domicile';
    case 'public_office': return rdv.lieu ? `${rdv.lieu.name}, ${rdv.lieu.address}` : 'Sur place';
  }
}

function who(rdv: RdvForEvent): string | null {
  if (rdv.detail === 'motif_and_lieu' || rdv.usagers.length === 0) return null;
  const names = rdv.detail === 'full'
    ? rdv.usagers.map((u) => `${u.firstName} ${u.lastName}`.trim())
    : rdv.usagers.map((u) => initials(u.firstName, u.lastName));
  // A collective RDV lists its participants in the body only: a subject has no room for a group.
  if (rdv.collective) return null;
  return names.join(', ');
}

export function eventContent(rdv: RdvForEvent): EventText {
  const person = who(rdv);
  const subject = `RDV : ${rdv.motifName}${rdv.collective ? ' (collectif)' : ''}${person ? ` – ${person}` : ''}`;
  const lines = [MANAGED_NOTICE];
  if (rdv.detail !== 'motif_and_lieu' && rdv.usagers.length) {
    lines.push('');
    for (const u of rdv.usagers) {
      if (rdv.detail === 'full') lines.push(`Usager : ${u.firstName} ${u.lastName}${u.phone ? ` – ${u.phone}` : ''}`);
      else lines.push(`Usager : ${initials(u.firstName, u.lastName)}`);
    }
  }
  if (rdv.detail === 'full' && rdv.context?.trim()) lines.push('', `Notes : ${rdv.context.trim()}`);
  return { subject, location: locationText(rdv), bodyText: lines.join('\n'), start: rdv.startsAt, end: rdv.endsAt };
}

/** FNV-1a, 64 bits: stable across processes and versions of Node, and free of any platform API. */
function fnv1a64(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}

/** Hash of what an event says (times as instants): equal hashes mean a write would change nothing. */
export function contentHash(content: EventText): string {
  return `v1:${fnv1a64(JSON.stringify([content.subject, content.location, content.bodyText, content.start.toISOString(), content.end.toISOString()]))}`;
}
