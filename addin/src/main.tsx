/**
 * Entry point of the task pane bundle.
 *   1. Office.js only inside Outlook (see office/load-office.ts); render after Office.onReady there, at once elsewhere.
 *   2. Settings from the service (/addin/config.json): authority, client id, scope, the service's clock.
 *   3. `?auth=dialog`: this page is the Office dialog of the sign-in fallback — sign in, hand the token to the pane.
 *   4. Otherwise render <App>. A failure at any step is said in words on the page, never a blank pane.
 */
import { createRoot } from 'react-dom/client';
import { httpApi } from './api/client';
import { App } from './App';
import { outlookAuth, redirectAuth, taskPaneUrl, type AddinConfig } from './auth/session';
import { pickLanguage, translator } from './i18n';
import { browserBoundary, officeBoundary, type OfficeBoundary, type OfficeLike } from './office/boundary';
import { loadOffice, shouldLoadOffice } from './office/load-office';

const rootEl = document.getElementById('root')!;
const DIALOG_FLAG = 'rdv-addin.sign-in-dialog';
const t = translator(pickLanguage(null, navigator.language));

function fatal(message: string) {
  rootEl.innerHTML = '';
  const p = document.createElement('p');
  p.setAttribute('role', 'alert');
  p.textContent = message;
  rootEl.appendChild(p);
}

async function start() {
  const params = new URLSearchParams(location.search);
  // The dialog comes back from the authority to the plain pane URL (the registered redirect URI): a flag in this
  // window's sessionStorage remembers that it is the sign-in dialog, which needs Office.js to answer the pane.
  const dialogMode = params.get('auth') === 'dialog' || sessionStorage.getItem(DIALOG_FLAG) === '1';
  if (dialogMode) sessionStorage.setItem(DIALOG_FLAG, '1');
  let office: OfficeBoundary = browserBoundary;
  let rawOffice: OfficeLike | null = null;
  let officeNotice: 'office.timeout' | 'office.unreachable' | null = null;
  if (dialogMode || shouldLoadOffice(window)) {
    const loaded = await loadOffice(document);
    if (loaded.office) { rawOffice = loaded.office; office = officeBoundary(loaded.office); }
    else officeNotice = loaded.reason === 'timeout' ? 'office.timeout' : 'office.unreachable';
  }

  let config: AddinConfig;
  try {
    const res = await fetch(new URL('config.json', location.href), { cache: 'no-store' });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    config = await res.json();
  } catch {
    fatal(t('error.network'));
    return;
  }
  // "Today" is the service's today: its business clock, advancing with ours from the moment we read it.
  const skew = Date.parse(config.serverNow) - Date.now();
  const now = () => new Date(Date.now() + skew);
  const here = taskPaneUrl(location);

  if (dialogMode) {
    const auth = await redirectAuth(config, here);
    const session = await auth.restore();
    if (!session) { await auth.signIn(); return; }
    sessionStorage.removeItem(DIALOG_FLAG);
    const token = await session.getToken();
    const claims = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    rawOffice?.context.ui.messageParent?.(JSON.stringify({ token, expiresOn: claims.exp * 1000, account: session.account }));
    return;
  }

  const auth = office.inOutlook ? await outlookAuth(config, office, `${here}?host=outlook&auth=dialog`) : await redirectAuth(config, here);
  createRoot(rootEl).render(
    <App office={office} auth={auth} now={now} officeNotice={officeNotice} makeApi={(getToken) => httpApi(location.origin, getToken)} />,
  );
}

start().catch((err) => fatal(t('error.unknown', { detail: (err as Error).message })));
