/**
 * Prendre RDV: usager (found or created) → service → motif → lieu (or phone / home / visio) → agent (any or one)
 * → a free slot → the messages that will go out → confirm. The booking carries an Idempotency-Key drawn once per
 * confirmation, so a retry after a lost answer never books twice; a slot taken meanwhile (409) is explained and
 * the slots are read again.
 *
 * Opened on an appointment being composed, the booking says so (`outlookItem: 'compose'`): the service then waits
 * for that appointment instead of writing an event of its own, and answers what to fill it with (the text its sync
 * would write). The pane fills it, tags it with the add-in's `rdvLink` custom property, saves it and reports its id.
 */
import { Button, Field, makeStyles, MessageBar, MessageBarBody, Select, Spinner, Subtitle1, Subtitle2, Text, tokens } from '@fluentui/react-components';
import { useEffect, useMemo, useRef, useState } from 'react';
import { ApiError } from '../api/errors';
import type { Agent, Availability, ComposeFill, FeatureSwitches, Lieu, Motif, Organisation, Service, Usager } from '../api/types';
import { useI18n } from '../i18n';
import type { MessageKey } from '../i18n/fr';
import { plannedMessages } from '../notifications-preview';
import { usePane } from '../ui/context';
import { describeError, ErrorMessage } from '../ui/ErrorMessage';
import { SlotPicker, type Slot } from '../ui/SlotPicker';
import { addDays, localDay } from '../ui/time';
import { UsagerPicker } from './UsagerPicker';

export interface Reference { services: Service[]; motifs: Motif[]; lieux: Lieu[]; agents: Agent[]; organisations: Organisation[] }

const useStyles = makeStyles({
  step: { marginTop: tokens.spacingVerticalL, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  list: { paddingInlineStart: tokens.spacingHorizontalL, margin: 0 },
  row: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalS, alignItems: 'center' },
});

