/**
 * Languages of the pane: French by default, English available. The first language comes from Outlook's display
 * language, else the browser's; the agent can switch (kept for the tab's session only). Dates and times are shown
 * in the territory's time zone (Europe/Paris unless the service says otherwise), never the machine's.
 */
import { createContext, useContext, useMemo, type ReactNode } from 'react';
import { en } from './en';
import { fr, type MessageKey } from './fr';

export type Lang = 'fr' | 'en';
const CATALOGUES: Record<Lang, Record<MessageKey, string>> = { fr, en };

export function pickLanguage(officeLanguage: string | null, browserLanguage: string | undefined): Lang {
  const l = (officeLanguage ?? browserLanguage ?? 'fr').toLowerCase();
  return l.startsWith('en') ? 'en' : 'fr';
}

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

export function translator(lang: Lang): Translate {
  const cat = CATALOGUES[lang];
  return (key, vars) => cat[key].replace(/\{(\w+)\}/g, (m, k: string) => (vars && k in vars ? String(vars[k]) : m));
}

export interface I18n {
  lang: Lang;
  t: Translate;
  setLang(lang: Lang): void;
  timeZone: string;
  /** "14:30" */
  time(at: Date | string): string;
  /** "mardi 8 décembre" */
  day(at: Date | string): string;
  /** "mar. 8 déc. 14:30" */
  dayTime(at: Date | string): string;
  dateTimeLong(at: Date | string): string;
}

const Ctx = createContext<I18n | null>(null);

export function I18nProvider(props: { lang: Lang; setLang(l: Lang): void; timeZone?: string; children: ReactNode }) {
  const value = useMemo<I18n>(() => {
    const locale = props.lang === 'fr' ? 'fr-FR' : 'en-GB';
    const timeZone = props.timeZone ?? 'Europe/Paris';
    const f = (o: Intl.DateTimeFormatOptions) => {
      const fmt = new Intl.DateTimeFormat(locale, { ...o, timeZone });
      return (at: Date | string) => fmt.format(typeof at === 'string' ? new Date(at) : at);
    };
    return {
      lang: props.lang, setLang: props.setLang, t: translator(props.lang), timeZone,
      time: f({ hour: '2-digit', minute: '2-digit' }),
      day: f({ weekday: 'long', day: 'numeric', month: 'long' }),
      dayTime: f({ weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }),
      dateTimeLong: f({ dateStyle: 'long', timeStyle: 'short' }),
    };
  }, [props.lang, props.setLang, props.timeZone]);
  return <Ctx.Provider value={value}>{props.children}</Ctx.Provider>;
}

export function useI18n(): I18n {
  const v = useContext(Ctx);
  if (!v) throw new Error('useI18n outside I18nProvider');
  return v;
}
