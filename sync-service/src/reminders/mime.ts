/**
 * Just enough MIME reading for the local SMTP sink (and the tests that look into what it received): headers,
 * RFC 2047 encoded words, multipart bodies, base64 and quoted-printable. Not a general mail parser.
 */

export interface MimePart { headers: Record<string, string>; body: string }

export function decodeQuotedPrintable(s: string): string {
  const bytes: number[] = [];
  const text = s.replace(/=\r?\n/g, '');
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(text[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** =?UTF-8?Q?…?= and =?UTF-8?B?…?= words, as in Subject headers. */
export function decodeEncodedWords(s: string): string {
  return s.replace(/\?=\s+=\?/g, '?==?').replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_m, _charset: string, enc: string, text: string) =>
    enc.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64').toString('utf8')
      : decodeQuotedPrintable(text.replace(/_/g, ' ')));
}

function splitHead(raw: string): { headers: Record<string, string>; body: string } {
  const idx = raw.search(/\r?\n\r?\n/);
  const head = idx < 0 ? raw : raw.slice(0, idx);
  const body = idx < 0 ? '' : raw.slice(idx).replace(/^\r?\n\r?\n/, '');
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const c = line.indexOf(':');
    if (c > 0) headers[line.slice(0, c).trim().toLowerCase()] = line.slice(c + 1).trim();
  }
  return { headers, body };
}

function decodeBody(headers: Record<string, string>, body: string): string {
  const enc = (headers['content-transfer-encoding'] ?? '').toLowerCase();
  if (enc === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (enc === 'quoted-printable') return decodeQuotedPrintable(body);
  return body;
}

/** Every leaf part of a message, bodies decoded. */
export function mimeLeaves(raw: string): MimePart[] {
  const { headers, body } = splitHead(raw);
  const type = headers['content-type'] ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (/^multipart\//i.test(type) && boundary) {
    const parts = body.split(new RegExp(`\\r?\\n?--${boundary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:--)?[ \\t]*\\r?\\n?`));
    return parts.slice(1).filter((p) => p.trim() !== '').flatMap((p) => mimeLeaves(p));
  }
  return [{ headers, body: decodeBody(headers, body) }];
}

export interface ParsedEmail {
  messageId: string | null;
  to: string | null;
  from: string | null;
  subject: string;
  text: string | null;
  html: string | null;
  /** The text/calendar parts (the alternative and the attachment carry the same event). */
  calendars: Array<{ method: string | null; content: string }>;
}

export function parseEmail(raw: string): ParsedEmail {
  const { headers } = splitHead(raw);
  const leaves = mimeLeaves(raw);
  const find = (t: string) => leaves.find((l) => (l.headers['content-type'] ?? 'text/plain').toLowerCase().startsWith(t) && !/attachment/i.test(l.headers['content-disposition'] ?? ''))?.body ?? null;
  return {
    messageId: headers['message-id'] ?? null,
    to: headers.to ?? null,
    from: headers.from ? decodeEncodedWords(headers.from) : null,
    subject: decodeEncodedWords(headers.subject ?? ''),
    text: find('text/plain'),
    html: find('text/html'),
    calendars: leaves
      .filter((l) => (l.headers['content-type'] ?? '').toLowerCase().startsWith('text/calendar') || /\.ics/i.test(l.headers['content-disposition'] ?? ''))
      .map((l) => ({ method: /method=([A-Z]+)/i.exec(l.headers['content-type'] ?? '')?.[1]?.toUpperCase() ?? null, content: l.body })),
  };
}
