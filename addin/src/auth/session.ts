/**
 * Sign-in, as the pane sees it: a Session gives the agent's account and an access token for the service's API.
 * Tokens live in msal's cache in sessionStorage (this tab only, gone when it closes) and in memory: never in
 * localStorage (no token outlives the tab or leaks to other tabs).
 *
 *   - Inside Outlook with the NestedAppAuth 1.1 requirement set: nested app authentication, Outlook signs in.
 *   - Inside Outlook without it: an Office dialog opens this page in `?auth=dialog` mode, which signs in with a
 *     redirect and sends the token back to the pane (messageParent); the pane keeps it in memory.
 *   - In a plain browser (the demo): msal with a redirect to the authority (the emulator's Entra ID in the demo).
 */
import {
  createNestablePublicClientApplication, createStandardPublicClientApplication, InteractionRequiredAuthError,
  type AccountInfo, type Configuration, type IPublicClientApplication,
} from '@azure/msal-browser';
import { ApiError } from '../api/errors';
import type { OfficeBoundary } from '../office/boundary';

export interface AddinConfig { authority: string; clientId: string; apiScope: string; knownAuthorities: string[]; authorityMetadata?: string; serverNow: string }

export interface Account { username: string; name: string }
export interface Session { account: Account; getToken(): Promise<string>; signOut(): Promise<void> }
export interface Auth {
  /** The session already open (back from a redirect, or in this tab's cache), or null. */
  restore(): Promise<Session | null>;
  /** Signs in; in a plain browser this navigates away (the promise then never resolves). */
  signIn(): Promise<Session>;
}

export function taskPaneUrl(loc: { origin: string; pathname: string }): string {
  return `${loc.origin}${loc.pathname}`;
}

function msalConfig(c: AddinConfig, redirectUri: string): Configuration {
  return {
    auth: { clientId: c.clientId, authority: c.authority, knownAuthorities: c.knownAuthorities, authorityMetadata: c.authorityMetadata, redirectUri },
    cache: { cacheLocation: 'sessionStorage' },
  };
}

function sessionOf(pca: IPublicClientApplication, account: AccountInfo, scope: string): Session {
  return {
    account: { username: account.username, name: account.name ?? account.username },
    async getToken() {
      try {
        return (await pca.acquireTokenSilent({ scopes: [scope], account })).accessToken;
      } catch (err) {
        if (err instanceof InteractionRequiredAuthError) throw new ApiError('expired', 401, (err as Error).message);
        throw new ApiError('network', 0, (err as Error).message);
      }
    },
    async signOut() { await pca.clearCache({ account }); },
  };
}

/** Plain browser (and the Office dialog page): authorisation code + PKCE with a redirect. */
export async function redirectAuth(c: AddinConfig, redirectUri: string): Promise<Auth & { pca: IPublicClientApplication }> {
  const pca = await createStandardPublicClientApplication(msalConfig(c, redirectUri));
  return {
    pca,
    async restore() {
      const back = await pca.handleRedirectPromise();
      const account = back?.account ?? pca.getAllAccounts()[0];
      if (account) pca.setActiveAccount(account);
      return account ? sessionOf(pca, account, c.apiScope) : null;
    },
    async signIn() {
      await pca.loginRedirect({ scopes: [c.apiScope], prompt: 'select_account' });
      return new Promise<Session>(() => { /* the page navigates to the sign-in page */ });
    },
  };
}

/** Inside Outlook: nested app authentication where supported, the Office dialog elsewhere. */
export async function outlookAuth(c: AddinConfig, office: OfficeBoundary, dialogUrl: string): Promise<Auth> {
  if (office.isSetSupported('NestedAppAuth', '1.1')) {
    const pca = await createNestablePublicClientApplication(msalConfig(c, dialogUrl));
    return {
      async restore() {
        const account = pca.getActiveAccount() ?? pca.getAllAccounts()[0];
        if (!account) return null;
        return sessionOf(pca, account, c.apiScope);
      },
      async signIn() {
        let r;
        try {
          r = await pca.acquireTokenSilent({ scopes: [c.apiScope] });
        } catch {
          r = await pca.acquireTokenPopup({ scopes: [c.apiScope] });
        }
        pca.setActiveAccount(r.account);
        return sessionOf(pca, r.account, c.apiScope);
      },
    };
  }
  // The dialog's answer: a token kept in memory only, until it expires.
  let held: { token: string; expiresOn: number; account: Account } | null = null;
  const session = (): Session => ({
    account: held!.account,
    async getToken() {
      if (!held || held.expiresOn - 60_000 < Date.now()) throw new ApiError('expired', 401, 'token expired');
      return held.token;
    },
    async signOut() { held = null; },
  });
  return {
    async restore() { return held ? session() : null; },
    async signIn() {
      const answer = JSON.parse(await office.dialogMessage(dialogUrl)) as { token?: string; expiresOn?: number; account?: Account; error?: string };
      if (!answer.token || !answer.account) throw new Error(answer.error ?? 'no token');
      held = { token: answer.token, expiresOn: answer.expiresOn ?? 0, account: answer.account };
      return session();
    },
  };
}
