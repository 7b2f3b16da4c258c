/**
 * One RDV: participants with phone and email, motif, place, status, history (audit trail), messages sent;
 * mark seen / no-show / excused, cancel with a reason, move to another free slot.
 */
import {
  Button, Caption1, Field, makeStyles, Radio, RadioGroup, Spinner, Subtitle2, Text, Textarea, tokens, typographyStyles,
} from '@fluentui/react-components';
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../api/errors';
import type { Agent, Availability, RdvDetail as Detail, RdvSummary } from '../api/types';
import { useI18n } from '../i18n';
import type { MessageKey } from '../i18n/fr';
import { usePane } from '../ui/context';
import { ErrorMessage } from '../ui/ErrorMessage';
import { SlotPicker, type Slot } from '../ui/SlotPicker';
import { addDays, localDay } from '../ui/time';
import { placeOf, statusKey } from './MesRdv';

const useStyles = makeStyles({
  dl: { display: 'grid', gridTemplateColumns: 'max-content 1fr', columnGap: tokens.spacingHorizontalM, rowGap: tokens.spacingVerticalXS, margin: 0 },
  dd: { margin: 0, overflowWrap: 'anywhere' },
  list: { paddingInlineStart: tokens.spacingHorizontalL, margin: 0 },
  actions: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalS, marginTop: tokens.spacingVerticalS },
  block: { marginTop: tokens.spacingVerticalM },
  title: { ...typographyStyles.subtitle1, marginTop: tokens.spacingVerticalM, marginBottom: tokens.spacingVerticalS },
});

