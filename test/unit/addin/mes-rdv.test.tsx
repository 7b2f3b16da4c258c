/**
 * @jest-environment jsdom
 */
/**
 * Mes RDV, rendered with a fake API and the Office boundary of a plain browser: today's and the week's RDVs with
 * time, motif, place, usagers' names, status and reminder; the Outlook sync line; failures in words.
 */
import { describe, expect, it } from '@jest/globals';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { aDetail, anRdv, fakeApi, networkDown, renderPane } from './fakes';

describe('Mes RDV', () => {
  it('should list today’s and the week’s RDVs with time in Paris, motif, place, usager names, status and reminder', async () => {
    const today = anRdv({ id: 1, startsAt: '2026-12-08T13:30:00.000Z', endsAt: '2026-12-08T13:50:00.000Z' });
    const thursday = anRdv({ id: 2, startsAt: '2026-12-10T08:00:00.000Z', endsAt: '2026-12-10T08:30:00.000Z', motifName: 'Consultation', locationType: 'phone', lieuName: null, status: 'unknown' });
    const { api, calls } = fakeApi({
      listRdvs: async () => [today, thursday],
      getRdv: async (id) => id === 1
        ? aDetail(today, { receipts: [{ id: 1, kind: 'reminder', channel: 'sms', usagerId: 5, status: 'sent', reasonLabel: null, createdAt: '2026-12-06T13:30:00Z' }] })
        : aDetail(thursday, { participants: [{ usagerId: 6, status: 'unknown', firstName: 'Yanis', lastName: 'Roux', phone: null, email: null }] }),
    });
    renderPane(api);
    const list = await screen.findByTestId('mes-rdv-list');
    await within(list).findByText('Léa Martin');
    await within(list).findByText('Yanis Roux');
    expect(within(list).getByText('14:30–14:50')).toBeTruthy(); // 13:30 UTC is 14:30 in Paris, whatever the machine's zone
    expect(within(list).getByText('MDS Châtellerault')).toBeTruthy();
    expect(within(list).getByText('Par téléphone')).toBeTruthy();
    expect(within(list).getByText('Rappel envoyé')).toBeTruthy();
    expect(within(list).getByText('Rappel non envoyé')).toBeTruthy();
    expect(within(list).getAllByText('À venir')).toHaveLength(2);
    const sections = list.querySelectorAll('ul');
    expect(sections[0].textContent).toContain('Léa Martin');
    expect(sections[1].textContent).toContain('Yanis Roux');
    // The week starts at midnight in Paris on the service's today.
    expect(calls.find((c) => c.name === 'listRdvs')!.args[0]).toEqual({ from: '2026-12-08T00:00:00+01:00', to: '2026-12-15T00:00:00+01:00' });
  });

  it('should ask for the reference lists only once the RDVs are listed, so that they do not delay the first screen', async () => {
    let answer!: (list: ReturnType<typeof anRdv>[]) => void;
    const { api, calls } = fakeApi({ listRdvs: () => new Promise((resolve) => { answer = resolve; }) });
    renderPane(api);
    await waitFor(() => expect(calls.map((c) => c.name)).toContain('listRdvs'));
    expect(calls.map((c) => c.name).filter((n) => ['services', 'motifs', 'lieux', 'agents', 'organisations'].includes(n))).toEqual([]);
    answer([anRdv()]);
    await screen.findByTestId('mes-rdv-list');
    await waitFor(() => expect(calls.map((c) => c.name)).toEqual(expect.arrayContaining(['services', 'motifs', 'lieux', 'agents', 'organisations'])));
  });

  it('should say in one line that the Outlook sync is not available when the service has no sync route', async () => {
    renderPane(fakeApi().api);
    expect(await screen.findByText('Synchronisation Outlook non disponible.')).toBeTruthy();
  });

  it('should show the Outlook sync state when the service gives it, in words, with the last round and the last error', async () => {
    renderPane(fakeApi({ mailboxSync: async () => ({
      state: 'connected', lastSuccessAt: '2026-12-08T09:05:00Z', pendingOutboundChanges: 0,
      lastError: 'Microsoft 365 ne répond pas (HTTP 503) : la lecture des changements reprendra automatiquement.',
    }) }).api);
    expect(await screen.findByText('Synchronisation Outlook : connectée, dernière le 8 décembre 2026 à 10:05. '
      + 'Microsoft 365 ne répond pas (HTTP 503) : la lecture des changements reprendra automatiquement.')).toBeTruthy();
  });

  it('should say that the service does not answer, and list the RDVs after a retry', async () => {
    let fail = true;
    renderPane(fakeApi({ listRdvs: async () => { if (fail) throw networkDown(); return [anRdv()]; } }).api);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Le service RDV ne répond pas.');
    fail = false;
    fireEvent.click(within(alert).getByRole('button', { name: 'Réessayer' }));
    expect(await screen.findByText('Léa Martin')).toBeTruthy();
  });

  it('should offer to sign in again when the session has expired', async () => {
    const { ApiError } = await import('../../../addin/src/api/errors');
    renderPane(fakeApi({ listRdvs: async () => { throw new ApiError('expired', 401, 'expired'); } }).api);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Votre session a expiré. Reconnectez-vous pour continuer.');
    expect(within(alert).getByRole('button', { name: 'Se reconnecter' })).toBeTruthy();
  });

  it('should speak English when asked, with the same data', async () => {
    renderPane(fakeApi({ listRdvs: async () => [anRdv()] }).api, { lang: 'en' });
    await screen.findByTestId('mes-rdv-list');
    expect(screen.getByRole('heading', { name: 'My appointments' })).toBeTruthy();
    expect(screen.getByText('Upcoming')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Switch to French' }));
    await waitFor(() => expect(screen.getByRole('heading', { name: 'Mes RDV' })).toBeTruthy());
  });
});
