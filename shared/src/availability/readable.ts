/**
 * Whether the engine can read one stored plage or absence. The service checks rows loaded from the store with
 * these before a query: a row saved before the API's rules tightened (a recurrence until year 0000, a month 13)
 * must cost only its own slots, not fail the query of every agent sharing the motif.
 * Each returns null when the row is readable, else the field at fault. The same parsers as the engine's decide.
 */
import { AvailabilityInputError } from './errors';
import { parseDay, parseTime } from './local-time';
import { compileOccurrences } from './recurrence';
import type { AbsenceInput, PlageInput } from './types';

function fieldAtFault(read: () => void): string | null {
  try {
    read();
    return null;
  } catch (err) {
    if (err instanceof AvailabilityInputError) return err.field;
    throw err;
  }
}

export function unreadablePlageField(p: PlageInput): string | null {
  return fieldAtFault(() => {
    parseTime(p.startTime, 'startTime');
    parseTime(p.endTime, 'endTime');
    if (p.startTime2 != null) parseTime(p.startTime2, 'startTime2');
    if (p.endTime2 != null) parseTime(p.endTime2, 'endTime2');
    compileOccurrences(p.firstDay, p.recurrence, 'plage');
  });
}

export function unreadableAbsenceField(a: AbsenceInput): string | null {
  return fieldAtFault(() => {
    parseTime(a.startTime, 'startTime');
    parseTime(a.endTime, 'endTime');
    parseDay(a.endDay, 'endDay');
    compileOccurrences(a.firstDay, a.recurrence, 'absence');
  });
}
