/**
 * @jest-environment jsdom
 */
/**
 * Prendre RDV with a fake API: search as you type, creation checked with the shared schema, service → motif →
 * lieu → slot, the messages that will go out, confirmation with an Idempotency-Key, and a slot taken meanwhile
 * explained with the slots read again.
 */
import { describe, expect, it } from '@jest/globals';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { ApiError } from '../../../addin/src/api/errors';
import type { Availability, Usager } from '../../../addin/src/api/types';
import { fakeApi, renderPane } from './fakes';

const lea: Usager = { id: 5, firstName: 'Léa', lastName: 'Martin', birthDate: '1990-04-02', phone: '+33612345678', email: null, notifyBySms: true, notifyByEmail: true };
const slots = (starts: string[]): Availability => ({
  motifId: 2, collective: false, timeZone: 'Europe/Paris', durationMinutes: 20,
  days: [{ day: '2026-12-09', lieux: [{ lieuId: 1, agents: [{ agentId: 2, starts }] }] }],
});

async function openBooking() {
  fireEvent.click(await screen.findByRole('button', { name: 'Prendre RDV' }));
  await screen.findByRole('heading', { name: 'Prendre RDV' });
}

async function chooseMotifAndPlace() {
  fireEvent.change(screen.getByLabelText('2. Service'), { target: { value: '1' } });
  fireEvent.change(screen.getByLabelText('3. Motif'), { target: { value: '2' } });
  fireEvent.change(screen.getByLabelText('4. Lieu'), { target: { value: '1' } });
}

describe('Prendre RDV', () => {
  it('should search usagers as the agent types, once the typing pauses, from 2 letters', async () => {
    const { api, calls } = fakeApi({ searchUsagers: async () => [lea] });
    renderPane(api);
    await openBooking();
    const search = screen.getByLabelText('Rechercher un usager (nom, 2 lettres minimum)');
    fireEvent.change(search, { target: { value: 'm' } });
    fireEvent.change(search, { target: { value: 'ma' } });
    fireEvent.change(search, { target: { value: 'mar' } });
    expect(await screen.findByRole('button', { name: 'Léa Martin (02/04/1990)' })).toBeTruthy();
    expect(calls.filter((c) => c.name === 'searchUsagers').map((c) => c.args[0])).toEqual(['mar']);
    expect(screen.getByText('1 usager(s) trouvé(s)')).toBeTruthy();
  });

  it('should refuse to create an usager with an invalid email, naming the field, without calling the service', async () => {
    const { api, calls } = fakeApi();
    renderPane(api);
    await openBooking();
    fireEvent.click(screen.getByRole('button', { name: 'Créer un usager' }));
    fireEvent.change(screen.getByRole('textbox', { name: 'Prénom' }), { target: { value: 'Inès' } });
    fireEvent.change(screen.getByRole('textbox', { name: 'Nom' }), { target: { value: 'Roux' } });
    fireEvent.change(screen.getByRole('textbox', { name: 'E-mail' }), { target: { value: 'ines@' } });
    fireEvent.click(screen.getByRole('button', { name: 'Créer l’usager' }));
    const email = screen.getByRole('textbox', { name: 'E-mail' });
    await waitFor(() => expect(email.getAttribute('aria-invalid')).toBe('true'));
    expect(calls.some((c) => c.name === 'createUsager')).toBe(false);
  });

  it('should book the chosen slot with an Idempotency-Key after showing the messages that will go out', async () => {
    const { api, calls } = fakeApi({ searchUsagers: async () => [lea], availability: async () => slots(['2026-12-09T08:00:00.000Z', '2026-12-09T08:20:00.000Z']) });
    renderPane(api);
    await openBooking();
    fireEvent.change(screen.getByLabelText('Rechercher un usager (nom, 2 lettres minimum)'), { target: { value: 'martin' } });
    fireEvent.click(await screen.findByRole('button', { name: /Léa Martin/ }));
    await chooseMotifAndPlace();
    fireEvent.click(await screen.findByRole('button', { name: '09:00 avec Paul Durand' }));
    const planned = await screen.findByTestId('planned-messages');
    await waitFor(() => expect(planned.textContent).toContain('Confirmation par SMS'));
    expect(planned.textContent).toContain('Confirmation par e-mail : non (aucune adresse e-mail)');
    expect(planned.textContent).toContain('Rappel par SMS');
    fireEvent.click(screen.getByRole('button', { name: 'Confirmer le RDV' }));
    expect(await screen.findByText('RDV enregistré pour Léa Martin le mer. 9 déc., 09:00.')).toBeTruthy();
    const booking = calls.find((c) => c.name === 'createRdv')!;
    expect(booking.args).toEqual([{ motifId: 2, lieuId: 1, startsAt: '2026-12-09T08:00:00.000Z', agentIds: [2], usagerIds: [5], channel: 'addin' }, 'key-1']);
  });

  it('should explain a slot taken meanwhile, read the slots again, and book the next one with a new key', async () => {
    let round = 0;
    const { api, calls } = fakeApi({
      searchUsagers: async () => [lea],
      availability: async () => (round === 0 ? slots(['2026-12-09T08:00:00.000Z', '2026-12-09T08:20:00.000Z']) : slots(['2026-12-09T08:20:00.000Z'])),
      createRdv: async () => { if (round++ === 0) throw new ApiError('conflict', 409, 'Créneau déjà pris', 'rdv_conflict'); return { id: 12 }; },
    });
    renderPane(api);
    await openBooking();
    fireEvent.change(screen.getByLabelText('Rechercher un usager (nom, 2 lettres minimum)'), { target: { value: 'martin' } });
    fireEvent.click(await screen.findByRole('button', { name: /Léa Martin/ }));
    await chooseMotifAndPlace();
    fireEvent.click(await screen.findByRole('button', { name: '09:00 avec Paul Durand' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Confirmer le RDV' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('Ce créneau vient d’être pris par un autre RDV. Choisissez un autre créneau dans la liste, qui a été mise à jour.');
    await waitFor(() => expect(screen.queryByRole('button', { name: '09:00 avec Paul Durand' })).toBeNull());
    fireEvent.click(await screen.findByRole('button', { name: '09:20 avec Paul Durand' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Confirmer le RDV' }));
    await screen.findByText(/RDV enregistré pour Léa Martin/);
    expect(calls.filter((c) => c.name === 'createRdv').map((c) => c.args[1])).toEqual(['key-1', 'key-2']);
    expect(calls.filter((c) => c.name === 'availability')).toHaveLength(2);
  });

  it('should say when no slot is free for these choices', async () => {
    renderPane(fakeApi().api);
    await openBooking();
    await chooseMotifAndPlace();
    expect(await screen.findByText('Aucun créneau libre dans les 14 prochains jours pour ces choix.')).toBeTruthy();
    void within;
  });
});
