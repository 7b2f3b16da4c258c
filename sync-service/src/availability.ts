/**
 * Availability as the service answers it: loads the motif's plages and the agents' busy time from the store,
 * runs the pure engine of shared/src/availability, and re-checks a chosen slot when booking.
 */
import { DateTime } from 'luxon';
import {
  computeSlots, findSlot, groupSlotsByDay, unreadableAbsenceField, unreadablePlageField, type AbsenceInput, type AvailabilityQuery,
  type PlageInput, type Slot,
} from '../../shared/src/availability';
import * as data from './data/availability';
import type { Db } from './data/db';
import type { MotifRow } from './data/rdvs';
import { conflict } from './errors';

export interface AvailabilityRequest {
  motif: MotifRow;
  lieuId?: number | null;
  agentId?: number | null;
  /** Local days (territory's zone), inclusive. */
  from: string;
  to: string;
  now: Date;
  audience: 'agent' | 'usager';
  ignoreRdvId?: number;
  /** Told about each stored plage or absence the engine cannot read (see `readablePlages`, `readableAbsences`). */
  onBadRow?: (row: BadRow) => void;
}

export interface BadRow { table: 'plages' | 'absences'; id: number; field: string }

// A stored row the engine cannot read (saved before the shared schemas bounded dates, e.g. a recurrence until
// year 0000) would make the engine refuse the whole query, for every agent sharing the motif. Instead: an unreadable
// plage offers nothing, and an unreadable absence blocks its agent over the whole period (when unsure, the agent is
// not offered). Both are reported so that an operator fixes the row.
function readablePlages<T extends PlageInput>(rows: T[], onBadRow?: (row: BadRow) => void): T[] {
  return rows.filter((p) => {
    const field = unreadablePlageField(p);
    if (field) onBadRow?.({ table: 'plages', id: p.id, field });
    return !field;
  });
}

function readableAbsences<T extends AbsenceInput & { id: number }>(rows: T[], from: string, to: string, onBadRow?: (row: BadRow) => void): AbsenceInput[] {
  return rows.map((a) => {
    const field = unreadableAbsenceField(a);
    if (!field) return a;
    onBadRow?.({ table: 'absences', id: a.id, field });
    return { agentId: a.agentId, firstDay: from, startTime: '00:00', endDay: to, endTime: '24:00', recurrence: null };
  });
}

function dayBounds(from: string, to: string, zone: string) {
  // One extra day on each side: RDVs and busy blocks overlapping the edges (buffers, night events) still count.
  return {
    start: DateTime.fromISO(from, { zone }).minus({ days: 1 }).toJSDate(),
    end: DateTime.fromISO(to, { zone }).plus({ days: 2 }).toJSDate(),
  };
}

export async function loadAvailabilityQuery(db: Db, r: AvailabilityRequest): Promise<AvailabilityQuery> {
  const { tentativeBlocks, ...territory } = r.motif.territory;
  const plages = readablePlages(await data.plagesForMotif(db, { motifId: r.motif.id, lieuId: r.lieuId, agentId: r.agentId, fromDay: r.from, toDay: r.to }), r.onBadRow);
  const agentIds = [...new Set(plages.map((p) => p.agentId))];
  const { start, end } = dayBounds(r.from, r.to, territory.timeZone);
  const fromDay = DateTime.fromJSDate(start, { zone: territory.timeZone }).toISODate()!;
  const [absences, busyBlocks, rdvs] = agentIds.length === 0 ? [[], [], []] : await Promise.all([
    data.absencesOfAgents(db, agentIds, fromDay, r.to).then((rows) => readableAbsences(rows, fromDay, r.to, r.onBadRow)),
    data.busyBlocksOfAgents(db, agentIds, start, end, tentativeBlocks),
    data.rdvsOfAgents(db, agentIds, start, end, r.ignoreRdvId),
  ]);
  return {
    now: r.now, from: r.from, to: r.to, territory, audience: r.audience, lieuId: r.lieuId ?? null, agentId: r.agentId ?? null,
    motif: {
      id: r.motif.id, durationMinutes: r.motif.durationMinutes, bufferMinutes: r.motif.bufferMinutes,
      minBookingDelayMinutes: r.motif.minBookingDelayMinutes, maxBookingDelayMinutes: r.motif.maxBookingDelayMinutes, collective: r.motif.collective,
    },
    plages, absences, busyBlocks, rdvs,
  };
}

export async function computeAvailability(db: Db, r: AvailabilityRequest) {
  const query = await loadAvailabilityQuery(db, r);
  const slots = computeSlots(query);
  return { slots, days: groupSlotsByDay(slots, query.territory.timeZone), timeZone: query.territory.timeZone };
}

/** First bookable slot within `months` months from now (searched month by month). */
export async function nextAvailability(db: Db, r: Omit<AvailabilityRequest, 'from' | 'to'>, months = 6): Promise<Slot | null> {
  const zone = r.motif.timeZone;
  let from = DateTime.fromJSDate(r.now, { zone }).startOf('day');
  const limit = from.plus({ months });
  while (from < limit) {
    const to = DateTime.min(from.plus({ days: 30 }), limit);
    const { slots } = await computeAvailability(db, { ...r, from: from.toISODate()!, to: to.toISODate()! });
    if (slots.length) return slots[0];
    from = to.plus({ days: 1 });
  }
  return null;
}

/** Booking re-check: the slot must still be offered to agents by the same rules, else 409. */
export async function assertSlotBookable(db: Db, b: {
  motif: MotifRow; agentId: number; lieuId: number | null; startsAt: Date; endsAt: Date; now: Date; ignoreRdvId?: number;
}): Promise<void> {
  const zone = b.motif.timeZone;
  const day = DateTime.fromJSDate(b.startsAt, { zone }).toISODate()!;
  const expectedEnd = b.startsAt.getTime() + b.motif.durationMinutes * 60_000;
  const query = await loadAvailabilityQuery(db, {
    motif: b.motif, lieuId: b.lieuId, agentId: b.agentId, from: day, to: day, now: b.now, audience: 'agent', ignoreRdvId: b.ignoreRdvId,
  });
  const slot = b.endsAt.getTime() === expectedEnd ? findSlot(query, b.startsAt, b.agentId) : null;
  if (!slot) {
    throw conflict('slot_unavailable',
      b.endsAt.getTime() !== expectedEnd
        ? `La durée demandée ne correspond pas à celle du motif (${b.motif.durationMinutes} min).`
        : "Ce créneau n'est pas (ou plus) disponible pour cet agent : choisissez un autre créneau.",
      { agentId: b.agentId }, 'startsAt');
  }
}
