/**
 * iCalendar (RFC 5545 / RFC 5546) attachment of an RDV email: METHOD PUBLISH for a new or changed RDV, CANCEL
 * for a cancelled one. UID is the RDV's uuid and SEQUENCE its revision, so that Outlook and Gmail update or
 * remove the same calendar entry instead of adding a second one. Times are written in UTC ("…Z"), which every
 * client reads without needing a VTIMEZONE. Lines end in CRLF and are folded at 75 octets. Pure.
 */

export interface IcsEvent {
  method: 'PUBLISH' | 'CANCEL';
  uid: string;
  sequence: number;
  /** When this version was produced (DTSTAMP). */
  stamp: Date;
  startsAt: Date;
  endsAt: Date;
  summary: string;
  location?: string | null;
  description?: string | null;
  organizer: { name: string; email: string };
  /** The usager's address; RFC 5546 wants an ATTENDEE in a CANCEL. */
  attendeeEmail?: string | null;
}

/** 20261203T133000Z */
export function icsUtc(at: Date): string {
  return at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** TEXT value escaping (RFC 5545 3.3.11): backslash, semicolon, comma, newline. */
export function escapeIcsText(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r\n|\r|\n/g, '\\n');
}

/** Folds a content line at 75 octets (UTF-8), never inside a multi-byte character; continuation lines start with a space. */
const utf8 = new TextEncoder();

export function foldIcsLine(line: string): string {
  const parts: string[] = [];
  let current = '';
  let bytes = 0;
  const limit = () => (parts.length === 0 ? 75 : 74); // continuation lines lose one octet to the leading space
  for (const ch of line) {
    const n = utf8.encode(ch).length;
    if (bytes + n > limit()) {
      parts.push(current);
      current = '';
      bytes = 0;
    }
    current += ch;
    bytes += n;
  }
  parts.push(current);
  return parts.join('\r\n ');
}

function paramText(s: string): string {
  // Parameter values cannot hold quotes; quote them when they hold : ; ,
  const clean = s.replace(/"/g, "'");
  return /[:;,]/.test(clean) ? `"${clean}"` : clean;
}

export function buildIcs(ev: IcsEvent): string {
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//rdv-outlook//Rappels RDV//FR',
    'CALSCALE:GREGORIAN',
    `METHOD:${ev.method}`,
    'BEGIN:VEVENT',
    `UID:${ev.uid}`,
    `SEQUENCE:${ev.sequence}`,
    `DTSTAMP:${icsUtc(ev.stamp)}`,
    `DTSTART:${icsUtc(ev.startsAt)}`,
    `DTEND:${icsUtc(ev.endsAt)}`,
    `SUMMARY:${escapeIcsText(ev.summary)}`,
    ...(ev.location ? [`LOCATION:${escapeIcsText(ev.location)}`] : []),
    ...(ev.description ? [`DESCRIPTION:${escapeIcsText(ev.description)}`] : []),
    `ORGANIZER;CN=${paramText(ev.organizer.name)}:mailto:${ev.organizer.email}`,
    ...(ev.attendeeEmail ? [`ATTENDEE;ROLE=REQ-PARTICIPANT:mailto:${ev.attendeeEmail}`] : []),
    `STATUS:${ev.method === 'CANCEL' ? 'CANCELLED' : 'CONFIRMED'}`,
    'TRANSP:OPAQUE',
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return lines.map(foldIcsLine).join('\r\n') + '\r\n';
}
