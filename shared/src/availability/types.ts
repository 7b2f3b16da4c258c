/**
 * Inputs and outputs of the availability engine. The service maps database rows into these shapes; the engine
 * never reads the clock nor the database.
 */
import type { RdvStatus, Recurrence } from '../domain';

export interface TerritorySettings {
  /** IANA zone in which plages, absences and holidays are expressed (e.g. `Europe/Paris`, `Indian/Reunion`). */
  timeZone: string;
  /** '75', '57', '2A', '971'…: decides Alsace-Moselle and overseas holidays. */
  departementCode: string;
  whitMondayIsHoliday: boolean;
  /** When true, public holidays do not block plages. */
  worksOnPublicHolidays: boolean;
}

export interface PlageInput {
  id: number;
  agentId: number;
  lieuId: number | null;
  motifIds: number[];
  /** Local date YYYY-MM-DD: the first (or only) day it occurs. */
  firstDay: string;
  /** Local wall-clock times HH:MM (HH:MM:SS accepted; `24:00` as end means the next midnight). */
  startTime: string;
  endTime: string;
  /** Optional second daily window (e.g. 14:00–17:00 after a 09:00–12:00 morning). */
  startTime2?: string | null;
  endTime2?: string | null;
  recurrence: Recurrence | null;
  /** Buffer after each RDV for this plage, overriding the motif's. */
  bufferMinutesOverride?: number | null;
}

export interface AbsenceInput {
  agentId: number;
  firstDay: string;
  startTime: string;
  /**
   * Last local day. A one-off absence blocks continuously from (firstDay, startTime) to (endDay, endTime).
   * A recurring one repeats that span: each occurrence on day d blocks (d, startTime) to (d + endDay − firstDay, endTime).
   */
  endDay: string;
  endTime: string;
  recurrence: Recurrence | null;
}

/** Time taken in the agent's Outlook calendar by something that is not one of our RDVs. */
export interface BusyBlockInput {
  agentId: number;
  start: Date;
  end: Date;
}

export interface RdvInput {
  id: number;
  agentIds: number[];
  start: Date;
  end: Date;
  status: RdvStatus;
  /** Buffer kept free after the RDV (minutes), as decided when it was booked. */
  bufferMinutes: number;
}

export interface MotifInput {
  id: number;
  durationMinutes: number;
  bufferMinutes: number;
  /** Usagers only: a slot must start at least this long after now. */
  minBookingDelayMinutes: number;
  /** Usagers only: a slot must start at most this long after now. */
  maxBookingDelayMinutes: number;
  /** Collective motifs have no computed slots (the service lists existing collective RDVs instead). */
  collective: boolean;
}

export interface AvailabilityQuery {
  now: Date;
  /** Local dates (territory's zone), both inclusive. */
  from: string;
  to: string;
  territory: TerritorySettings;
  motif: MotifInput;
  audience: 'agent' | 'usager';
  /** Plages of the motif's service; the engine keeps those that offer the motif (and match lieu/agent). */
  plages: PlageInput[];
  /** Busy time of the agents, in every organisation. */
  absences: AbsenceInput[];
  busyBlocks: BusyBlockInput[];
  rdvs: RdvInput[];
  /** Only plages at this lieu; null or absent: any lieu. */
  lieuId?: number | null;
  /** Only plages of this agent; null or absent: any agent. */
  agentId?: number | null;
}

export interface Slot {
  start: Date;
  /** start + motif duration (the buffer is not part of the slot). */
  end: Date;
  agentId: number;
  lieuId: number | null;
  plageId: number;
}

export interface SlotsOfAgent { agentId: number; slots: Slot[] }
export interface SlotsOfLieu { lieuId: number | null; agents: SlotsOfAgent[] }
export interface SlotsOfDay { day: string; lieux: SlotsOfLieu[] }

export interface PublicHoliday {
  /** Local date YYYY-MM-DD. */
  date: string;
  /** French name, e.g. 'Lundi de Pâques'. */
  name: string;
}
