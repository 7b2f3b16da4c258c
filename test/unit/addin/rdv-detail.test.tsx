/**
 * @jest-environment jsdom
 */
/** The RDV detail with a fake API: participants, history, messages; mark seen; cancel only with a reason; move. */
import { describe, expect, it } from '@jest/globals';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { aDetail, anRdv, fakeApi, renderPane } from './fakes';

async function openFirst() {
  fireEvent.click(await screen.findByRole('button', { name: /Ouvrir le RDV de 14:30/ }));
  await screen.findByRole('heading', { name: /RDV du/ });
}

describe('the RDV detail', () => {
  it('should show participants with phone and email, the history and the messages sent', async () => {
    const r = anRdv();
    const { api } = fakeApi({
      listRdvs: async () => [r],
      getRdv: async () => aDetail(r, { receipts: [{ id: 1, kind: 'confirmation', channel: 'sms', usagerId: 5, status: 'sent', reasonLabel: null, createdAt: '2026-12-01T09:00:05Z' }] }),
    });
    renderPane(api);
    await openFirst();
    expect(await screen.findByRole('link', { name: '+33612345678' })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'lea@example.org' })).toBeTruthy();
    expect(screen.getByText(/Créé par Claire Morand/)).toBeTruthy();
    expect(screen.getByText(/Confirmation \(SMS\) : envoyé/)).toBeTruthy();
  });

  it('should mark the RDV seen and say so', async () => {
    const r = anRdv();
    let status: 'unknown' | 'seen' = 'unknown';
    const { api, calls } = fakeApi({ listRdvs: async () => [r], getRdv: async () => aDetail({ ...r, status }), setStatus: async () => { status = 'seen'; return {}; } });
    renderPane(api);
    await openFirst();
    fireEvent.click(await screen.findByRole('button', { name: 'Marquer vu' }));
    expect(await screen.findByText('Modification enregistrée : Vu.')).toBeTruthy();
    await waitFor(() => expect(screen.getByTestId('detail-status').textContent).toBe('Vu'));
    expect(calls.find((c) => c.name === 'setStatus')!.args).toEqual([10, 'seen']);
  });

  it('should not cancel without a reason, then cancel with the reason given', async () => {
    const r = anRdv();
    const { api, calls } = fakeApi({ listRdvs: async () => [r], getRdv: async () => aDetail(r) });
    renderPane(api);
    await openFirst();
    fireEvent.click(await screen.findByRole('button', { name: 'Annuler le RDV' }));
    fireEvent.click(screen.getByRole('button', { name: 'Confirmer l’annulation' }));
    expect(calls.some((c) => c.name === 'cancel')).toBe(false);
    fireEvent.change(screen.getByRole('textbox', { name: /Raison de l’annulation/ }), { target: { value: 'Enfant malade' } });
    fireEvent.click(screen.getByRole('button', { name: 'Confirmer l’annulation' }));
    await waitFor(() => expect(calls.find((c) => c.name === 'cancel')?.args).toEqual([10, { status: 'excused', reason: 'Enfant malade' }]));
  });

  it('should move the RDV to a free slot of its motif', async () => {
    const r = anRdv();
    const { api, calls } = fakeApi({
      listRdvs: async () => [r], getRdv: async () => aDetail(r),
      availability: async () => ({ motifId: 2, collective: false, timeZone: 'Europe/Paris', durationMinutes: 20, days: [{ day: '2026-12-10', lieux: [{ lieuId: 1, agents: [{ agentId: 1, starts: ['2026-12-10T09:00:00.000Z'] }] }] }] }),
    });
    renderPane(api);
    await openFirst();
    fireEvent.click(await screen.findByRole('button', { name: 'Déplacer' }));
    fireEvent.click(await screen.findByRole('button', { name: '10:00 avec Claire Morand' }));
    fireEvent.click(screen.getByRole('button', { name: /Déplacer au jeu\. 10 déc\., 10:00/ }));
    expect(await screen.findByText('Modification enregistrée : Déplacé.')).toBeTruthy();
    expect(calls.find((c) => c.name === 'move')!.args).toEqual([10, { startsAt: '2026-12-10T09:00:00.000Z', agentIds: [1], lieuId: 1 }]);
    expect(calls.find((c) => c.name === 'availability')!.args[0]).toEqual({ motifId: 2, from: '2026-12-08', to: '2026-12-21', lieuId: 1 });
  });
});
