import { describe, expect, it } from '@jest/globals';
import ICAL from 'ical.js';
import { buildIcs, escapeIcsText, foldIcsLine } from '../../../shared/src/notifications/ics';
import { buildEmail } from '../../../shared/src/notifications/email';
import { aMessage } from './fixtures';

const now = new Date('2026-11-20T10:00:00Z');
const from = { name: 'Département de la Vienne', email: 'rdv@vienne.example' };

function parse(ics: string) {
  const cal = new ICAL.Component(ICAL.parse(ics));
  const vevent = cal.getFirstSubcomponent('vevent')!;
  return { cal, vevent, event: new ICAL.Event(vevent) };
}

describe('ICS attachment', () => {
  it('publishes a new RDV with its uuid as UID, its sequence, and UTC times', () => {
    const { content, method } = buildEmail(aMessage({ kind: 'confirmation', sequence: 0 }), { now, from, recipientEmail: 'a@b.fr' }).ics;
    expect(method).toBe('PUBLISH');
    const { cal, event, vevent } = parse(content);
    expect(cal.getFirstPropertyValue('method')).toBe('PUBLISH');
    expect(event.uid).toBe('6f1c2d3e-4b5a-4c6d-8e7f-901234567890');
    expect(event.sequence).toBe(0);
    expect(event.startDate.toJSDate().toISOString()).toBe('2026-12-03T13:30:00.000Z');
    expect(event.endDate.toJSDate().toISOString()).toBe('2026-12-03T14:00:00.000Z');
    expect(event.startDate.zone.tzid).toBe('UTC');
    expect(event.summary).toBe('RDV Consultation de puériculture');
    expect(event.location).toBe('Maison des solidarités, 12 rue de la République, 86000 Poitiers');
    expect(vevent.getFirstPropertyValue('status')).toBe('CONFIRMED');
    expect(String(vevent.getFirstPropertyValue('organizer'))).toBe('mailto:rdv@vienne.example');
  });

  it('cancels with METHOD CANCEL, the same UID, a higher SEQUENCE and the attendee', () => {
    const { content, method } = buildEmail(aMessage({ kind: 'cancellation', sequence: 3 }), { now, from, recipientEmail: 'usager@exemple.fr' }).ics;
    expect(method).toBe('CANCEL');
    const { cal, event, vevent } = parse(content);
    expect(cal.getFirstPropertyValue('method')).toBe('CANCEL');
    expect(event.uid).toBe('6f1c2d3e-4b5a-4c6d-8e7f-901234567890');
    expect(event.sequence).toBe(3);
    expect(vevent.getFirstPropertyValue('status')).toBe('CANCELLED');
    expect(String(vevent.getFirstPropertyValue('attendee'))).toBe('mailto:usager@exemple.fr');
  });

  it('escapes commas, semicolons, backslashes and newlines, and reads them back intact', () => {
    const text = 'Salle 2; bâtiment B, 1er étage\\porte\ngauche';
    expect(escapeIcsText(text)).toBe('Salle 2\\; bâtiment B\\, 1er étage\\\\porte\\ngauche');
    const ics = buildIcs({
      method: 'PUBLISH', uid: 'u-1', sequence: 1, stamp: now, startsAt: now, endsAt: new Date(now.getTime() + 3600_000),
      summary: text, location: text, organizer: from,
    });
    expect(parse(ics).event.summary).toBe(text);
    expect(parse(ics).event.location).toBe(text);
  });

  it('folds lines at 75 octets without cutting a multi-byte character, with CRLF endings', () => {
    const ics = buildIcs({
      method: 'PUBLISH', uid: 'u-2', sequence: 0, stamp: now, startsAt: now, endsAt: new Date(now.getTime() + 3600_000),
      summary: 'é'.repeat(100), description: 'Détails: '.repeat(30), organizer: from,
    });
    expect(ics.endsWith('\r\n')).toBe(true);
    expect(ics.replace(/\r\n/g, '')).not.toContain('\n');
    for (const line of ics.split('\r\n')) expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(75);
    expect(parse(ics).event.summary).toBe('é'.repeat(100));
    expect(parse(ics).event.description).toBe('Détails: '.repeat(30));
  });

  it('folds a short line not at all', () => {
    expect(foldIcsLine('UID:abc')).toBe('UID:abc');
  });
});

describe('email content', () => {
  it('is French, names the RDV in the territory time, and has HTML without images', () => {
    const email = buildEmail(aMessage({ kind: 'reminder' }), { now, from, recipientEmail: 'a@b.fr' });
    expect(email.subject).toBe('Rappel de votre rendez-vous – jeudi 3 décembre 2026 à 14 h 30');
    expect(email.text).toContain('Nous vous rappelons votre rendez-vous.');
    expect(email.text).toContain('Lieu : Maison des solidarités, 12 rue de la République, 86000 Poitiers');
    expect(email.text).toContain('05 49 00 00 00');
    expect(email.html).toContain('<html lang="fr">');
    expect(email.html).not.toMatch(/<img/i);
  });

  it('escapes HTML in motif and lieu names', () => {
    const email = buildEmail(aMessage({ motifName: '<script>x</script> & co' }), { now, from, recipientEmail: 'a@b.fr' });
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('&lt;script&gt;x&lt;/script&gt; &amp; co');
  });

  it('names the relative when the message goes to the responsible usager', () => {
    const email = buildEmail(aMessage({ kind: 'confirmation', relativeFirstName: 'Léa' }), { now, from, recipientEmail: 'a@b.fr' });
    expect(email.subject).toContain('(Léa)');
    expect(email.text).toContain('Il s\'agit du rendez-vous de Léa.');
  });
});