export function RdvDetail(props: { summary: RdvSummary; agents: Agent[]; onBack(): void }) {
  const { api, now } = usePane();
  const i18n = useI18n();
  const { t, time, dayTime, dateTimeLong } = i18n;
  const s = useStyles();
  const [rdv, setRdv] = useState<Detail | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [mode, setMode] = useState<'none' | 'cancel' | 'move'>('none');
  const [reason, setReason] = useState('');
  const [reasonError, setReasonError] = useState<string | undefined>();
  const [cancelBy, setCancelBy] = useState<'excused' | 'revoked'>('excused');
  const [availability, setAvailability] = useState<Availability | null>(null);
  const [slot, setSlot] = useState<Slot | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const id = props.summary.id;

  const load = useCallback(() => {
    setError(null);
    api.getRdv(id).then(setRdv, setError);
  }, [api, id]);
  useEffect(load, [load]);
  useEffect(() => { headingRef.current?.focus(); }, []);

  async function act(what: string, run: () => Promise<unknown>) {
    setBusy(true); setActionError(null); setDone(null);
    try {
      await run();
      // Read back before saying it is done, so that what the agent reads next to the message is already the new state.
      const fresh = await api.getRdv(id).catch(() => null);
      if (fresh) setRdv(fresh);
      setDone(t('detail.done', { what }));
      setMode('none'); setSlot(null); setReason('');
    } catch (err) {
      setActionError(err);
      if (err instanceof ApiError && err.kind === 'conflict' && mode === 'move') void loadSlots();
    } finally {
      setBusy(false);
    }
  }

  async function loadSlots() {
    setAvailability(null);
    const today = localDay(now(), i18n.timeZone);
    try {
      setAvailability(await api.availability({ motifId: props.summary.motifId, from: today, to: addDays(today, 13), lieuId: props.summary.lieuId ?? undefined }));
    } catch (err) { setActionError(err); }
  }

  const agentName = (aid: number) => { const a = props.agents.find((x) => x.id === aid); return a ? `${a.firstName} ${a.lastName}` : `#${aid}`; };
  const r = props.summary;
  const status = rdv?.status ?? r.status;
  const cancelled = status === 'excused' || status === 'revoked';
  return (
    <section aria-labelledby="detail-title">
      <Button onClick={props.onBack}>{t('action.back')}</Button>
      <h2 id="detail-title" ref={headingRef} tabIndex={-1} className={s.title}>{t('detail.title', { date: dayTime(rdv?.startsAt ?? r.startsAt) })}</h2>
      <dl className={s.dl}>
        <dt>{t('detail.motif')}</dt><dd className={s.dd}>{r.motifName}</dd>
        <dt>{t('detail.place')}</dt><dd className={s.dd}>{placeOf(r, t)}</dd>
        <dt>{t('detail.status')}</dt><dd className={s.dd} data-testid="detail-status">{t(statusKey(status))}</dd>
      </dl>
      {done && <div role="status"><Text weight="semibold">{done}</Text></div>}
      {actionError ? <ErrorMessage error={actionError} /> : null}
      {error ? <ErrorMessage error={error} onRetry={load} /> : !rdv ? <Spinner label={t('detail.loading')} /> : (
        <>
          <Subtitle2 as="h3" className={s.block} style={{ display: 'block' }}>{t('detail.participants')}</Subtitle2>
          <ul className={s.list}>
            {rdv.participants.map((p) => (
              <li key={p.usagerId}>
                <Text weight="semibold">{p.firstName} {p.lastName}</Text>
                <dl className={s.dl}>
                  <dt>{t('detail.phone')}</dt><dd className={s.dd}>{p.phone ? <a href={`tel:${p.phone}`}>{p.phone}</a> : t('detail.none')}</dd>
                  <dt>{t('detail.email')}</dt><dd className={s.dd}>{p.email ? <a href={`mailto:${p.email}`}>{p.email}</a> : t('detail.none')}</dd>
                </dl>
              </li>
            ))}
          </ul>

          <Subtitle2 as="h3" className={s.block} style={{ display: 'block' }}>{t('detail.actions')}</Subtitle2>
          {!cancelled && (
            <div className={s.actions}>
              <Button disabled={busy || status === 'seen'} onClick={() => act(t('status.seen'), () => api.setStatus(id, 'seen'))}>{t('detail.markSeen')}</Button>
              <Button disabled={busy || status === 'noshow'} onClick={() => act(t('status.noshow'), () => api.setStatus(id, 'noshow'))}>{t('detail.markNoShow')}</Button>
              <Button disabled={busy} onClick={() => act(t('status.excused'), () => api.cancel(id, { status: 'excused', reason: t('detail.excusedReason') }))}>{t('detail.markExcused')}</Button>
              <Button disabled={busy} aria-expanded={mode === 'cancel'} onClick={() => setMode(mode === 'cancel' ? 'none' : 'cancel')}>{t('detail.cancel')}</Button>
              <Button disabled={busy} aria-expanded={mode === 'move'} onClick={() => { setMode(mode === 'move' ? 'none' : 'move'); if (mode !== 'move') void loadSlots(); }}>{t('detail.move')}</Button>
            </div>
          )}
          {mode === 'cancel' && (
            <form className={s.block} onSubmit={(e) => {
              e.preventDefault();
              if (!reason.trim()) { setReasonError(t('detail.cancelReason')); return; }
              setReasonError(undefined);
              void act(t(statusKey(cancelBy)), () => api.cancel(id, { status: cancelBy, reason: reason.trim() }));
            }}>
              <Field label={t('detail.cancelBy')}>
                <RadioGroup value={cancelBy} onChange={(_, d) => setCancelBy(d.value as 'excused' | 'revoked')}>
                  <Radio value="excused" label={t('detail.cancelByUsager')} />
                  <Radio value="revoked" label={t('detail.cancelByService')} />
                </RadioGroup>
              </Field>
              <Field label={t('detail.cancelReason')} required validationMessage={reasonError}>
                <Textarea value={reason} onChange={(_, d) => setReason(d.value)} maxLength={500} />
              </Field>
              <div className={s.actions}><Button appearance="primary" type="submit" disabled={busy}>{t('detail.cancelConfirm')}</Button></div>
            </form>
          )}
          {mode === 'move' && (
            <div className={s.block}>
              <Subtitle2 as="h3" id="move-title" style={{ display: 'block' }}>{t('detail.moveTitle')}</Subtitle2>
              {!availability ? <Spinner label={t('book.slotsLoading')} /> : (
                <SlotPicker availability={availability} agents={props.agents} chosen={slot} onChoose={setSlot} exceptStart={rdv.startsAt} labelId="move-title" />
              )}
              {slot && (
                <div className={s.actions}>
                  <Button appearance="primary" disabled={busy} onClick={() => act(t('audit.moved'), () => api.move(id, { startsAt: slot.startsAt, agentIds: [slot.agentId], lieuId: slot.lieuId }))}>
                    {t('detail.moveConfirm', { slot: `${dayTime(slot.startsAt)} (${agentName(slot.agentId)})` })}
                  </Button>
                </div>
              )}
            </div>
          )}

          <Subtitle2 as="h3" className={s.block} style={{ display: 'block' }}>{t('detail.history')}</Subtitle2>
          {rdv.audit.length ? (
            <ul className={s.list}>
              {rdv.audit.map((a, i) => (
                <li key={i}><Caption1>{dateTimeLong(a.at)} — {t('audit.by', { action: t((`audit.${a.action}` in AUDIT ? `audit.${a.action}` : 'audit.status_changed') as MessageKey), who: a.actorName ?? a.actorKind })}</Caption1></li>
              ))}
            </ul>
          ) : <Text as="p">{t('detail.historyEmpty')}</Text>}

          <Subtitle2 as="h3" className={s.block} style={{ display: 'block' }}>{t('detail.messages')}</Subtitle2>
          {rdv.receipts.length ? (
            <ul className={s.list}>
              {rdv.receipts.map((m) => (
                <li key={m.id}><Caption1>{time(m.createdAt)} — {t(`kind.${m.kind}` as MessageKey)} ({t(`channel.${m.channel}` as MessageKey)}) : {t(m.status === 'sent' ? 'msg.sent' : m.status === 'dropped' ? 'msg.dropped' : 'msg.failed')}{m.reasonLabel ? ` — ${m.reasonLabel}` : ''}</Caption1></li>
              ))}
            </ul>
          ) : <Text as="p">{t('detail.messagesEmpty')}</Text>}
        </>
      )}
    </section>
  );
}

const AUDIT = { 'audit.created': 1, 'audit.moved': 1, 'audit.cancelled': 1, 'audit.status_changed': 1 };
