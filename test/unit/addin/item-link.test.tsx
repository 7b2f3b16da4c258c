/**
 * @jest-environment jsdom
 */
/**
 * The pane and the Outlook item it is opened on, with a fake Office boundary and a fake API: opened on one of our
 * events it shows that RDV's detail at once; on another event it says so; in an appointment being composed, a
 * booking fills the appointment with the service's text, tags it, saves it and reports it.
 */
import { describe, expect, it } from '@jest/globals';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { ApiError } from '../../../addin/src/api/errors';
import type { Availability, Usager } from '../../../addin/src/api/types';
import { browserBoundary, OfficeCallError, type OfficeBoundary, type OutlookItem } from '../../../addin/src/office/boundary';
import { aDetail, anRdv, fakeApi, renderPane } from './fakes';

function fakeOffice(item: OutlookItem, opts: { failTag?: boolean } = {}) {
  const done: Array<[string, unknown]> = [];
  const office: OfficeBoundary = {
    ...browserBoundary,
    inOutlook: true,
    currentItem: () => item,
    fillAppointment: async (f) => { done.push(['fill', f]); },
    tagAndSaveAppointment: async (p) => {
      if (opts.failTag) throw new OfficeCallError('saveAsync', 'The item could not be saved.');
      done.push(['tagAndSave', p]);
      return 'REST-1';
    },
  };
  return { office, done };
}

const lea: Usager = { id: 5, firstName: 'Léa', lastName: 'Martin', birthDate: '1990-04-02', phone: '+33612345678', email: null, notifyBySms: true, notifyByEmail: true };
const slots: Availability = {
  motifId: 2, collective: false, timeZone: 'Europe/Paris', durationMinutes: 20,
  days: [{ day: '2026-12-09', lieux: [{ lieuId: 1, agents: [{ agentId: 1, starts: ['2026-12-09T08:00:00.000Z'] }] }] }],
};
const fill = {
  subject: 'RDV : Pesée', location: 'MDS Châtellerault, 12 rue', start: '2026-12-09T08:00:00.000Z', end: '2026-12-09T08:20:00.000Z',
  customProperty: { name: 'rdvLink', value: '99/1' },
};

async function bookOneSlot() {
  fireEvent.click(await screen.findByRole('button', { name: 'Prendre RDV' }));
  fireEvent.change(await screen.findByLabelText('Rechercher un usager (nom, 2 lettres minimum)'), { target: { value: 'martin' } });
  fireEvent.click(await screen.findByRole('button', { name: /Léa Martin/ }));
  fireEvent.change(screen.getByLabelText('2. Service'), { target: { value: '1' } });
  fireEvent.change(screen.getByLabelText('3. Motif'), { target: { value: '2' } });
  fireEvent.change(screen.getByLabelText('4. Lieu'), { target: { value: '1' } });
  fireEvent.click(await screen.findByRole('button', { name: '09:00 avec Claire Morand' }));
  fireEvent.click(await screen.findByRole('button', { name: 'Confirmer le RDV' }));
  await screen.findByText(/RDV enregistré pour Léa Martin/);
}

describe('the pane opened on an Outlook appointment', () => {
  it('should open the detail of the RDV behind one of our events, asked by the item\'s REST id', async () => {
    const { api, calls } = fakeApi({ itemRdv: async () => aDetail(anRdv({ id: 42 })) });
    renderPane(api, { office: fakeOffice({ kind: 'appointment-read', itemId: 'EWS1', restId: 'REST-42', subject: 'RDV : Pesée' }).office });
    expect(await screen.findByRole('heading', { name: /^RDV du / })).toBeTruthy();
    expect(calls.filter((c) => c.name === 'itemRdv').map((c) => c.args)).toEqual([['REST-42']]);
    await waitFor(() => expect(calls.some((c) => c.name === 'getRdv' && c.args[0] === 42)).toBe(true));
    expect(screen.queryByTestId('item-notice')).toBeNull();
  });

  it('should say so in French when the event is not one of ours, and stay on Mes RDV', async () => {
    const { api } = fakeApi();
    renderPane(api, { office: fakeOffice({ kind: 'appointment-read', itemId: 'EWS2', restId: 'REST-2', subject: 'Réunion' }).office });
    expect((await screen.findByTestId('item-notice')).textContent).toBe('Cet événement Outlook n’est pas un rendez-vous de RDV Outlook.');
    expect(screen.queryByRole('heading', { name: /^RDV du / })).toBeNull();
  });

  it('should give the service\'s words when the link cannot be read (calendar not connected)', async () => {
    const { api } = fakeApi({ itemRdv: async () => { throw new ApiError('conflict', 409, "Votre agenda Outlook n'est pas connecté au service.", 'not_connected'); } });
    renderPane(api, { office: fakeOffice({ kind: 'appointment-read', itemId: 'EWS3', restId: 'REST-3', subject: 'x' }).office });
    expect((await screen.findByTestId('item-notice')).textContent).toContain("Votre agenda Outlook n'est pas connecté au service.");
  });
});

describe('booking from an appointment being composed', () => {
  it('should book in compose mode, fill the appointment with the service\'s text, tag and save it, and report it', async () => {
    const { office, done } = fakeOffice({ kind: 'appointment-compose' });
    const { api, calls } = fakeApi({ searchUsagers: async () => [lea], availability: async () => slots, createRdv: async () => ({ id: 99, outlookEvent: fill }) });
    renderPane(api, { office });
    await bookOneSlot();
    expect((await screen.findByTestId('item-line')).textContent).toBe('Le rendez-vous Outlook ouvert a été rempli et enregistré dans votre calendrier ; il est lié à ce RDV.');
    expect((calls.find((c) => c.name === 'createRdv')!.args[0] as Record<string, unknown>).outlookItem).toBe('compose');
    expect(done).toEqual([
      ['fill', { subject: 'RDV : Pesée', location: 'MDS Châtellerault, 12 rue', start: new Date(fill.start), end: new Date(fill.end) }],
      ['tagAndSave', { name: 'rdvLink', value: '99/1' }],
    ]);
    expect(calls.filter((c) => c.name === 'reportItem').map((c) => c.args)).toEqual([[{ rdvId: 99, itemId: 'REST-1' }]]);
  });

  it('should say what to do when the appointment cannot be saved, and report nothing', async () => {
    const { office } = fakeOffice({ kind: 'appointment-compose' }, { failTag: true });
    const { api, calls } = fakeApi({ searchUsagers: async () => [lea], availability: async () => slots, createRdv: async () => ({ id: 99, outlookEvent: fill }) });
    renderPane(api, { office });
    await bookOneSlot();
    expect((await screen.findByTestId('item-line')).textContent).toMatch(/n’a pas pu être rempli ou lié .*Fermez-le sans l’enregistrer/);
    expect(calls.some((c) => c.name === 'reportItem')).toBe(false);
  });

  it('should book without compose mode outside an appointment being composed', async () => {
    const { api, calls } = fakeApi({ searchUsagers: async () => [lea], availability: async () => slots });
    renderPane(api);
    await bookOneSlot();
    expect(calls.find((c) => c.name === 'createRdv')!.args[0]).not.toHaveProperty('outlookItem');
    expect(screen.queryByTestId('item-line')).toBeNull();
  });
});
