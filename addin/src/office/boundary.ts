/**
 * The one place that calls Office.js. Every call is wrapped in a promise that rejects when Office reports a
 * failure (asyncResult.status === "failed"): an error thrown inside an Office callback would be lost. Components
 * receive an OfficeBoundary (through OfficeProvider) and never touch `Office` themselves, so unit tests give them
 * a fake and the pane runs in a plain browser, where the boundary says that no Outlook item is present.
 *
 * Only the few Office.js shapes used here are typed (no @types/office-js dependency).
 */

/** What the pane knows of the Outlook item it was opened on. */
export type OutlookItem =
  | { kind: 'none' }
  | { kind: 'appointment-compose' }
  /** `restId`: the item's id for the service (Graph's REST id, from convertToRestId); null when Outlook cannot give it. */
  | { kind: 'appointment-read'; itemId: string; restId: string | null; subject: string }
  | { kind: 'message-read'; itemId: string; subject: string };

export interface OfficeBoundary {
  /** True inside an Office host (Office.js loaded and ready). */
  readonly inOutlook: boolean;
  /** Outlook's display language (e.g. "fr-FR"), or null outside Outlook. */
  displayLanguage(): string | null;
  /** True when Office's theme has a dark body background; null when Office gives no theme. */
  prefersDarkTheme(): boolean | null;
  isSetSupported(name: string, version: string): boolean;
  currentItem(): OutlookItem;
  /** Fills the appointment being composed (subject, times, location). */
  fillAppointment(fields: { subject: string; start: Date; end: Date; location: string }): Promise<void>;
  /**
   * Sets one of the add-in's custom properties on the appointment being composed, then saves it to the calendar
   * (appointments have no drafts). Resolves with the saved item's REST id, the one the service reads it by.
   */
  tagAndSaveAppointment(property: { name: string; value: string }): Promise<string>;
  /** Opens an Office dialog on `url` and resolves with the first message it sends back (sign-in fallback). */
  dialogMessage(url: string): Promise<string>;
}

/** Minimal Office.js shapes used below. */
interface AsyncResult<T> { status: 'succeeded' | 'failed'; value: T; error?: { code?: number; message?: string } }
type Callback<T> = (r: AsyncResult<T>) => void;
interface CustomProperties { set(name: string, value: string): void; saveAsync(cb: Callback<void>): void }
interface OfficeDialog { addEventHandler(type: string, handler: (arg: { message?: string; error?: number }) => void): void; close(): void }
export interface OfficeLike {
  context: {
    displayLanguage?: string;
    officeTheme?: { bodyBackgroundColor?: string };
    requirements: { isSetSupported(name: string, version?: string): boolean };
    mailbox?: { item?: any; convertToRestId?(itemId: string, restVersion: string): string };
    ui: {
      displayDialogAsync(url: string, options: Record<string, unknown>, cb: Callback<OfficeDialog>): void;
      messageParent?(message: string): void;
    };
  };
  EventType?: { DialogMessageReceived: string; DialogEventReceived: string };
  MailboxEnums?: { RestVersion: { v2_0: string } };
}

/** Wraps one callback-style Office call in a promise that rejects on failure, with Office's message. */
export function officeCall<T>(what: string, call: (cb: Callback<T>) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    try {
      call((r) => {
        if (r.status === 'failed') reject(new OfficeCallError(what, r.error?.message ?? 'échec sans message', r.error?.code));
        else resolve(r.value);
      });
    } catch (err) {
      reject(new OfficeCallError(what, (err as Error).message));
    }
  });
}

export class OfficeCallError extends Error {
  constructor(readonly operation: string, message: string, readonly code?: number) {
    super(`${operation}: ${message}`);
    this.name = 'OfficeCallError';
  }
}

/** Perceived luminance of a #rrggbb colour below one half: a dark theme. */
function isDark(hex: string | undefined): boolean | null {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex ?? '');
  if (!m) return null;
  const [r, g, b] = m.slice(1).map((x) => parseInt(x, 16) / 255);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.5;
}

