/**
 * Outlook around the task pane, for end-to-end tests in Chromium. The pane loads Office.js from Microsoft's CDN
 * when it runs inside Outlook (`?host=outlook`, addin/src/office/load-office.ts); the browser context answers that
 * URL with outlook-office.js, a stand-in that behaves like Outlook's Office.js for what the pane uses. The test says
 * which item the pane is opened on; in compose mode, the item Outlook saves is written into the agent's emulated
 * mailbox as Exchange would (the add-in's custom properties as the `cecp-<add-in id>` extended property).
 */
import { readFileSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { OFFICE_JS_URL } from '../../addin/src/office/load-office';
import { addinCustomPropertiesId, DEFAULT_ADDIN_ID } from '../../shared/src/sync/addin-item';
import type { Emulator } from '../m365-emulator';

const STAND_IN = readFileSync(new URL('./outlook-office.js', import.meta.url), 'utf8');

/** Every page of the context (the pane and its sign-in dialog) gets the stand-in in place of Office.js. */
export async function serveOfficeStandIn(context: BrowserContext): Promise<void> {
  await context.route(OFFICE_JS_URL, (route) => route.fulfill({ status: 200, contentType: 'text/javascript; charset=utf-8', body: STAND_IN }));
}

/**
 * Outlook hands add-ins EWS ids; Graph's REST ids are their URL-safe base64 form ('+' → '-', '/' → '_', see
 * outlook-office.js), which the stand-in's convertToRestId undoes.
 */
export const ewsIdOf = (restId: string) => restId.replace(/-/g, '+').replace(/_/g, '/');
const restIdOf = (ewsId: string) => ewsId.replace(/\+/g, '-').replace(/\//g, '_');

export type OutlookItem =
  | { mode: 'read'; itemId: string; subject: string; start: string; end: string; location?: string }
  | { mode: 'compose' };

/** What the stand-in's compose item holds (and hands to Exchange on saveAsync). */
export interface ComposedItem {
  subject: string;
  location: string;
  start: string | null;
  end: string | null;
  customProperties: Record<string, string>;
  /** EWS id once saved. */
  ewsId: string | null;
  saves?: number;
}

/** The compose item as the page holds it now. */
export function composedItem(page: Page): Promise<ComposedItem> {
  return page.evaluate(() => ({ ...(window as any).__outlookItemState }));
}

/**
 * Exchange saving an appointment for Outlook: created in (or, saved again, updated in) the owner's calendar, where
 * the add-in's custom properties are one JSON string property ([MS-OXCEXT] 2.2.5). Answers the item's EWS id.
 */
async function saveInMailbox(emulator: Emulator, userId: string, item: ComposedItem): Promise<string> {
  if (!item.start || !item.end) throw new Error('un rendez-vous a besoin d’un début et d’une fin');
  const utc = (iso: string) => ({ dateTime: iso.replace(/Z$/, ''), timeZone: 'UTC' });
  const props = Object.keys(item.customProperties).length
    ? [{ id: addinCustomPropertiesId(DEFAULT_ADDIN_ID), value: JSON.stringify(item.customProperties) }] : [];
  const body = { subject: item.subject, start: utc(item.start), end: utc(item.end), location: { displayName: item.location }, singleValueExtendedProperties: props };
  const events = emulator.control.userEvent(userId);
  const saved = item.ewsId ? await events.update(restIdOf(item.ewsId), body) : await events.create(body);
  return ewsIdOf(String(saved.id));
}

/**
 * A new page showing the pane inside Outlook, opened on `item`; in compose mode, saving writes into the mailbox of
 * `mailbox.userId`. The pane is not signed in yet (see signInThroughDialog).
 */
export async function openPaneInOutlook(context: BrowserContext, paneUrl: string, item: OutlookItem, mailbox?: { emulator: Emulator; userId: string }): Promise<Page> {
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  await page.addInitScript((it) => { (window as any).__outlookItem = it; }, item);
  if (mailbox) await page.exposeFunction('__outlookSaveItem', (saved: ComposedItem) => saveInMailbox(mailbox.emulator, mailbox.userId, saved));
  await page.goto(`${paneUrl}?host=outlook`);
  return page;
}

/**
 * Signs the agent in as Outlook without nested app authentication does: "Se connecter" opens the Office dialog (a
 * popup on the pane's sign-in page), the agent picks their account on the Entra sign-in page, and the dialog hands
 * the token back to the pane.
 */
export async function signInThroughDialog(page: Page, agentName: string): Promise<void> {
  const [dialog] = await Promise.all([page.waitForEvent('popup'), page.getByRole('button', { name: 'Se connecter' }).click()]);
  await dialog.getByRole('button', { name: new RegExp(agentName) }).click();
  await page.getByText(`Connecté en tant que ${agentName}`).waitFor();
  if (!dialog.isClosed()) await dialog.waitForEvent('close');
}
