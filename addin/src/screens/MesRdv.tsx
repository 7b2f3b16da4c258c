/**
 * Mes RDV: the signed-in agent's RDVs today and over the next 7 days — time, motif, place or kind of place,
 * usagers' names, status, whether the reminder went — and one line for their Outlook sync.
 * The list answers without names; each RDV's detail (participants, receipts) is then read in parallel, so the
 * list is usable at once and names appear as they arrive.
 */
import { Badge, Button, Caption1, makeStyles, Spinner, Subtitle1, Text, tokens } from '@fluentui/react-components';
import { useCallback, useEffect, useState } from 'react';
import type { RdvDetail, RdvSummary } from '../api/types';
import { useI18n, type Translate } from '../i18n';
import type { MessageKey } from '../i18n/fr';
import { usePane } from '../ui/context';
import { ErrorMessage } from '../ui/ErrorMessage';
import { addDays, localDay, startOfDay } from '../ui/time';
import { SyncLine } from './SyncLine';

const useStyles = makeStyles({
  list: { listStyleType: 'none', padding: 0, margin: 0, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  item: { width: '100%', justifyContent: 'flex-start', textAlign: 'start', display: 'flex', flexDirection: 'column', alignItems: 'flex-start', gap: '2px', padding: tokens.spacingVerticalS, minWidth: 0 },
  row: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalS, alignItems: 'center' },
  section: { marginTop: tokens.spacingVerticalM, marginBottom: tokens.spacingVerticalS },
  toolbar: { display: 'flex', justifyContent: 'space-between', alignItems: 'center', gap: tokens.spacingHorizontalS, flexWrap: 'wrap' },
});

export const statusKey = (s: string) => `status.${s}` as MessageKey;
export const placeOf = (r: { locationType: string; lieuName: string | null }, t: Translate) =>
  r.locationType === 'public_office' && r.lieuName ? r.lieuName : t(`loc.${r.locationType}` as MessageKey);

export function reminderState(d: RdvDetail | undefined): 'sent' | 'planned' | 'not_sent' | null {
  if (!d) return null;
  if (d.receipts.some((r) => r.kind === 'reminder' && r.status === 'sent')) return 'sent';
  if (d.scheduledMessages.some((m) => m.kind === 'reminder' && (m.state === 'pending' || m.state === 'scheduled' || m.state === 'queued'))) return 'planned';
  return 'not_sent';
}

export function MesRdv(props: { onOpen(r: RdvSummary): void; notice?: string | null; onListed?(): void }) {
  const { api, now } = usePane();
  const i18n = useI18n();
  const { t, time } = i18n;
  const s = useStyles();
  const [rdvs, setRdvs] = useState<RdvSummary[] | null>(null);
  const [details, setDetails] = useState<Record<number, RdvDetail>>({});
  const [error, setError] = useState<unknown>(null);
  const [reload, setReload] = useState(0);
  const today = localDay(now(), i18n.timeZone);

  const load = useCallback(() => setReload((n) => n + 1), []);
  useEffect(() => {
    let live = true;
    setError(null);
    setRdvs(null);
    // Without agentId the service lists the signed-in agent's own RDVs: no need to wait for the agents' list.
    api.listRdvs({ from: startOfDay(today, i18n.timeZone), to: startOfDay(addDays(today, 7), i18n.timeZone) })
      .then((list) => {
        if (!live) return;
        setRdvs(list);
        props.onListed?.();
        for (const r of list) {
          api.getRdv(r.id).then((d) => { if (live) setDetails((m) => ({ ...m, [r.id]: d })); }).catch(() => { /* names stay "loading"; the detail screen says why */ });
        }
      })
      .catch((err) => { if (live) setError(err); });
    return () => { live = false; };
  }, [api, today, reload, i18n.timeZone]);

  const item = (r: RdvSummary) => {
    const d = details[r.id];
    const names = d ? (d.participants.length ? d.participants.map((p) => `${p.firstName} ${p.lastName}`).join(', ') : t('mes.noParticipant')) : t('mes.participantsLoading');
    const reminder = reminderState(d);
    return (
      <li key={r.id}>
        <Button className={s.item} appearance="subtle" onClick={() => props.onOpen(r)}
          aria-label={`${t('mes.open', { time: time(r.startsAt), motif: r.motifName })} — ${names}, ${t(statusKey(r.status))}`}>
          <span className={s.row}><Text weight="semibold">{time(r.startsAt)}–{time(r.endsAt)}</Text><Text>{r.motifName}</Text></span>
          <Caption1>{placeOf(r, t)}</Caption1>
          <Text>{names}</Text>
          <span className={s.row}>
            <Badge appearance="outline" color={r.status === 'seen' ? 'success' : r.status === 'unknown' ? 'brand' : 'danger'}>{t(statusKey(r.status))}</Badge>
            {reminder && <Caption1>{t(reminder === 'sent' ? 'mes.reminderSent' : reminder === 'planned' ? 'mes.reminderPlanned' : 'mes.reminderNotSent')}</Caption1>}
          </span>
        </Button>
      </li>
    );
  };

  const todays = rdvs?.filter((r) => localDay(new Date(r.startsAt), i18n.timeZone) === today) ?? [];
  const later = rdvs?.filter((r) => localDay(new Date(r.startsAt), i18n.timeZone) !== today) ?? [];
  return (
    <section aria-labelledby="mes-title">
      <div className={s.toolbar}>
        <Subtitle1 as="h2" id="mes-title">{t('mes.title')}</Subtitle1>
        <Button onClick={load} disabled={rdvs === null && !error}>{t('mes.refresh')}</Button>
      </div>
      <SyncLine />
      {props.notice && <div role="status"><Text>{props.notice}</Text></div>}
      {error ? <ErrorMessage error={error} onRetry={load} /> : rdvs === null ? <Spinner label={t('mes.loading')} /> : (
        <div data-testid="mes-rdv-list">
          <Subtitle1 as="h3" className={s.section}>{t('mes.today')}</Subtitle1>
          {todays.length ? <ul className={s.list}>{todays.map(item)}</ul> : <Text as="p">{t('mes.emptyToday')}</Text>}
          <Subtitle1 as="h3" className={s.section}>{t('mes.week')}</Subtitle1>
          {later.length ? <ul className={s.list}>{later.map(item)}</ul> : <Text as="p">{t('mes.emptyWeek')}</Text>}
        </div>
      )}
    </section>
  );
}
