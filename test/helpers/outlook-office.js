/*
 * A stand-in for Office.js inside Outlook, served by the end-to-end tests in place of Microsoft's
 * https://appsforoffice.microsoft.com/lib/1/hosted/office.js (see outlook-host.ts). It behaves as Outlook's does
 * for what the pane uses: every *Async call answers later, through its callback, with { status, value, error };
 * failures are reported, never thrown.
 *
 *   - The item comes from `window.__outlookItem`, set by the test before the page's scripts run:
 *     { mode: 'read', itemId, subject, start, end } (an appointment opened from the calendar, EWS id) or
 *     { mode: 'compose' } (a new appointment). No item otherwise (the sign-in dialog's window).
 *   - In compose mode, item.saveAsync hands the item to `window.__outlookSaveItem` (the test's stand-in for
 *     Exchange, which writes it into the emulated mailbox) and answers the saved item's EWS id.
 *   - convertToRestId: REST ids are the URL-safe base64 form of EWS ids ('+' → '-', '/' → '_'), the form
 *     Microsoft Graph documents for its URL-safe ids (learn.microsoft.com/graph/api/user-translateexchangeids).
 *   - No nested app authentication: the pane signs in through displayDialogAsync. The dialog is a popup window;
 *     its messageParent reaches the pane through a BroadcastChannel (both pages share the pane's origin).
 */
(() => {
  const DIALOG_CHANNEL = 'outlook-stand-in-dialog';
  const later = (fn) => setTimeout(fn, 0);
  const succeeded = (value) => ({ status: 'succeeded', value, error: undefined, asyncContext: undefined });
  const failed = (code, name, message) => ({ status: 'failed', value: undefined, error: { code, name, message }, asyncContext: undefined });
  /** Office.js calls take (value?, options?, callback?): the callback is the last function given. */
  const callbackOf = (args) => [...args].reverse().find((a) => typeof a === 'function') ?? (() => {});

  function customPropertiesOf(saved) {
    const props = { ...saved };
    return {
      get: (name) => props[name],
      set: (name, value) => { props[name] = value; },
      remove: (name) => { delete props[name]; },
      getAll: () => ({ ...props }),
      saveAsync(...args) {
        const cb = callbackOf(args);
        later(() => { Object.keys(saved).forEach((k) => delete saved[k]); Object.assign(saved, props); cb(succeeded(undefined)); });
      },
    };
  }

  function composeItem() {
    const state = { subject: '', location: '', start: null, end: null, customProperties: {}, ewsId: null, saves: 0 };
    window.__outlookItemState = state;
    const field = (name, accept) => ({
      getAsync(...args) { const cb = callbackOf(args); later(() => cb(succeeded(state[name]))); },
      setAsync(value, ...rest) {
        const cb = callbackOf(rest);
        later(() => {
          const stored = accept(value);
          if (stored === undefined) { cb(failed(9000, 'InvalidArgument', `${name}: valeur refusée`)); return; }
          state[name] = stored;
          cb(succeeded(undefined));
        });
      },
    });
    const text = (v) => (typeof v === 'string' ? v : undefined);
    const time = (v) => (v instanceof Date && !Number.isNaN(v.getTime()) ? v.toISOString() : undefined);
    return {
      itemType: 'appointment',
      subject: field('subject', text),
      location: field('location', text),
      start: field('start', time),
      end: field('end', time),
      loadCustomPropertiesAsync(...args) {
        const cb = callbackOf(args);
        later(() => cb(succeeded(customPropertiesOf(state.customProperties))));
      },
      saveAsync(...args) {
        const cb = callbackOf(args);
        const save = window.__outlookSaveItem;
        if (typeof save !== 'function') { later(() => cb(failed(9002, 'InternalServerError', 'Exchange injoignable'))); return; }
        const { subject, location, start, end, customProperties, ewsId } = state;
        save({ subject, location, start, end, customProperties: { ...customProperties }, ewsId }).then(
          (id) => { state.ewsId = id; state.saves += 1; cb(succeeded(id)); },
          (err) => cb(failed(9002, 'InternalServerError', String(err?.message ?? err))),
        );
      },
    };
  }

  function readItem(c) {
    return { itemType: 'appointment', itemId: c.itemId, subject: c.subject, start: new Date(c.start), end: new Date(c.end), location: c.location ?? '' };
  }

  const config = window.__outlookItem;
  const item = config?.mode === 'compose' ? composeItem() : config?.mode === 'read' ? readItem(config) : null;

  const ui = {
    displayDialogAsync(url, ...rest) {
      const cb = callbackOf(rest);
      const channel = new BroadcastChannel(DIALOG_CHANNEL);
      const handlers = {};
      const popup = window.open(url, '_blank', 'popup,width=480,height=640');
      if (!popup) { later(() => cb(failed(12009, 'DialogBlocked', 'la fenêtre a été bloquée'))); return; }
      channel.onmessage = (e) => {
        if (e.data?.kind === 'message') handlers.dialogMessageReceived?.({ type: 'dialogMessageReceived', message: e.data.message, origin: e.origin });
      };
      const dialog = {
        addEventHandler(type, handler) { handlers[type] = handler; },
        close() { channel.postMessage({ kind: 'close' }); channel.close(); },
      };
      later(() => cb(succeeded(dialog)));
    },
    messageParent(message) {
      const channel = new BroadcastChannel(DIALOG_CHANNEL);
      channel.onmessage = (e) => { if (e.data?.kind === 'close') window.close(); };
      channel.postMessage({ kind: 'message', message: String(message) });
    },
  };

  const toRest = (ewsId) => ewsId.replace(/\+/g, '-').replace(/\//g, '_');
  const toEws = (restId) => restId.replace(/-/g, '+').replace(/_/g, '/');
  const supported = { Mailbox: '1.13', DialogApi: '1.2' };
  const atLeast = (have, want) => {
    const [a, b] = have.split('.').map(Number);
    const [c, d = 0] = String(want ?? '1.1').split('.').map(Number);
    return a > c || (a === c && b >= d);
  };

  window.Office = {
    AsyncResultStatus: { Succeeded: 'succeeded', Failed: 'failed' },
    EventType: { DialogMessageReceived: 'dialogMessageReceived', DialogEventReceived: 'dialogEventReceived' },
    MailboxEnums: { RestVersion: { v1_0: 'v1.0', v2_0: 'v2.0', Beta: 'beta' }, ItemType: { Message: 'message', Appointment: 'appointment' } },
    HostType: { Outlook: 'Outlook' },
    context: {
      displayLanguage: 'fr-FR',
      requirements: { isSetSupported: (name, version) => name in supported && atLeast(supported[name], version) },
      mailbox: { item, convertToRestId: (id) => toRest(id), convertToEwsId: (id) => toEws(id) },
      ui,
    },
    onReady(cb) {
      const info = { host: 'Outlook', platform: 'OfficeOnline' };
      return new Promise((resolve) => later(() => { cb?.(info); resolve(info); }));
    },
  };
})();
