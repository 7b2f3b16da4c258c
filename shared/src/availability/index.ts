/**
 * The availability engine: pure functions from plages, absences, busy blocks, RDVs and territory settings to the
 * slots that can really be booked (issue 3). No I/O, no clock: `now` is an argument.
 */
export type {
  AbsenceInput, AvailabilityQuery, BusyBlockInput, MotifInput, PlageInput, PublicHoliday, RdvInput, Slot, SlotsOfAgent,
  SlotsOfDay, SlotsOfLieu, TerritorySettings,
} from './types';
export { computeSlots, findSlot, periodBounds } from './engine';
export { groupSlotsByDay } from './group';
export { easterSunday, publicHolidays } from './holidays';
export { AvailabilityInputError } from './errors';
export { intersectIntervals, mergeIntervals, subtractIntervals, type Interval } from './intervals';
export { compileOccurrences } from './recurrence';
export { unreadableAbsenceField, unreadablePlageField } from './readable';
