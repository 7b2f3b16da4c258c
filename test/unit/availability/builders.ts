/**
 * Small readable builders for availability tests: `aPlage().forAgent(1).on('2026-03-30').from('09:00').to('12:00')`.
 * Defaults: Paris, motif 1 of 30 minutes without buffer, agent 1, lieu 1.
 */
import { DateTime } from 'luxon';
import type {
  AbsenceInput, AvailabilityQuery, BusyBlockInput, MotifInput, PlageInput, RdvInput, Slot, TerritorySettings,
} from '../../../shared/src/availability';
import type { IsoWeekday, RdvStatus, Recurrence } from '../../../shared/src/domain';

export function aTerritory(overrides: Partial<TerritorySettings> = {}): TerritorySettings {
  return { timeZone: 'Europe/Paris', departementCode: '75', whitMondayIsHoliday: true, worksOnPublicHolidays: false, ...overrides };
}

export function aMotif(overrides: Partial<MotifInput> = {}): MotifInput {
  return {
    id: 1, durationMinutes: 30, bufferMinutes: 0, minBookingDelayMinutes: 0, maxBookingDelayMinutes: 90 * 24 * 60, collective: false,
    ...overrides,
  };
}

class PlageBuilder {
  private p: PlageInput = {
    id: 1, agentId: 1, lieuId: 1, motifIds: [1], firstDay: '2026-03-02', startTime: '09:00', endTime: '12:00', recurrence: null,
  };
  withId(id: number): this { this.p.id = id; return this; }
  forAgent(agentId: number): this { this.p.agentId = agentId; return this; }
  atLieu(lieuId: number | null): this { this.p.lieuId = lieuId; return this; }
  forMotifs(...motifIds: number[]): this { this.p.motifIds = motifIds; return this; }
  on(firstDay: string): this { this.p.firstDay = firstDay; return this; }
  from(startTime: string): this { this.p.startTime = startTime; return this; }
  to(endTime: string): this { this.p.endTime = endTime; return this; }
  andFrom(startTime2: string, endTime2: string): this { this.p.startTime2 = startTime2; this.p.endTime2 = endTime2; return this; }
  weekly(weekdays: IsoWeekday[] = [], interval = 1): this { this.p.recurrence = { frequency: 'weekly', interval, weekdays }; return this; }
  monthly(monthlyMode: Recurrence['monthlyMode'], interval = 1): this { this.p.recurrence = { frequency: 'monthly', interval, monthlyMode }; return this; }
  until(until: string): this { this.p.recurrence = { ...this.p.recurrence!, until }; return this; }
  withBuffer(minutes: number): this { this.p.bufferMinutesOverride = minutes; return this; }
  build(): PlageInput { return { ...this.p }; }
}
export const aPlage = () => new PlageBuilder();

class AbsenceBuilder {
  private a: AbsenceInput = { agentId: 1, firstDay: '2026-03-02', startTime: '00:00', endDay: '2026-03-02', endTime: '24:00', recurrence: null };
  forAgent(agentId: number): this { this.a.agentId = agentId; return this; }
  from(day: string, time: string): this { this.a.firstDay = day; this.a.startTime = time; return this; }
  to(day: string, time: string): this { this.a.endDay = day; this.a.endTime = time; return this; }
  weekly(weekdays: IsoWeekday[] = [], interval = 1, until?: string): this { this.a.recurrence = { frequency: 'weekly', interval, weekdays, until }; return this; }
  build(): AbsenceInput { return { ...this.a }; }
}
export const anAbsence = () => new AbsenceBuilder();

export function aBusyBlock(start: string, end: string, agentId = 1): BusyBlockInput {
  return { agentId, start: new Date(start), end: new Date(end) };
}

let nextRdvId = 1;
class RdvBuilder {
  private r: RdvInput = { id: nextRdvId++, agentIds: [1], start: new Date(0), end: new Date(0), status: 'unknown', bufferMinutes: 0 };
  forAgents(...agentIds: number[]): this { this.r.agentIds = agentIds; return this; }
  at(start: string, end: string): this { this.r.start = new Date(start); this.r.end = new Date(end); return this; }
  withStatus(status: RdvStatus): this { this.r.status = status; return this; }
  withBuffer(minutes: number): this { this.r.bufferMinutes = minutes; return this; }
  build(): RdvInput { return { ...this.r }; }
}
export const anRdv = () => new RdvBuilder();

type Buildable<T> = T | { build(): T };
const built = <T>(x: Buildable<T>): T => (typeof (x as { build?: unknown }).build === 'function' ? (x as { build(): T }).build() : (x as T));

export interface QueryParts extends Partial<Omit<AvailabilityQuery, 'plages' | 'absences' | 'rdvs' | 'now'>> {
  now?: string | Date;
  plages?: Array<Buildable<PlageInput>>;
  absences?: Array<Buildable<AbsenceInput>>;
  rdvs?: Array<Buildable<RdvInput>>;
}

/** A query over the given days, seen by agents, `now` long before the period unless told. */
export function aQuery(parts: QueryParts = {}): AvailabilityQuery {
  return {
    now: parts.now === undefined ? new Date('2026-01-01T00:00:00Z') : new Date(parts.now),
    from: parts.from ?? '2026-03-02',
    to: parts.to ?? parts.from ?? '2026-03-02',
    territory: parts.territory ?? aTerritory(),
    motif: parts.motif ?? aMotif(),
    audience: parts.audience ?? 'agent',
    plages: (parts.plages ?? []).map(built),
    absences: (parts.absences ?? []).map(built),
    busyBlocks: parts.busyBlocks ?? [],
    rdvs: (parts.rdvs ?? []).map(built),
    lieuId: parts.lieuId,
    agentId: parts.agentId,
  };
}

/** Slot starts as local wall-clock readings, e.g. '2026-03-30 09:00'. */
export function localStarts(slots: Slot[], timeZone = 'Europe/Paris'): string[] {
  return slots.map((s) => DateTime.fromJSDate(s.start, { zone: timeZone }).toFormat('yyyy-MM-dd HH:mm'));
}

/** Local times of the slot starts on one day, e.g. ['09:00', '09:30']. */
export function times(slots: Slot[], timeZone = 'Europe/Paris'): string[] {
  return slots.map((s) => DateTime.fromJSDate(s.start, { zone: timeZone }).toFormat('HH:mm'));
}

export const isoStarts = (slots: Slot[]): string[] => slots.map((s) => s.start.toISOString());