export function PrendreRdv(props: { reference: Reference; onBooked?(rdvId: number): void }) {
  const { api, now, me, newKey, office } = usePane();
  const i18n = useI18n();
  const { t, dayTime } = i18n;
  const s = useStyles();
  const ref = props.reference;
  const [usager, setUsager] = useState<Usager | null>(null);
  const [serviceId, setServiceId] = useState<number | null>(null);
  const [motifId, setMotifId] = useState<number | null>(null);
  const [lieuId, setLieuId] = useState<number | null>(null);
  const [agentId, setAgentId] = useState<number | null>(null);
  const [availability, setAvailability] = useState<Availability | null>(null);
  const [slotsError, setSlotsError] = useState<unknown>(null);
  const [slot, setSlot] = useState<Slot | null>(null);
  const [switches, setSwitches] = useState<FeatureSwitches | null>(null);
  const [booking, setBooking] = useState(false);
  const [bookError, setBookError] = useState<unknown>(null);
  const [booked, setBooked] = useState<string | null>(null);
  const [itemLine, setItemLine] = useState<{ ok: boolean; text: string } | null>(null);
  const [reloadSlots, setReloadSlots] = useState(0);
  const key = useRef<string | null>(null);

  const organisationId = me?.organisationId ?? ref.organisations[0]?.id ?? null;
  const motif = ref.motifs.find((m) => m.id === motifId) ?? null;
  const motifs = useMemo(() => ref.motifs.filter((m) => m.serviceId === serviceId && !m.archivedAt && !m.collective), [ref.motifs, serviceId]);
  const lieux = useMemo(() => ref.lieux.filter((l) => motif && l.organisationId === motif.organisationId && l.availability !== 'disabled'), [ref.lieux, motif]);
  const agents = useMemo(() => ref.agents.filter((a) => motif && a.organisationId === motif.organisationId && a.serviceIds.map(Number).includes(motif.serviceId)), [ref.agents, motif]);
  const needsLieu = motif?.locationType === 'public_office';
  const ready = motif && (!needsLieu || lieuId);

  // Any change of choice makes a new request: a new Idempotency-Key, no slot chosen.
  useEffect(() => { key.current = null; setSlot(null); setBookError(null); }, [usager, motifId, lieuId, agentId]);

  useEffect(() => {
    if (!ready || !motif) { setAvailability(null); return; }
    let live = true;
    const today = localDay(now(), i18n.timeZone);
    setAvailability(null); setSlotsError(null);
    api.availability({ motifId: motif.id, from: today, to: addDays(today, 13), lieuId: needsLieu ? lieuId ?? undefined : undefined, agentId: agentId ?? undefined })
      .then((a) => live && setAvailability(a), (err) => live && setSlotsError(err));
    api.featureSwitches({ organisationId: motif.organisationId, serviceId: motif.serviceId }).then((sw) => live && setSwitches(sw), () => live && setSwitches({}));
    return () => { live = false; };
  }, [api, motif, lieuId, agentId, ready, needsLieu, reloadSlots, now, i18n.timeZone]);

  async function confirm() {
    if (!slot || !motif || !usager) return;
    setBooking(true); setBookError(null);
    key.current ??= newKey();
    const composing = office.currentItem().kind === 'appointment-compose';
    try {
      const rdv = await api.createRdv({
        motifId: motif.id, lieuId: needsLieu ? slot.lieuId : null, startsAt: slot.startsAt, agentIds: [slot.agentId], usagerIds: [usager.id], channel: 'addin',
        ...(composing ? { outlookItem: 'compose' } : {}),
      }, key.current);
      setBooked(t('book.booked', { name: `${usager.firstName} ${usager.lastName}`, slot: dayTime(slot.startsAt) }));
      key.current = null;
      if (rdv.outlookEvent) await linkComposedItem(rdv.id, rdv.outlookEvent);
      props.onBooked?.(rdv.id);
    } catch (err) {
      setBookError(err);
      if (err instanceof ApiError && err.kind === 'conflict') { key.current = null; setSlot(null); setReloadSlots((n) => n + 1); }
    } finally {
      setBooking(false);
    }
  }

  /** The appointment being composed becomes the RDV's event: filled, tagged, saved, reported. */
  async function linkComposedItem(rdvId: number, fill: ComposeFill) {
    try {
      await office.fillAppointment({ subject: fill.subject, start: new Date(fill.start), end: new Date(fill.end), location: fill.location });
      const itemId = await office.tagAndSaveAppointment(fill.customProperty);
      await api.reportItem({ rdvId, itemId });
      setItemLine({ ok: true, text: t('book.itemSaved') });
    } catch (err) {
      setItemLine({ ok: false, text: t('book.itemFailed', { detail: describeError(err, t) }) });
    }
  }

  function restart() {
    setItemLine(null);
    setBooked(null); setUsager(null); setSlot(null); setMotifId(null); setServiceId(null); setLieuId(null); setAgentId(null);
  }

  if (booked) {
    return (
      <section aria-labelledby="book-title">
        <Subtitle1 as="h2" id="book-title">{t('book.title')}</Subtitle1>
        <div role="status"><Text weight="semibold">{booked}</Text></div>
        {itemLine && (
          <MessageBar intent={itemLine.ok ? 'success' : 'warning'} data-testid="item-line"><MessageBarBody>{itemLine.text}</MessageBarBody></MessageBar>
        )}
        <Button appearance="primary" onClick={restart}>{t('book.another')}</Button>
      </section>
    );
  }

  const messages = motif && usager && switches ? plannedMessages(motif, usager, switches) : null;
  return (
    <section aria-labelledby="book-title">
      <Subtitle1 as="h2" id="book-title">{t('book.title')}</Subtitle1>

      <div className={s.step}>
        <Subtitle2 as="h3">{t('book.usager')}</Subtitle2>
        {usager ? (
          <div className={s.row}>
            <Text>{t('book.chosen', { name: `${usager.firstName} ${usager.lastName}` })}</Text>
            <Button size="small" onClick={() => setUsager(null)}>{t('book.change')}</Button>
          </div>
        ) : <UsagerPicker organisationId={organisationId} onChoose={setUsager} />}
      </div>

      <div className={s.step}>
        <Field label={t('book.service')}>
          <Select value={serviceId ?? ''} onChange={(_, d) => { setServiceId(d.value ? Number(d.value) : null); setMotifId(null); setLieuId(null); setAgentId(null); }}>
            <option value="">{t('book.pick')}</option>
            {ref.services.map((x) => <option key={x.id} value={x.id}>{x.name}</option>)}
          </Select>
        </Field>
        <Field label={t('book.motif')}>
          <Select value={motifId ?? ''} disabled={!serviceId} onChange={(_, d) => { setMotifId(d.value ? Number(d.value) : null); setLieuId(null); setAgentId(null); }}>
            <option value="">{t('book.pick')}</option>
            {motifs.map((m) => <option key={m.id} value={m.id}>{m.name} ({m.durationMinutes} min)</option>)}
          </Select>
        </Field>
        {motif && (needsLieu ? (
          <Field label={t('book.place')}>
            <Select value={lieuId ?? ''} onChange={(_, d) => setLieuId(d.value ? Number(d.value) : null)}>
              <option value="">{t('book.pick')}</option>
              {lieux.map((l) => <option key={l.id} value={l.id}>{l.name}</option>)}
            </Select>
          </Field>
        ) : <Text><Text weight="semibold">{t('book.place')} : </Text>{t(`loc.${motif.locationType}` as MessageKey)}</Text>)}
        {motif && (
          <Field label={t('book.agent')}>
            <Select value={agentId ?? ''} onChange={(_, d) => setAgentId(d.value ? Number(d.value) : null)}>
              <option value="">{t('book.anyAgent')}</option>
              {agents.map((a) => <option key={a.id} value={a.id}>{a.firstName} {a.lastName}</option>)}
            </Select>
          </Field>
        )}
      </div>

      {ready && (
        <div className={s.step}>
          <Subtitle2 as="h3" id="slots-title">{t('book.slot')}</Subtitle2>
          {/* A refused booking is said here, above the slots read again, where the agent chooses next (a 320 px pane
              would otherwise show it far below). */}
          {bookError ? <ErrorMessage error={bookError} /> : null}
          {slotsError ? <ErrorMessage error={slotsError} onRetry={() => setReloadSlots((n) => n + 1)} />
            : !availability ? <Spinner label={t('book.slotsLoading')} />
            : (availability.days ?? []).every((d) => d.lieux.every((l) => l.agents.every((a) => a.starts.length === 0)))
              ? <Text as="p">{t('book.noSlot')}</Text>
              : <SlotPicker availability={availability} agents={ref.agents} chosen={slot} onChoose={setSlot} labelId="slots-title" />}
        </div>
      )}

      {slot && usager && motif && (
        <div className={s.step}>
          <Subtitle2 as="h3">{t('book.summary')}</Subtitle2>
          <Text>{usager.firstName} {usager.lastName} — {motif.name} — {dayTime(slot.startsAt)}</Text>
          <Subtitle2 as="h4">{t('book.notifications')}</Subtitle2>
          {!messages ? <Spinner size="tiny" /> : messages.some((m) => m.goes) || messages.length ? (
            <ul className={s.list} data-testid="planned-messages">
              {messages.map((m) => (
                <li key={`${m.kind}-${m.channel}`}>
                  {m.goes ? t('book.notifWill', { kind: t(`kind.${m.kind}`), channel: t(`channel.${m.channel}`) })
                    : t('book.notifWont', { kind: t(`kind.${m.kind}`), channel: t(`channel.${m.channel}`), reason: t(`reason.${m.reason}` as MessageKey) })}
                </li>
              ))}
            </ul>
          ) : <Text>{t('book.noNotification')}</Text>}
          <Button appearance="primary" onClick={confirm} disabled={booking}>{booking ? t('book.booking') : t('book.confirm')}</Button>
        </div>
      )}
    </section>
  );
}
