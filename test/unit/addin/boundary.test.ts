/**
 * The Office.js boundary: every Office call becomes a promise that rejects with Office's message on failure
 * (never an error thrown inside a callback, which Office would swallow); outside Outlook, no item is present.
 */
import { describe, expect, it } from '@jest/globals';
import { browserBoundary, officeBoundary, officeCall, OfficeCallError, type OfficeLike } from '../../../addin/src/office/boundary';
import { shouldLoadOffice } from '../../../addin/src/office/load-office';

type Cb = (r: { status: 'succeeded' | 'failed'; value?: unknown; error?: { code: number; message: string } }) => void;

/** A fake Office whose appointment in compose mode records the values set and may fail one setter. */
function fakeOffice(opts: { failOn?: string; item?: unknown; theme?: string; naa?: boolean; noRestIds?: boolean } = {}) {
  const set: Array<[string, unknown]> = [];
  const setter = (name: string) => ({
    setAsync: (v: unknown, cb: Cb) => {
      if (opts.failOn === name) cb({ status: 'failed', error: { code: 9041, message: 'The item is read-only.' } });
      else { set.push([name, v]); cb({ status: 'succeeded' }); }
    },
  });
  // Custom properties as Office.js keeps them: set in memory, written with their own saveAsync.
  const custom: Record<string, string> = {};
  const composeItem = {
    itemType: 'appointment', subject: setter('subject'), start: setter('start'), end: setter('end'), location: setter('location'),
    loadCustomPropertiesAsync: (cb: Cb) => cb({ status: 'succeeded', value: {
      set: (name: string, value: string) => { custom[name] = value; },
      saveAsync: (done: Cb) => {
        if (opts.failOn === 'customProperties') done({ status: 'failed', error: { code: 9057, message: 'Custom properties too large.' } });
        else { set.push(['customProperties', { ...custom }]); done({ status: 'succeeded' }); }
      },
    } }),
    saveAsync: (cb: Cb) => {
      if (opts.failOn === 'save') cb({ status: 'failed', error: { code: 9032, message: 'The item could not be saved.' } });
      else { set.push(['saved', true]); cb({ status: 'succeeded', value: 'AAMkEWS' }); }
    },
  };
  const office: OfficeLike = {
    context: {
      displayLanguage: 'en-US',
      officeTheme: opts.theme ? { bodyBackgroundColor: opts.theme } : undefined,
      requirements: { isSetSupported: (name) => name === 'NestedAppAuth' && opts.naa === true },
      mailbox: {
        item: opts.item === undefined ? composeItem : opts.item,
        // Mailbox 1.3: EWS id → REST id (here a visible function of both arguments).
        convertToRestId: opts.noRestIds ? undefined : (id, version) => { if (id.includes('/')) throw new Error('Invalid id'); return `rest(${id},${version})`; },
      },
      ui: { displayDialogAsync: (_u, _o, cb) => cb({ status: 'failed', value: undefined as never, error: { code: 12007, message: 'A dialog is already opened.' } }) },
    },
    MailboxEnums: { RestVersion: { v2_0: 'v2.0' } },
  };
  return { office, set };
}

