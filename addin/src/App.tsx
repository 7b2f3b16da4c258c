/**
 * The root of the task pane: FluentProvider (light or dark), language, sign-in, then the two sections
 * (Mes RDV with its RDV detail, Prendre RDV). Everything it talks to comes in as props, so tests render it
 * with a fake Office boundary, a fake sign-in and a fake API.
 */
import {
  Button, Caption1, FluentProvider, makeStyles, MessageBar, MessageBarBody, Spinner, Text, Title3, tokens,
  webDarkTheme, webLightTheme,
} from '@fluentui/react-components';
import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Api } from './api/client';
import { ApiError } from './api/errors';
import type { Agent, RdvDetail as Detail, RdvSummary } from './api/types';
import type { Auth, Session } from './auth/session';
import { I18nProvider, pickLanguage, useI18n, type Lang } from './i18n';
import type { MessageKey } from './i18n/fr';
import type { OfficeBoundary } from './office/boundary';
import { MesRdv } from './screens/MesRdv';
import type { Reference } from './screens/PrendreRdv';

// Loaded after the first screen (fetched once Mes RDV is listed): the booking screen brings zod and the
// phone-number metadata, which Mes RDV does not need.
const loadPrendreRdv = () => import('./screens/PrendreRdv');
const loadRdvDetail = () => import('./screens/RdvDetail');
const PrendreRdv = lazy(() => loadPrendreRdv().then((m) => ({ default: m.PrendreRdv })));
const RdvDetail = lazy(() => loadRdvDetail().then((m) => ({ default: m.RdvDetail })));
import { PaneProvider, type PaneDeps } from './ui/context';
import { describeError, ErrorMessage } from './ui/ErrorMessage';
import { useDarkMode } from './ui/theme';

export interface AppProps {
  office: OfficeBoundary;
  auth: Auth;
  makeApi(getToken: () => Promise<string>): Api;
  now: () => Date;
  newKey?: () => string;
  /** A word about Office.js when it was expected but did not come (timeout, unreachable). */
  officeNotice?: MessageKey | null;
  /** First language; otherwise Outlook's, else the browser's. */
  lang?: Lang;
}

const useStyles = makeStyles({
  root: { minHeight: '100vh', boxSizing: 'border-box', padding: tokens.spacingHorizontalM, maxWidth: '720px', marginInline: 'auto' },
  header: { display: 'flex', justifyContent: 'space-between', alignItems: 'center', flexWrap: 'wrap', gap: tokens.spacingHorizontalS },
  who: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS, flexWrap: 'wrap' },
  main: { marginTop: tokens.spacingVerticalM },
  nav: { display: 'flex', gap: tokens.spacingHorizontalS, flexWrap: 'wrap', borderBottom: `1px solid ${tokens.colorNeutralStroke2}`, paddingBottom: tokens.spacingVerticalS },
});

export function App(props: AppProps) {
  const dark = useDarkMode(props.office);
  const [lang, setLang] = useState<Lang>(props.lang ?? pickLanguage(props.office.displayLanguage(), typeof navigator !== 'undefined' ? navigator.language : undefined));
  useEffect(() => { document.documentElement.lang = lang; }, [lang]);
  // The page around the provider takes the theme's background too (set through the CSSOM, which the CSP allows).
  useEffect(() => {
    const theme = dark ? webDarkTheme : webLightTheme;
    document.body.style.margin = '0';
    document.body.style.background = theme.colorNeutralBackground1;
    document.documentElement.style.colorScheme = dark ? 'dark' : 'light';
  }, [dark]);
  return (
    <FluentProvider theme={dark ? webDarkTheme : webLightTheme}>
      <I18nProvider lang={lang} setLang={setLang}>
        <Pane {...props} />
      </I18nProvider>
    </FluentProvider>
  );
}

function Pane(props: AppProps) {
  const { t, lang, setLang } = useI18n();
  const s = useStyles();
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [signInError, setSignInError] = useState<unknown>(null);
  const [signingIn, setSigningIn] = useState(false);

  useEffect(() => {
    props.auth.restore().then(setSession, (err) => { setSignInError(err); setSession(null); });
  }, [props.auth]);

  const signIn = useCallback(async () => {
    setSigningIn(true); setSignInError(null);
    try {
      setSession(await props.auth.signIn());
    } catch (err) {
      setSignInError(err);
    } finally {
      setSigningIn(false);
    }
  }, [props.auth]);

  const header = (
    <header className={s.header}>
      <Title3 as="h1">{t('app.title')}</Title3>
      <div className={s.who}>
        {session && <Caption1>{t('signin.signedInAs', { name: session.account.name })}</Caption1>}
        {session && <Button size="small" appearance="subtle" onClick={() => { void session.signOut().then(() => setSession(null)); }}>{t('signin.signOut')}</Button>}
        <Button size="small" lang={lang === 'fr' ? 'en' : 'fr'} aria-label={t('lang.switchLabel')} onClick={() => setLang(lang === 'fr' ? 'en' : 'fr')}>{t('lang.switch')}</Button>
      </div>
    </header>
  );

  let body;
  if (session === undefined) body = <Spinner label={t('app.loading')} />;
  else if (!session) {
    body = (
      <section aria-labelledby="signin-title">
        <Title3 as="h2" id="signin-title">{t('signin.title')}</Title3>
        <Text as="p">{t('signin.intro')}</Text>
        {signInError ? <MessageBar intent="error" role="alert"><MessageBarBody>{t('signin.failed', { detail: describeError(signInError, t) })}</MessageBarBody></MessageBar> : null}
        <Button appearance="primary" onClick={signIn} disabled={signingIn}>{signingIn ? t('signin.inProgress') : t('signin.button')}</Button>
      </section>
    );
  } else body = <SignedIn {...props} session={session} signInAgain={() => { setSession(null); void signIn(); }} />;

  return (
    <div className={s.root}>
      {header}
      {props.officeNotice && <MessageBar intent="warning"><MessageBarBody>{t(props.officeNotice)}</MessageBarBody></MessageBar>}
      <main className={s.main}>{body}</main>
    </div>
  );
}

