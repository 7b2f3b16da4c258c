/**
 * The task pane inside Outlook, end to end, in real headless Chromium: the service as a process over HTTPS with its
 * embedded PostgreSQL, the demo data and the Outlook sync running against the Microsoft 365 emulator, the signed-in
 * agent's mailbox connected. Outlook itself is the Office.js stand-in of test/helpers/outlook-host.ts (the pane
 * loads it as Office.js with `?host=outlook`): the agent signs in through the Office dialog and the emulator's
 * Entra sign-in page, and the pane is opened on an appointment of the calendar (read mode) or on a new one
 * (compose mode), whose saving writes into the emulated mailbox as Exchange would.
 * Each scenario checks what the agent sees, what the mailbox holds and, for the link, what the store holds; every
 * screen goes through axe (WCAG 2.1 A and AA), as in addin.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DEMO_AGENTS } from '../../sync-service/src/seed/demo';
import { getEventLink } from '../../sync-service/src/data/sync';
import { RDV_LINK_PROPERTY } from '../../sync-service/src/sync/graph';
import { addinCustomPropertiesId, DEFAULT_ADDIN_ID } from '../../shared/src/sync/addin-item';
import { startAddinWorld, type AddinWorld } from '../helpers/addin-world';
import { axeViolations, chromiumMissingMessage, launchChromium } from '../helpers/chromium';
import { composedItem, ewsIdOf, openPaneInOutlook, serveOfficeStandIn, signInThroughDialog } from '../helpers/outlook-host';
import { eventually } from '../helpers/sync-ops-world';

const TUESDAY_MORNING = '2026-12-08T10:10:00+01:00';
const missing = chromiumMissingMessage();
const describeWithBrowser = missing && !process.env.CI ? describe.skip : describe;
if (missing && !process.env.CI) console.warn(`${missing} The task pane's Outlook end-to-end tests are skipped.`);

type GraphEvent = {
  id: string; subject: string; sensitivity: string; attendees: unknown[];
  start: { dateTime: string }; end: { dateTime: string }; singleValueExtendedProperties?: Array<{ id: string; value: string }>;
};
const utcOf = (t: { dateTime: string }) => new Date(`${t.dateTime.replace(/Z$/, '')}Z`).toISOString();
const propertyOf = (ev: GraphEvent, id: string) => ev.singleValueExtendedProperties?.find((p) => p.id === id)?.value;

describeWithBrowser('the task pane inside Outlook', () => {
  let world: AddinWorld;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page | null = null;
  const claire = DEMO_AGENTS[0];
  const claireName = `${claire.firstName} ${claire.lastName}`;
  let claireId = 0;
  let mailboxUser = '';
  const mailbox = () => world.emulator.control.userEvent(mailboxUser);

  beforeAll(async () => {
    if (missing) throw new Error(missing);
    world = await startAddinWorld({ testClock: TUESDAY_MORNING, sync: true });
    ({ agentId: claireId, userId: mailboxUser } = await world.connectMailbox(claire.email, claire.email));
    browser = await launchChromium(world.caPemPath);
    context = await browser.newContext({ viewport: { width: 320, height: 900 }, locale: 'fr-FR', timezoneId: 'America/New_York' });
    await serveOfficeStandIn(context);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await world?.stop();
  });

  async function openOn(item: Parameters<typeof openPaneInOutlook>[2], saveInto?: string) {
    await page?.close();
    page = await openPaneInOutlook(context, world.paneUrl, item, saveInto ? { emulator: world.emulator, userId: saveInto } : undefined);
    await signInThroughDialog(page, claireName);
    return page;
  }

  /** The store's link of (RDV, Claire) once the outbound sync has written the event. */
  const written = (rdvId: number) => eventually(async () => {
    const link = await getEventLink(world.store(), rdvId, claireId);
    return link?.eventId && link.contentHash ? link : null;
  }, `the event of RDV ${rdvId} written by the sync`, 1500);

  let ours: { rdvId: number; usager: string; motif: string };

  it('should open straight on the RDV detail when opened on one of our events', async () => {
    const motifs = (await world.api(claire.email, 'GET', '/api/config/motifs')).body as Array<{ id: number; name: string; serviceId: number; organisationId: number; collective: boolean; archivedAt: string | null }>;
    const motif = motifs.find((m) => m.serviceId === 1 && m.organisationId === 1 && !m.collective && !m.archivedAt)!;
    const availability = (await world.api(claire.email, 'GET', `/api/availability?motifId=${motif.id}&from=2026-12-08&to=2026-12-21&agentId=${claireId}`)).body;
    const slot = availability.days.flatMap((d: any) => d.lieux.flatMap((l: any) => l.agents.flatMap((a: any) => a.starts.map((s: string) => ({ s, lieuId: l.lieuId })))))[0];
    const usager = (await world.api(claire.email, 'GET', '/api/usagers?q=ma&limit=1')).body[0] as { id: number; firstName: string; lastName: string };
    const booked = await world.api(claire.email, 'POST', '/api/rdvs', { motifId: motif.id, lieuId: slot.lieuId, startsAt: slot.s, agentIds: [claireId], usagerIds: [usager.id] });
    expect(booked.status).toBe(201);
    ours = { rdvId: booked.body.id, usager: `${usager.firstName} ${usager.lastName}`, motif: motif.name };
    const link = await written(ours.rdvId);
    const event = mailbox().get(link.eventId!) as GraphEvent;
    expect(propertyOf(event, RDV_LINK_PROPERTY)).toBe(`${ours.rdvId}/${claireId}`);

    const p = await openOn({ mode: 'read', itemId: ewsIdOf(event.id), subject: event.subject, start: utcOf(event.start), end: utcOf(event.end) });
    await p.getByRole('heading', { name: /RDV du/ }).waitFor();
    await p.getByText('Participants').waitFor();
    expect(await p.getByText(ours.usager).first().isVisible()).toBe(true);
    expect(await p.getByText(ours.motif, { exact: true }).first().isVisible()).toBe(true);
    expect(await p.getByTestId('item-notice').count()).toBe(0);
    expect(await axeViolations(p)).toEqual([]);
  }, 120_000);

  it('should say that a meeting of the calendar is not one of ours, and keep Mes RDV usable', async () => {
    const meeting = await mailbox().create({
      subject: 'Réunion d’équipe', start: { dateTime: '2026-12-09T13:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-12-09T14:00:00', timeZone: 'UTC' },
    }) as GraphEvent;
    const p = await openOn({ mode: 'read', itemId: ewsIdOf(meeting.id), subject: meeting.subject, start: utcOf(meeting.start), end: utcOf(meeting.end) });
    const notice = p.getByTestId('item-notice');
    await notice.waitFor();
    expect(await notice.innerText()).toBe('Cet événement Outlook n’est pas un rendez-vous de RDV Outlook.');
    // Said after reading that very meeting from the agent's calendar (its REST id from the EWS id Outlook gave).
    const reads = world.emulator.control.requestLog({ userId: mailboxUser, kind: 'events.get' });
    expect(reads.some((r) => r.status === 200 && decodeURIComponent(r.path).includes(meeting.id))).toBe(true);
    await p.getByTestId('mes-rdv-list').waitFor();
    expect(await axeViolations(p)).toEqual([]);
    // The list is the agent's as usual: the RDV of the first scenario opens from it.
    await p.getByText(ours.usager).first().click();
    await p.getByRole('heading', { name: /RDV du/ }).waitFor();
    expect(await p.getByText(ours.motif, { exact: true }).first().isVisible()).toBe(true);
  }, 120_000);

  it('should fill, tag and save the appointment being composed, which the sync adopts as the RDV’s only event', async () => {
    const usager = { firstName: 'Léa', lastName: 'Composée' };
    const p = await openOn({ mode: 'compose' }, mailboxUser);
    await p.getByRole('navigation').getByRole('button', { name: 'Prendre RDV' }).click();
    await p.getByRole('button', { name: 'Créer un usager' }).click();
    await p.getByLabel('Prénom').fill(usager.firstName);
    await p.getByRole('textbox', { name: 'Nom', exact: true }).fill(usager.lastName);
    await p.getByRole('textbox', { name: 'Téléphone portable' }).fill('06 12 34 56 79');
    await p.getByRole('button', { name: 'Créer l’usager' }).click();
    await p.getByText(`Usager choisi : ${usager.firstName} ${usager.lastName}`).waitFor();
    await p.getByLabel('2. Service').selectOption({ label: 'Protection maternelle et infantile' });
    await p.getByLabel('3. Motif').selectOption({ index: 1 });
    await p.getByLabel('4. Lieu').selectOption({ index: 1 });
    await p.getByLabel('Agent', { exact: true }).selectOption({ label: claireName });
    const slot = p.getByRole('group', { name: '5. Créneau' }).getByRole('button').first();
    await slot.waitFor();
    await slot.click();
    await p.getByRole('button', { name: 'Confirmer le RDV' }).click();
    await p.getByText(new RegExp(`RDV enregistré pour ${usager.firstName}`)).waitFor();
    const line = p.getByTestId('item-line');
    await line.waitFor();
    expect(await line.innerText()).toBe('Le rendez-vous Outlook ouvert a été rempli et enregistré dans votre calendrier ; il est lié à ce RDV.');
    expect(await axeViolations(p)).toEqual([]);

    const list = (await world.api(claire.email, 'GET', '/api/rdvs?from=2026-12-08T00:00:00%2B01:00&to=2026-12-22T00:00:00%2B01:00')).body as Array<{ id: number; channel: string }>;
    const fromPane = list.filter((r) => r.channel === 'addin');
    expect(fromPane).toHaveLength(1);
    const rdv = (await world.api(claire.email, 'GET', `/api/rdvs/${fromPane[0].id}`)).body as { id: number; startsAt: string; endsAt: string };
    const rdvLink = `${rdv.id}/${claireId}`;

    // What the pane wrote into the appointment: the privacy template's subject (no usager's name), the RDV's times.
    const item = await composedItem(p);
    expect(item).toMatchObject({ start: new Date(rdv.startsAt).toISOString(), end: new Date(rdv.endsAt).toISOString(), customProperties: { rdvLink }, saves: 1 });
    expect(item.subject).not.toBe('');
    expect(item.location).not.toBe('');
    expect(item.subject).not.toMatch(new RegExp(`${usager.firstName}|${usager.lastName}`));

    // The sync adopted the saved item and wrote it as ours: one event at the RDV's times, and the store points at it.
    const link = await written(rdv.id);
    const atRdvTimes = (mailbox().list() as GraphEvent[])
      .filter((e) => utcOf(e.start) === item.start && utcOf(e.end) === item.end);
    expect(atRdvTimes).toHaveLength(1);
    const [event] = atRdvTimes;
    expect(ewsIdOf(event.id)).toBe(item.ewsId);
    expect(mailbox().get(event.id, { immutableId: true })!.id).toBe(link.eventId);
    expect(propertyOf(event, RDV_LINK_PROPERTY)).toBe(rdvLink);
    expect(JSON.parse(propertyOf(event, addinCustomPropertiesId(DEFAULT_ADDIN_ID)) ?? '{}')).toEqual({ rdvLink });
    expect(event.sensitivity).toBe('private');
    expect(event.attendees).toEqual([]);
    expect(event.subject).toBe(item.subject);
    const status = (await world.api(claire.email, 'GET', `/api/sync/mailboxes/${claireId}`)).body;
    expect(status).toMatchObject({ connected: true, pendingOutboundChanges: 0, lastError: null });
  }, 150_000);
});
