/**
 * @jest-environment jsdom
 */
/** Keyboard only: every action is reachable with Tab and done with Enter or Space, and focus lands where one reads. */
import { describe, expect, it } from '@jest/globals';
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { anRdv, fakeApi, renderPane } from './fakes';

async function tabTo(user: ReturnType<typeof userEvent.setup>, name: RegExp | string, max = 30) {
  for (let i = 0; i < max; i++) {
    await user.tab();
    const el = document.activeElement as HTMLElement | null;
    const label = el?.getAttribute('aria-label') ?? el?.textContent ?? '';
    if (typeof name === 'string' ? label === name : name.test(label)) return el!;
  }
  throw new Error(`could not reach ${name} with Tab`);
}

describe('the pane with the keyboard only', () => {
  it('should open an RDV with Tab and Enter, put the focus on its title, and come back', async () => {
    const user = userEvent.setup();
    renderPane(fakeApi({ listRdvs: async () => [anRdv()] }).api);
    await screen.findByText('Léa Martin');
    await tabTo(user, /^Ouvrir le RDV de 14:30/);
    await user.keyboard('{Enter}');
    const title = await screen.findByRole('heading', { name: /RDV du/ });
    expect(document.activeElement).toBe(title);
    await user.tab({ shift: true });
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Retour à mes RDV' }));
    await user.keyboard('{Enter}');
    expect(await screen.findByTestId('mes-rdv-list')).toBeTruthy();
  });

  it('should reach the booking section and its first field with Tab', async () => {
    const user = userEvent.setup();
    renderPane(fakeApi().api);
    await screen.findByTestId('mes-rdv-list');
    await tabTo(user, 'Prendre RDV');
    await user.keyboard(' ');
    await screen.findByRole('heading', { name: 'Prendre RDV' });
    await user.tab();
    expect(document.activeElement).toBe(screen.getByLabelText('Rechercher un usager (nom, 2 lettres minimum)'));
  });
});
