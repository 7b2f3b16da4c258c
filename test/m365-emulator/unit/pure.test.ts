/** The emulator's pure pieces: OData $filter, time zones, recurrence, Prefer parsing. */
import { describe, expect, it } from '@jest/globals';
import { compileFilter } from '../filter';
import { parsePrefer } from '../graph-http';
import { expandSeries } from '../recurrence';
import { formatGraphDateTime, parseDateTimeTimeZone, toIana } from '../timezones';

describe('$filter', () => {
  const ev = { subject: 'RDV', isCancelled: false, start: { dateTime: '2026-03-30T07:00:00.0000000' }, singleValueExtendedProperties: [{ id: 'String {66F5A359-4659-4830-9070-00047EC6AC6E} Name RdvLink', value: 'rdv-1' }] };

  it('matches an extended property with Any(), whatever the case of the GUID', () => {
    expect(compileFilter("singleValueExtendedProperties/Any(ep: ep/id eq 'String {66f5a359-4659-4830-9070-00047ec6ac6e} Name RdvLink' and ep/value eq 'rdv-1')")(ev)).toBe(true);
    expect(compileFilter("singleValueExtendedProperties/any(x: x/value eq 'rdv-2')")(ev)).toBe(false);
  });

  it('compares date-times as instants and combines clauses', () => {
    expect(compileFilter("start/dateTime ge '2026-03-30T06:59:00Z' and not (isCancelled eq true)")(ev)).toBe(true);
    expect(compileFilter("start/dateTime lt '2026-03-30T07:00:00' or subject eq 'autre'")(ev)).toBe(false);
  });

  it('rejects malformed expressions with a message', () => {
    expect(() => compileFilter("subject eq 'unterminated")).toThrow(/Unterminated/);
    expect(() => compileFilter('subject has 1')).toThrow();
  });
});

describe('Time zones', () => {
  it('maps Windows names of metropolitan and overseas France to IANA zones', () => {
    expect(toIana('Romance Standard Time')).toBe('Europe/Paris');
    expect(toIana('SA Western Standard Time')).toBe('America/La_Paz');
    expect(toIana('Europe/Paris')).toBe('Europe/Paris');
    expect(toIana('Mars Standard Time')).toBeUndefined();
  });

  it('reads and writes Graph date-times with seven fractional digits', () => {
    const ms = parseDateTimeTimeZone({ dateTime: '2026-10-25T12:00:00', timeZone: 'Romance Standard Time' })!;
    expect(formatGraphDateTime(ms, 'UTC')).toBe('2026-10-25T11:00:00.0000000');
  });
});

describe('Recurrence', () => {
  it('counts numbered weekly occurrences on several days from the range start', () => {
    const start = Date.parse('2026-03-02T13:00:00Z');
    const slots = expandSeries({ pattern: { type: 'weekly', interval: 2, daysOfWeek: ['monday', 'friday'] }, range: { type: 'numbered', startDate: '2026-03-02', numberOfOccurrences: 5 } }, start, 3600_000, 'UTC', 0, Date.parse('2027-01-01T00:00:00Z'));
    expect(slots.map((s) => s.dateKey)).toEqual(['2026-03-02', '2026-03-06', '2026-03-16', '2026-03-20', '2026-03-30']);
  });

  it('skips months without the day for absoluteMonthly', () => {
    const start = Date.parse('2026-01-31T09:00:00Z');
    const slots = expandSeries({ pattern: { type: 'absoluteMonthly', interval: 1, dayOfMonth: 31 }, range: { type: 'endDate', startDate: '2026-01-31', endDate: '2026-05-31' } }, start, 3600_000, 'UTC', 0, Date.parse('2027-01-01T00:00:00Z'));
    expect(slots.map((s) => s.dateKey)).toEqual(['2026-01-31', '2026-03-31', '2026-05-31']);
  });
});

describe('Prefer header', () => {
  it('reads time zone, id type and page size from one or several preferences', () => {
    expect(parsePrefer({ prefer: 'outlook.timezone="Romance Standard Time", IdType="ImmutableId", odata.maxpagesize=50' })).toEqual({ timeZone: 'Romance Standard Time', immutableId: true, maxPageSize: 50 });
    expect(parsePrefer({})).toEqual({ immutableId: false });
  });
});
