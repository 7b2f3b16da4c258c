/**
 * POST /users/{id}/calendar/getSchedule (api-reference/v1.0/api/calendar-getschedule.md): free/busy of up to 20
 * mailboxes over a window shorter than 42 days, with availabilityView digits (0 free, 1 tentative, 2 busy, 3 oof,
 * 4 workingElsewhere) per availabilityViewInterval minutes (5–1440, default 30).
 */
import { instancesInWindow } from './events';
import { graphError, parsePrefer, type GraphRequest, type GraphResponse } from './graph-http';
import type { Store } from './store';
import { dateTimeTimeZone, parseDateTimeTimeZone } from './timezones';

const DIGIT: Record<string, number> = { free: 0, tentative: 1, busy: 2, oof: 3, workingElsewhere: 4 };
/** When several events overlap a slot, the strongest status wins. */
const STRENGTH: Record<number, number> = { 0: 0, 4: 1, 1: 2, 2: 3, 3: 4 };

export async function getSchedule(store: Store, req: GraphRequest): Promise<GraphResponse> {
  const b = (req.body ?? {}) as { schedules?: unknown; startTime?: { dateTime?: string; timeZone?: string }; endTime?: { dateTime?: string; timeZone?: string }; availabilityViewInterval?: unknown };
  if (!Array.isArray(b.schedules) || b.schedules.length === 0 || b.schedules.some((s) => typeof s !== 'string')) {
    return graphError(req, 400, 'ErrorInvalidParameter', "The parameter 'schedules' must list the SMTP addresses of the mailboxes.");
  }
  if (b.schedules.length > 20) return graphError(req, 400, 'ErrorInvalidParameter', 'Too many schedules: at most 20 mailboxes per request.');
  const start = parseDateTimeTimeZone(b.startTime);
  const end = parseDateTimeTimeZone(b.endTime);
  if (start === undefined || end === undefined) return graphError(req, 400, 'ErrorInvalidParameter', 'startTime and endTime are required dateTimeTimeZone values.');
  if (end <= start) return graphError(req, 400, 'ErrorInvalidParameter', 'endTime must be later than startTime.');
  if (end - start >= 42 * 86400_000) return graphError(req, 400, 'ErrorInvalidParameter', 'The time window must be shorter than 42 days.');
  const interval = b.availabilityViewInterval === undefined ? 30 : Number(b.availabilityViewInterval);
  if (!Number.isInteger(interval) || interval < 5 || interval > 1440) return graphError(req, 400, 'ErrorInvalidParameter', 'availabilityViewInterval must be between 5 and 1440 minutes.');
  const tz = parsePrefer(req.headers).timeZone ?? 'UTC';
  const slotMs = interval * 60_000;
  const slots = Math.ceil((end - start) / slotMs);
  const value = (b.schedules as string[]).map((scheduleId) => {
    const user = store.findUser(scheduleId);
    if (!user || user.tenantId !== req.auth.tenantId) {
      return { scheduleId, availabilityView: '', error: { message: `The requested user '${scheduleId}' is invalid.`, responseCode: 'ErrorMailRecipientNotFound' }, scheduleItems: [], workingHours: null };
    }
    const items = instancesInWindow(store, user.id, start, end).filter((i) => i.fields.isCancelled !== true);
    const view: number[] = new Array(slots).fill(0);
    for (const i of items) {
      const digit = DIGIT[String(i.fields.showAs ?? 'busy')] ?? 2;
      for (let k = 0; k < slots; k++) {
        const s = start + k * slotMs;
        const e = Math.min(s + slotMs, end);
        if (i.startMs < e && i.endMs > s && STRENGTH[digit] > STRENGTH[view[k]]) view[k] = digit;
      }
    }
    return {
      scheduleId,
      availabilityView: view.join(''),
      scheduleItems: items.filter((i) => i.fields.showAs !== 'free').map((i) => {
        const isPrivate = i.fields.sensitivity === 'private';
        return {
          isPrivate,
          status: String(i.fields.showAs ?? 'busy'),
          ...(isPrivate ? {} : { subject: String(i.fields.subject ?? ''), location: String((i.fields.location as { displayName?: string } | undefined)?.displayName ?? '') }),
          isMeeting: Array.isArray(i.fields.attendees) && i.fields.attendees.length > 0,
          isRecurring: i.type === 'occurrence' || i.type === 'exception',
          isException: i.type === 'exception',
          isReminderSet: i.fields.isReminderOn !== false,
          start: dateTimeTimeZone(i.startMs, tz),
          end: dateTimeTimeZone(i.endMs, tz),
        };
      }),
      workingHours: {
        daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'],
        startTime: '08:00:00.0000000',
        endTime: '17:00:00.0000000',
        timeZone: { name: user.timeZone },
      },
    };
  });
  return { status: 200, body: { '@odata.context': `${req.graphBase}/$metadata#Collection(microsoft.graph.scheduleInformation)`, value } };
}