/** The list's shape of an RDV read in full (the detail screen opens from a summary). */
function summaryOf(d: Detail, ref: Reference): RdvSummary {
  const motif = ref.motifs.find((m) => m.id === d.motifId);
  return {
    ...d, motifName: motif?.name ?? '', locationType: motif?.locationType ?? 'public_office',
    lieuName: ref.lieux.find((l) => l.id === d.lieuId)?.name ?? null, participants: d.participants.length,
  };
}

function SignedIn(props: AppProps & { session: Session; signInAgain(): void }) {
  const { t } = useI18n();
  const s = useStyles();
  const api = useMemo(() => props.makeApi(() => props.session.getToken()), [props.makeApi, props.session]);
  const [tab, setTab] = useState<'mes' | 'book'>('mes');
  const [open, setOpen] = useState<RdvSummary | null>(null);
  const [reference, setReference] = useState<Reference | null>(null);
  const [refError, setRefError] = useState<unknown>(null);
  const [me, setMe] = useState<Agent | null>(null);
  const [refReload, setRefReload] = useState(0);
  const [itemNotice, setItemNotice] = useState<string | null>(null);
  const itemChecked = useRef(false);
  // What Mes RDV does not need waits until it is listed, so as not to compete with it for the network and the
  // main thread: the other screens' code and the reference lists (at once if the agent goes elsewhere first, or
  // when the pane was opened on an appointment, whose RDV detail needs them).
  const [listed, setListed] = useState(false);
  const onListed = useCallback(() => setListed(true), []);
  const onAppointment = useMemo(() => props.office.currentItem().kind === 'appointment-read', [props.office]);
  const needed = listed || onAppointment || tab !== 'mes' || open !== null;
  useEffect(() => { if (needed) { void loadPrendreRdv(); void loadRdvDetail(); } }, [needed]);

  // Opened on an appointment of the calendar: when it is one of our RDVs, its detail opens at once.
  useEffect(() => {
    const item = props.office.currentItem();
    if (!reference || itemChecked.current || item.kind !== 'appointment-read') return;
    itemChecked.current = true;
    if (!item.restId) { setItemNotice(t('item.notOurs')); return; }
    api.itemRdv(item.restId).then(
      (detail) => { setTab('mes'); setOpen(summaryOf(detail, reference)); },
      (err) => setItemNotice(err instanceof ApiError && err.kind === 'not_found' ? t('item.notOurs') : t('item.failed', { detail: describeError(err, t) })),
    );
  }, [api, props.office, reference, t]);

  useEffect(() => {
    if (!needed) return;
    let live = true;
    setRefError(null);
    Promise.all([api.services(), api.motifs(), api.lieux(), api.agents(), api.organisations()])
      .then(([services, motifs, lieux, agents, organisations]) => {
        if (!live) return;
        setReference({ services, motifs, lieux, agents, organisations });
        setMe(agents.find((a) => a.email.toLowerCase() === props.session.account.username.toLowerCase()) ?? null);
      })
      .catch((err) => live && setRefError(err));
    return () => { live = false; };
  }, [api, props.session, refReload, needed]);

  const deps = useMemo<PaneDeps>(() => ({
    api, office: props.office, now: props.now, me, signInAgain: props.signInAgain,
    newKey: props.newKey ?? (() => crypto.randomUUID()),
  }), [api, props.office, props.now, me, props.signInAgain, props.newKey]);

  return (
    <PaneProvider value={deps}>
      {/* Two sections, as a navigation with the current one marked (Fluent's TabList adds focusable aria-hidden
          sentinels that axe reports as aria-hidden-focus). */}
      <nav aria-label={t('nav.label')} className={s.nav}>
        {(['mes', 'book'] as const).map((v) => (
          <Button key={v} appearance={tab === v ? 'primary' : 'subtle'} aria-current={tab === v ? 'page' : undefined}
            onClick={() => { setTab(v); setOpen(null); }}>{t(v === 'mes' ? 'nav.mesRdv' : 'nav.book')}</Button>
        ))}
      </nav>
      {refError ? <ErrorMessage error={refError} onRetry={() => setRefReload((n) => n + 1)} /> : null}
      {itemNotice && <MessageBar intent="info" role="status" data-testid="item-notice"><MessageBarBody>{itemNotice}</MessageBarBody></MessageBar>}
      <div style={{ marginTop: tokens.spacingVerticalM }}>
        <Suspense fallback={<Spinner label={t('app.loading')} />}>
          {tab === 'mes' && !open && <MesRdv onOpen={setOpen} onListed={onListed} />}
          {tab === 'mes' && open && <RdvDetail summary={open} agents={reference?.agents ?? []} onBack={() => setOpen(null)} />}
          {tab === 'book' && (reference ? <PrendreRdv reference={reference} /> : refError ? null : <Spinner label={t('app.loading')} />)}
        </Suspense>
      </div>
    </PaneProvider>
  );
}
