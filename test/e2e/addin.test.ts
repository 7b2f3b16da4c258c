/**
 * The task pane end to end, in real headless Chromium (Debian's, driven by playwright-core) against the service
 * as a process over HTTPS, its embedded PostgreSQL with the demo data, and the Microsoft 365 emulator's sign-in:
 * an agent signs in, books an RDV for a new usager, sees it in Mes RDV, marks it seen once it has started, moves
 * another one, and is told in words when another agent took the slot meanwhile. Every screen is checked with axe
 * (WCAG 2.1 A and AA) at the pane's 320 px width, one also in dark mode, and saved as a screenshot under
 * .data/artefacts/addin/.
 * Chromium trusts our local CA through its SPKI hash (test/helpers/chromium.ts); no certificate error is ignored.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DEMO_AGENTS } from '../../sync-service/src/seed/demo';
import { startAddinWorld, type AddinWorld } from '../helpers/addin-world';
import { axeViolations, chromiumMissingMessage, launchChromium } from '../helpers/chromium';

const ARTEFACTS = path.resolve('.data/artefacts/addin');
const TUESDAY_MORNING = '2026-12-08T10:10:00+01:00';
const missing = chromiumMissingMessage();
// In CI a missing browser is a failure with the command to fix it; on a developer's machine, a clear skip.
const describeWithBrowser = missing && !process.env.CI ? describe.skip : describe;
if (missing && !process.env.CI) console.warn(`${missing} The task pane's end-to-end tests are skipped.`);

describeWithBrowser('the task pane in a browser', () => {
  let world: AddinWorld;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const claire = DEMO_AGENTS[0];
  const newUsager = { firstName: 'Inès', lastName: `Navigateur${Date.now() % 100000}` };
  let bookedSlotStart = '';

  async function shot(name: string) {
    await page.screenshot({ path: path.join(ARTEFACTS, `${name}.png`), fullPage: true });
  }

  beforeAll(async () => {
    if (missing) throw new Error(missing);
    mkdirSync(ARTEFACTS, { recursive: true });
    world = await startAddinWorld({ testClock: TUESDAY_MORNING });
    browser = await launchChromium(world.caPemPath);
    context = await browser.newContext({ viewport: { width: 320, height: 900 }, locale: 'fr-FR', timezoneId: 'America/New_York' });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await world?.stop();
  });

  it('should sign an agent in through the Entra sign-in page and list their RDVs of today and the week', async () => {
    await page.goto(world.paneUrl);
    await page.getByRole('button', { name: 'Se connecter' }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await shot('01-sign-in');
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.getByRole('button', { name: new RegExp(`${claire.firstName} ${claire.lastName}`) }).click();
    await page.getByTestId('mes-rdv-list').waitFor();
    await expect(page.getByText(`Connecté en tant que ${claire.firstName} ${claire.lastName}`).isVisible()).resolves.toBe(true);
    expect(await page.getByRole('heading', { name: 'Aujourd’hui' }).isVisible()).toBe(true);
    expect(await page.getByText('Synchronisation Outlook non disponible.').isVisible()).toBe(true);
    // The token stays out of localStorage.
    expect(await page.evaluate(() => Object.keys(localStorage).length)).toBe(0);
    expect(await axeViolations(page)).toEqual([]);
    await shot('02-mes-rdv');
  }, 90_000);

  it('should book an RDV for a new usager, showing the messages that will go out before confirming', async () => {
    await page.getByRole('navigation').getByRole('button', { name: 'Prendre RDV' }).click();
    await page.getByRole('button', { name: 'Créer un usager' }).click();
    await page.getByLabel('Prénom').fill(newUsager.firstName);
    await page.getByRole('textbox', { name: 'Nom', exact: true }).fill(newUsager.lastName);
    await page.getByRole('textbox', { name: 'Téléphone portable' }).fill('06 12 34 56 78');
    await page.getByRole('textbox', { name: 'E-mail' }).fill('ines.navigateur@example.org');
    await page.getByRole('button', { name: 'Créer l’usager' }).click();
    await page.getByText(`Usager choisi : ${newUsager.firstName} ${newUsager.lastName}`).waitFor();
    await page.getByLabel('2. Service').selectOption({ label: 'Protection maternelle et infantile' });
    await page.getByLabel('3. Motif').selectOption({ index: 1 });
    await page.getByLabel('4. Lieu').selectOption({ index: 1 });
    const firstSlot = page.getByRole('group', { name: '5. Créneau' }).getByRole('button').first();
    await firstSlot.waitFor();
    await firstSlot.click();
    const planned = page.getByTestId('planned-messages');
    await planned.waitFor();
    expect(await planned.innerText()).toContain('Confirmation par SMS');
    expect(await planned.innerText()).toContain('Confirmation par e-mail');
    expect(await axeViolations(page)).toEqual([]);
    await shot('03-prendre-rdv');
    await page.getByRole('button', { name: 'Confirmer le RDV' }).click();
    await page.getByText(/RDV enregistré pour Inès/).waitFor();
    await shot('04-booked');

    const token = await world.tokenFor(claire.email);
    const list = await (await fetch(`${world.baseUrl}/api/rdvs?from=2026-12-08T00:00:00%2B01:00&to=2026-12-22T00:00:00%2B01:00`, { headers: { authorization: `Bearer ${token}` } })).json() as Array<{ id: number; startsAt: string; channel: string }>;
    const booked = list.filter((r) => r.channel === 'addin');
    expect(booked).toHaveLength(1);
    bookedSlotStart = booked[0].startsAt;
  }, 90_000);

  it('should show the new RDV with the usager’s name in Mes RDV', async () => {
    await page.getByRole('navigation').getByRole('button', { name: 'Mes RDV' }).click();
    await page.getByTestId('mes-rdv-list').waitFor();
    await page.getByText(`${newUsager.firstName} ${newUsager.lastName}`).waitFor();
  }, 60_000);

  it('should mark the RDV seen once it has started', async () => {
    // The service's clock moves to 5 minutes into the booked RDV (its data kept); the pane reads it at load.
    await world.restartAt(new Date(Date.parse(bookedSlotStart) + 5 * 60_000).toISOString());
    await page.reload();
    await page.getByText(`${newUsager.firstName} ${newUsager.lastName}`).click();
    await page.getByRole('heading', { name: /RDV du/ }).waitFor();
    await page.getByText('Participants').waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await shot('05-detail');
    await page.getByRole('button', { name: 'Marquer vu' }).click();
    await page.getByText('Modification enregistrée : Vu.').waitFor();
    expect(await page.getByTestId('detail-status').innerText()).toBe('Vu');
    await page.getByText(/Statut modifié par|Créé par/).first().waitFor();
  }, 120_000);

  it('should move another RDV to a free slot', async () => {
    await page.getByRole('button', { name: 'Retour à mes RDV' }).click();
    await page.getByTestId('mes-rdv-list').waitFor();
    const upcoming = page.getByRole('button', { name: /À venir/ }).first();
    await upcoming.click();
    await page.getByRole('button', { name: 'Déplacer' }).click();
    const slot = page.getByRole('group', { name: 'Choisir un nouveau créneau' }).getByRole('button').first();
    await slot.waitFor();
    await slot.click();
    await page.getByRole('button', { name: /Déplacer au/ }).click();
    await page.getByText('Modification enregistrée : Déplacé.').waitFor();
    await shot('06-moved');
  }, 90_000);

  it('should explain a conflict when another agent takes the chosen slot first, and offer the slots again', async () => {
    await page.getByRole('navigation').getByRole('button', { name: 'Prendre RDV' }).click();
    await page.getByLabel('Rechercher un usager (nom, 2 lettres minimum)').fill(newUsager.lastName.slice(0, 8));
    await page.getByRole('button', { name: new RegExp(newUsager.lastName) }).click();
    await page.getByLabel('2. Service').selectOption({ label: 'Protection maternelle et infantile' });
    await page.getByLabel('3. Motif').selectOption({ index: 1 });
    await page.getByLabel('4. Lieu').selectOption({ index: 1 });
    const firstSlot = page.getByRole('group', { name: '5. Créneau' }).getByRole('button').first();
    await firstSlot.waitFor();
    const label = (await firstSlot.innerText()).trim();
    await firstSlot.click();
    // Meanwhile another agent of the organisation books that very slot through the API.
    const mine = await world.tokenFor(claire.email);
    const agents = await (await fetch(`${world.baseUrl}/api/config/agents`, { headers: { authorization: `Bearer ${mine}` } })).json() as Array<{ id: number; email: string; organisationId: number }>;
    const other = agents.find((a) => a.email !== claire.email && a.organisationId === 1)!;
    const otherToken = await world.tokenFor(other.email);
    const motifs = await (await fetch(`${world.baseUrl}/api/config/motifs`, { headers: { authorization: `Bearer ${mine}` } })).json() as Array<{ id: number; serviceId: number; collective: boolean; archivedAt: string | null }>;
    const motif = motifs.filter((m) => m.serviceId === 1 && !m.collective && !m.archivedAt)[0];
    const day = await (await fetch(`${world.baseUrl}/api/availability?motifId=${motif.id}&from=${bookedSlotStart.slice(0, 10)}&to=2026-12-21&lieuId=1`, { headers: { authorization: `Bearer ${mine}` } })).json() as any;
    const slots = day.days.flatMap((d: any) => d.lieux.flatMap((l: any) => l.agents.flatMap((a: any) => a.starts.map((s: string) => ({ s, agentId: a.agentId, lieuId: l.lieuId })))))
      .sort((a: any, b: any) => a.s.localeCompare(b.s) || a.agentId - b.agentId);
    const taken = slots[0];
    expect(label).toContain(new Intl.DateTimeFormat('fr-FR', { hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Paris' }).format(new Date(taken.s)));
    const someone = (await (await fetch(`${world.baseUrl}/api/usagers?q=ma&limit=1`, { headers: { authorization: `Bearer ${otherToken}` } })).json() as Array<{ id: number }>)[0];
    const res = await fetch(`${world.baseUrl}/api/rdvs`, {
      method: 'POST', headers: { authorization: `Bearer ${otherToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ motifId: motif.id, lieuId: taken.lieuId, startsAt: taken.s, agentIds: [taken.agentId], usagerIds: [someone.id] }),
    });
    expect(agents.length).toBeGreaterThan(0);
    expect({ status: res.status, body: await res.json() }).toMatchObject({ status: 201 });
    await page.getByRole('button', { name: 'Confirmer le RDV' }).click();
    await page.getByText('Ce créneau vient d’être pris par un autre RDV. Choisissez un autre créneau dans la liste, qui a été mise à jour.').waitFor();
    expect(await page.getByRole('alert').count()).toBeGreaterThan(0);
    await page.getByRole('group', { name: '5. Créneau' }).getByRole('button').first().waitFor();
    expect((await page.getByRole('group', { name: '5. Créneau' }).getByRole('button').first().innerText()).trim()).not.toBe(label);
    expect(await axeViolations(page)).toEqual([]);
    await shot('07-conflict');
  }, 90_000);

  it('should have no accessibility violation in dark mode and in English', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.getByRole('navigation').getByRole('button', { name: 'Mes RDV' }).click();
    await page.getByTestId('mes-rdv-list').waitFor();
    await page.getByRole('button', { name: 'Passer en anglais' }).click();
    await page.getByRole('heading', { name: 'My appointments' }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await shot('08-dark-english');
    await page.emulateMedia({ colorScheme: 'light' });
  }, 60_000);
});
