/**
 * Decides whether this page runs inside Outlook and, only then, loads Office.js from Microsoft's CDN.
 *
 * A plain browser (the demo, the tests, a machine without access to Microsoft) must never wait for the CDN. The
 * page loads Office.js when (1) it is framed (Outlook on the web shows the pane in an iframe), or (2) its URL has
 * `?host=outlook` — the manifest's SourceLocation carries this flag, because Outlook desktop and the new Outlook
 * show the pane at top level in a WebView, where framing tells nothing. Loading and Office.onReady are given
 * OFFICE_TIMEOUT_MS together; past that the pane runs as in a plain browser and says so, instead of a blank pane.
 */
import type { OfficeLike } from './boundary';

export const OFFICE_JS_URL = 'https://appsforoffice.microsoft.com/lib/1/hosted/office.js';
export const OFFICE_TIMEOUT_MS = 8000;

export function shouldLoadOffice(win: { location: { search: string }; self: unknown; top: unknown }): boolean {
  if (new URLSearchParams(win.location.search).get('host') === 'outlook') return true;
  try {
    return win.self !== win.top;
  } catch {
    return true; // a cross-origin parent: framed
  }
}

export type OfficeLoad = { office: OfficeLike } | { office: null; reason: 'not-in-outlook' | 'timeout' | 'unreachable' };

export function loadOffice(doc: Document, timeoutMs = OFFICE_TIMEOUT_MS): Promise<OfficeLoad> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ office: null, reason: 'timeout' }), timeoutMs);
    const script = doc.createElement('script');
    script.src = OFFICE_JS_URL;
    script.onerror = () => { clearTimeout(timer); resolve({ office: null, reason: 'unreachable' }); };
    script.onload = () => {
      const office = (globalThis as any).Office;
      if (!office?.onReady) { clearTimeout(timer); resolve({ office: null, reason: 'unreachable' }); return; }
      office.onReady(() => { clearTimeout(timer); resolve({ office }); });
    };
    doc.head.appendChild(script);
  });
}
