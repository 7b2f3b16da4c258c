/**
 * Free slots from GET /api/availability, grouped by day, each a toggle button naming its time and agent (the
 * chosen one is pressed). A compact view for a 320 px pane: the first days with slots, a few slots per day.
 */
import { Button, makeStyles, Subtitle2, tokens } from '@fluentui/react-components';
import type { Agent, Availability } from '../api/types';
import { useI18n } from '../i18n';

export interface Slot { startsAt: string; agentId: number; lieuId: number | null }

const MAX_DAYS = 6;
const MAX_PER_DAY = 8;

const useStyles = makeStyles({
  day: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalS, marginBottom: tokens.spacingVerticalM },
  heading: { display: 'block', marginBottom: tokens.spacingVerticalXS },
});

export function slotsByDay(av: Availability, exceptStart?: string): Array<{ day: string; slots: Slot[] }> {
  return (av.days ?? []).map((d) => ({
    day: d.day,
    slots: d.lieux.flatMap((l) => l.agents.flatMap((a) => a.starts.map((s) => ({ startsAt: s, agentId: a.agentId, lieuId: l.lieuId }))))
      .filter((s) => s.startsAt !== exceptStart)
      .sort((a, b) => a.startsAt.localeCompare(b.startsAt) || a.agentId - b.agentId),
  })).filter((d) => d.slots.length > 0);
}

export function SlotPicker(props: { availability: Availability; agents: Agent[]; chosen: Slot | null; onChoose(s: Slot): void; exceptStart?: string; labelId: string }) {
  const { t, time, day } = useI18n();
  const s = useStyles();
  const agentName = (id: number) => { const a = props.agents.find((x) => x.id === id); return a ? `${a.firstName} ${a.lastName}` : `#${id}`; };
  const days = slotsByDay(props.availability, props.exceptStart).slice(0, MAX_DAYS);
  return (
    <div role="group" aria-labelledby={props.labelId}>
      {days.map((d) => (
        <div key={d.day}>
          <Subtitle2 as="h4" className={s.heading}>{day(`${d.day}T12:00:00Z`)}</Subtitle2>
          <div className={s.day}>
            {d.slots.slice(0, MAX_PER_DAY).map((slot) => {
              const pressed = props.chosen?.startsAt === slot.startsAt && props.chosen.agentId === slot.agentId;
              return (
                <Button key={`${slot.startsAt}-${slot.agentId}`} size="small" appearance={pressed ? 'primary' : 'secondary'} aria-pressed={pressed}
                  onClick={() => props.onChoose(slot)}>
                  {t('book.slotLabel', { time: time(slot.startsAt), agent: agentName(slot.agentId) })}
                </Button>
              );
            })}
          </div>
        </div>
      ))}
    </div>
  );
}