describe('the Office.js boundary', () => {
  it('should resolve an Office call that succeeds with its value', async () => {
    await expect(officeCall<number>('x', (cb) => cb({ status: 'succeeded', value: 42 }))).resolves.toBe(42);
  });

  it('should reject an Office call that reports a failure, with the operation and Office’s message', async () => {
    const err = await officeCall('subject.setAsync', (cb) => cb({ status: 'failed', value: undefined, error: { code: 9041, message: 'The item is read-only.' } })).catch((e: OfficeCallError) => e) as OfficeCallError;
    expect(err).toBeInstanceOf(OfficeCallError);
    expect(err.message).toBe('subject.setAsync: The item is read-only.');
    expect(err.code).toBe(9041);
  });

  it('should reject, not throw, when the Office function itself throws', async () => {
    await expect(officeCall('x', () => { throw new Error('Office is not ready'); })).rejects.toThrow('x: Office is not ready');
  });

  it('should fill the appointment being composed: subject, start, end and location, in that order', async () => {
    const { office, set } = fakeOffice();
    const start = new Date('2026-12-08T13:30:00Z');
    const end = new Date('2026-12-08T13:50:00Z');
    await officeBoundary(office).fillAppointment({ subject: 'RDV PMI', start, end, location: 'MDS' });
    expect(set).toEqual([['subject', 'RDV PMI'], ['start', start], ['end', end], ['location', 'MDS']]);
  });

  it('should reject the filling when Outlook refuses one field, and stop there', async () => {
    const { office, set } = fakeOffice({ failOn: 'start' });
    await expect(officeBoundary(office).fillAppointment({ subject: 's', start: new Date(0), end: new Date(0), location: 'l' })).rejects.toThrow('start.setAsync: The item is read-only.');
    expect(set).toEqual([['subject', 's']]);
  });

  it('should tell an appointment being composed from one being read, and a message', () => {
    expect(officeBoundary(fakeOffice().office).currentItem()).toEqual({ kind: 'appointment-compose' });
    expect(officeBoundary(fakeOffice({ item: { itemType: 'appointment', itemId: 'AAMk1', subject: 'RDV' } }).office).currentItem()).toEqual({ kind: 'appointment-read', itemId: 'AAMk1', restId: 'rest(AAMk1,v2.0)', subject: 'RDV' });
    expect(officeBoundary(fakeOffice({ item: { itemType: 'message', itemId: 'AAMk2', subject: 'Bonjour' } }).office).currentItem()).toEqual({ kind: 'message-read', itemId: 'AAMk2', subject: 'Bonjour' });
    expect(officeBoundary(fakeOffice({ item: null }).office).currentItem()).toEqual({ kind: 'none' });
  });

  it('should give the REST id of an appointment being read, and none when Outlook cannot convert its id', () => {
    const read = { itemType: 'appointment', itemId: 'AAMk/ews+1', subject: 'RDV' };
    expect(officeBoundary(fakeOffice({ item: read }).office).currentItem()).toMatchObject({ kind: 'appointment-read', restId: null });
    expect(officeBoundary(fakeOffice({ item: { ...read, itemId: 'AAMk1' }, noRestIds: true }).office).currentItem()).toMatchObject({ kind: 'appointment-read', restId: null });
  });

  it('should tag the appointment being composed with a custom property, save it, and answer its REST id', async () => {
    const { office, set } = fakeOffice();
    await expect(officeBoundary(office).tagAndSaveAppointment({ name: 'rdvLink', value: '12/3' })).resolves.toBe('rest(AAMkEWS,v2.0)');
    // The property is saved before the item, so the item reaches the calendar tagged.
    expect(set).toEqual([['customProperties', { rdvLink: '12/3' }], ['saved', true]]);
  });

  it('should reject the tagging when Outlook refuses the properties or the save, with Office’s message', async () => {
    const props = fakeOffice({ failOn: 'customProperties' });
    await expect(officeBoundary(props.office).tagAndSaveAppointment({ name: 'rdvLink', value: '1/2' })).rejects.toThrow('customProperties.saveAsync: Custom properties too large.');
    expect(props.set).toEqual([]);
    const save = fakeOffice({ failOn: 'save' });
    await expect(officeBoundary(save.office).tagAndSaveAppointment({ name: 'rdvLink', value: '1/2' })).rejects.toThrow('saveAsync: The item could not be saved.');
    await expect(officeBoundary(fakeOffice({ item: { itemType: 'appointment', itemId: 'A', subject: 'lu' } }).office).tagAndSaveAppointment({ name: 'rdvLink', value: '1/2' }))
      .rejects.toThrow('saveAsync: aucun rendez-vous en cours de rédaction');
    await expect(browserBoundary.tagAndSaveAppointment({ name: 'rdvLink', value: '1/2' })).rejects.toBeInstanceOf(OfficeCallError);
  });

  it('should reject the sign-in dialog when Office cannot open it', async () => {
    await expect(officeBoundary(fakeOffice().office).dialogMessage('https://x/')).rejects.toThrow('displayDialogAsync: A dialog is already opened.');
  });

  it('should read Office’s theme as dark or light, and its language and requirement sets', () => {
    expect(officeBoundary(fakeOffice({ theme: '#1f1f1f' }).office).prefersDarkTheme()).toBe(true);
    expect(officeBoundary(fakeOffice({ theme: '#ffffff' }).office).prefersDarkTheme()).toBe(false);
    expect(officeBoundary(fakeOffice().office).prefersDarkTheme()).toBeNull();
    expect(officeBoundary(fakeOffice().office).displayLanguage()).toBe('en-US');
    expect(officeBoundary(fakeOffice({ naa: true }).office).isSetSupported('NestedAppAuth', '1.1')).toBe(true);
  });

  it('should say in a plain browser that no Outlook item is present, and refuse to fill one', async () => {
    expect(browserBoundary.inOutlook).toBe(false);
    expect(browserBoundary.currentItem()).toEqual({ kind: 'none' });
    await expect(browserBoundary.fillAppointment({ subject: 's', start: new Date(0), end: new Date(0), location: 'l' })).rejects.toBeInstanceOf(OfficeCallError);
  });

  it('should load Office.js only when framed or when the URL says host=outlook', () => {
    const top = {};
    expect(shouldLoadOffice({ location: { search: '' }, self: top, top })).toBe(false);
    expect(shouldLoadOffice({ location: { search: '?host=outlook' }, self: top, top })).toBe(true);
    expect(shouldLoadOffice({ location: { search: '' }, self: {}, top })).toBe(true);
  });
});
