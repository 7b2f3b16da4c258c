import { describe, expect, it } from '@jest/globals';
import { contentHash, eventContent, initials, MANAGED_NOTICE, type RdvForEvent } from '../../../shared/src/sync/event-content';

const anRdv = (over: Partial<RdvForEvent> = {}): RdvForEvent => ({
  startsAt: new Date('2026-03-10T09:00:00Z'),
  endsAt: new Date('2026-03-10T09:30:00Z'),
  motifName: 'Consultation PMI',
  locationType: 'public_office',
  lieu: { name: 'Centre Nord', address: '1 rue de la Paix 86000 Poitiers' },
  address: '3 impasse des Lilas 86000 Poitiers',
  collective: false,
  context: 'Suivi de poids du nourrisson',
  usagers: [{ firstName: 'Hélène', lastName: 'Lefèvre', phone: '+33612345678' }],
  detail: 'motif_and_lieu',
  ...over,
});

const everything = (c: ReturnType<typeof eventContent>) => `${c.subject}\n${c.location}\n${c.bodyText}`;

describe('Outlook event content (privacy template)', () => {
  it('by default names the motif and the lieu and nothing that identifies the usager', () => {
    const c = eventContent(anRdv());
    expect(c.subject).toBe('RDV : Consultation PMI');
    expect(c.location).toBe('Centre Nord, 1 rue de la Paix 86000 Poitiers');
    expect(c.bodyText).toBe(MANAGED_NOTICE);
    expect(everything(c)).not.toMatch(/Hélène|Lefèvre|H\. L\.|\+336|Lilas|nourrisson/);
    expect(c.start).toEqual(new Date('2026-03-10T09:00:00Z'));
    expect(c.end).toEqual(new Date('2026-03-10T09:30:00Z'));
  });

  it('says the RDV is managed by the appointment service and to open the add-in, in French', () => {
    expect(eventContent(anRdv()).bodyText).toMatch(/géré par le service de prise de rendez-vous.*Ouvrez le complément/);
  });

  it('says Téléphone, Visio or À domicile instead of a lieu, and keeps a home address out by default', () => {
    expect(eventContent(anRdv({ locationType: 'phone', lieu: null })).location).toBe('Téléphone');
    expect(eventContent(anRdv({ locationType: 'visio', lieu: null })).location).toBe('Visio');
    expect(eventContent(anRdv({ locationType: 'home', lieu: null })).location).toBe('À domicile');
    expect(eventContent(anRdv({ locationType: 'home', lieu: null, detail: 'motif_lieu_and_usager_initials' })).location).toBe('À domicile');
    expect(eventContent(anRdv({ locationType: 'home', lieu: null, detail: 'full' })).location).toBe('À domicile : 3 impasse des Lilas 86000 Poitiers');
  });

  it('adds the usagers initials, and only them, when the territory chose motif_lieu_and_usager_initials', () => {
    const c = eventContent(anRdv({ detail: 'motif_lieu_and_usager_initials' }));
    expect(c.subject).toBe('RDV : Consultation PMI – H. L.');
    expect(c.bodyText).toContain('Usager : H. L.');
    expect(everything(c)).not.toMatch(/Hélène|Lefèvre|\+336|nourrisson/);
  });

  it('adds names, phones and notes when the territory chose full', () => {
    const c = eventContent(anRdv({ detail: 'full' }));
    expect(c.subject).toBe('RDV : Consultation PMI – Hélène Lefèvre');
    expect(c.bodyText).toContain('Usager : Hélène Lefèvre – +33612345678');
    expect(c.bodyText).toContain('Notes : Suivi de poids du nourrisson');
  });

  it('keeps the participants of a collective RDV out of its subject', () => {
    const c = eventContent(anRdv({ collective: true, motifName: 'Atelier massage bébé', detail: 'full', usagers: [
      { firstName: 'Hélène', lastName: 'Lefèvre', phone: null }, { firstName: 'Zoé', lastName: 'Martin', phone: null }] }));
    expect(c.subject).toBe('RDV : Atelier massage bébé (collectif)');
    expect(c.bodyText).toContain('Usager : Zoé Martin');
  });

  it('makes initials of composite and accented names', () => {
    expect(initials('Jean-Pierre', 'Le Goff')).toBe('J.-P. L. G.');
    expect(initials('élodie', 'Ørsted')).toBe('É. Ø.');
  });
});

describe('content hash', () => {
  it('is equal for equal content and differs when the time, the place or the text changes', () => {
    const base = eventContent(anRdv());
    expect(contentHash(eventContent(anRdv()))).toBe(contentHash(base));
    expect(contentHash(eventContent(anRdv({ startsAt: new Date('2026-03-10T10:00:00Z') })))).not.toBe(contentHash(base));
    expect(contentHash(eventContent(anRdv({ endsAt: new Date('2026-03-10T09:45:00Z') })))).not.toBe(contentHash(base));
    expect(contentHash(eventContent(anRdv({ lieu: { name: 'Centre Sud', address: 'x' } })))).not.toBe(contentHash(base));
    expect(contentHash(eventContent(anRdv({ detail: 'full' })))).not.toBe(contentHash(base));
  });

  it('ignores what the template leaves out (a changed usager changes nothing by default)', () => {
    expect(contentHash(eventContent(anRdv({ usagers: [] })))).toBe(contentHash(eventContent(anRdv())));
    expect(contentHash(eventContent(anRdv({ context: 'autre' })))).toBe(contentHash(eventContent(anRdv())));
  });

  it('is a fixed value for fixed content (stable across processes and releases)', () => {
    expect(contentHash({ subject: 's', location: 'l', bodyText: 'b', start: new Date('2026-03-10T09:00:00Z'), end: new Date('2026-03-10T09:30:00Z') }))
      .toBe('v1:abee63bd3e0e7c17');
  });
});