/** The boundary in a plain browser (the demo, the tests): no Outlook, no item. */
export const browserBoundary: OfficeBoundary = {
  inOutlook: false,
  displayLanguage: () => null,
  prefersDarkTheme: () => null,
  isSetSupported: () => false,
  currentItem: () => ({ kind: 'none' }),
  fillAppointment: () => Promise.reject(new OfficeCallError('fillAppointment', 'aucun élément Outlook ouvert')),
  tagAndSaveAppointment: () => Promise.reject(new OfficeCallError('saveAsync', 'aucun élément Outlook ouvert')),
  dialogMessage: () => Promise.reject(new OfficeCallError('displayDialogAsync', 'hors d’Outlook')),
};

export function officeBoundary(office: OfficeLike): OfficeBoundary {
  const item = () => office.context.mailbox?.item;
  /** Outlook's ids are EWS ids; the service reads items through Graph, which wants REST ids (Mailbox 1.3). */
  const restId = (ewsId: string): string | null => {
    const mailbox = office.context.mailbox;
    if (!mailbox?.convertToRestId || !ewsId) return null;
    try {
      return mailbox.convertToRestId(ewsId, office.MailboxEnums?.RestVersion.v2_0 ?? 'v2.0');
    } catch {
      return null;
    }
  };
  const composing = (operation: string) => {
    const it = item();
    if (!it || it.itemType !== 'appointment' || typeof it.subject === 'string') throw new OfficeCallError(operation, 'aucun rendez-vous en cours de rédaction');
    return it;
  };
  return {
    inOutlook: true,
    displayLanguage: () => office.context.displayLanguage ?? null,
    prefersDarkTheme: () => isDark(office.context.officeTheme?.bodyBackgroundColor),
    isSetSupported: (name, version) => office.context.requirements.isSetSupported(name, version),
    currentItem() {
      const it = item();
      if (!it) return { kind: 'none' };
      if (it.itemType === 'appointment') {
        // In compose mode `subject` is an object with getAsync; in read mode, a string.
        return typeof it.subject === 'string'
          ? { kind: 'appointment-read', itemId: it.itemId, restId: restId(it.itemId), subject: it.subject }
          : { kind: 'appointment-compose' };
      }
      return typeof it.subject === 'string' ? { kind: 'message-read', itemId: it.itemId, subject: it.subject } : { kind: 'none' };
    },
    async fillAppointment(f) {
      const it = composing('fillAppointment');
      await officeCall<void>('subject.setAsync', (cb) => it.subject.setAsync(f.subject, cb));
      await officeCall<void>('start.setAsync', (cb) => it.start.setAsync(f.start, cb));
      await officeCall<void>('end.setAsync', (cb) => it.end.setAsync(f.end, cb));
      await officeCall<void>('location.setAsync', (cb) => it.location.setAsync(f.location, cb));
    },
    async tagAndSaveAppointment(property) {
      const it = composing('saveAsync');
      const props = await officeCall<CustomProperties>('loadCustomPropertiesAsync', (cb) => it.loadCustomPropertiesAsync(cb));
      props.set(property.name, property.value);
      await officeCall<void>('customProperties.saveAsync', (cb) => props.saveAsync(cb));
      const itemId = await officeCall<string>('saveAsync', (cb) => it.saveAsync(cb));
      const id = restId(itemId);
      if (!id) throw new OfficeCallError('convertToRestId', 'identifiant de l’élément enregistré illisible');
      return id;
    },
    async dialogMessage(url) {
      const dialog = await officeCall<OfficeDialog>('displayDialogAsync', (cb) => office.context.ui.displayDialogAsync(url, { height: 60, width: 30, promptBeforeOpen: false }, cb));
      return new Promise<string>((resolve, reject) => {
        dialog.addEventHandler(office.EventType?.DialogMessageReceived ?? 'dialogMessageReceived', (arg) => { dialog.close(); resolve(arg.message ?? ''); });
        dialog.addEventHandler(office.EventType?.DialogEventReceived ?? 'dialogEventReceived', (arg) => reject(new OfficeCallError('dialog', `fermé (code ${arg.error})`, arg.error)));
      });
    },
  };
}
