/**
 * Reminder plan of a territory → when each reminder goes out, with SMS quiet hours in the territory's time
 * zone. Pure: `now` and the zone come in as arguments.
 *
 * Default plan (DESIGN.md section 5): one reminder 48 h before, by SMS and email; no SMS between 20:00 and
 * 08:00 local time. A message that falls in the quiet period waits for its end, if that is still before the
 * RDV; otherwise it is dropped (with a receipt saying why).
 */
import { DateTime } from 'luxon';
import type { NotificationChannel } from './types';

export interface ReminderStep {
  /** Stable name of the step, part of the job key ("48h", "jour-meme"). */
  key: string;
  channels: NotificationChannel[];
  /** Fixed delay before the start (48 h = 2880), in real minutes: DST does not change it. */
  beforeMinutes?: number;
  /** Or a local wall-clock time ("08:00") on the day of the RDV ("the morning of the day"). */
  atLocalTime?: string;
}

/** Local wall-clock times "HH:MM"; start after end means the quiet period spans midnight. */
export interface QuietHours { start: string; end: string }

export interface ReminderPlan { steps: ReminderStep[]; quietHours: QuietHours | null }

export const DEFAULT_QUIET_HOURS: QuietHours = { start: '20:00', end: '08:00' };
export const DEFAULT_REMINDER_PLAN: ReminderPlan = {
  steps: [{ key: '48h', beforeMinutes: 48 * 60, channels: ['sms', 'email'] }],
  quietHours: DEFAULT_QUIET_HOURS,
};
/** The optional extra step territories may add: an SMS the morning of the RDV. */
export const SAME_DAY_MORNING_STEP: ReminderStep = { key: 'jour-meme', atLocalTime: '08:00', channels: ['sms'] };

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

function minutesOf(hhmm: string): number {
  const m = HHMM.exec(hhmm);
  if (!m) throw new Error(`heure invalide « ${hhmm} » : format HH:MM attendu`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** Checks a plan read from the database or an API; returns French error messages (empty when valid). */
export function validateReminderPlan(plan: ReminderPlan): string[] {
  const errors: string[] = [];
  const keys = new Set<string>();
  plan.steps.forEach((s, i) => {
    if (!/^[a-z0-9-]{1,30}$/.test(s.key)) errors.push(`steps[${i}].key : identifiant de 1 à 30 caractères a-z, 0-9, - attendu`);
    if (keys.has(s.key)) errors.push(`steps[${i}].key : « ${s.key} » est déjà utilisé`);
    keys.add(s.key);
    if ((s.beforeMinutes === undefined) === (s.atLocalTime === undefined)) errors.push(`steps[${i}] : indiquer soit beforeMinutes, soit atLocalTime`);
    if (s.beforeMinutes !== undefined && !(Number.isInteger(s.beforeMinutes) && s.beforeMinutes > 0 && s.beforeMinutes <= 30 * 24 * 60)) errors.push(`steps[${i}].beforeMinutes : entier entre 1 et 43200 attendu`);
    if (s.atLocalTime !== undefined && !HHMM.test(s.atLocalTime)) errors.push(`steps[${i}].atLocalTime : format HH:MM attendu`);
    if (s.channels.length === 0 || s.channels.some((c) => c !== 'sms' && c !== 'email')) errors.push(`steps[${i}].channels : « sms » et/ou « email » attendus`);
  });
  if (plan.quietHours) {
    for (const k of ['start', 'end'] as const) if (!HHMM.test(plan.quietHours[k])) errors.push(`quietHours.${k} : format HH:MM attendu`);
  }
  return errors;
}

/** When a step is due for an RDV starting at `startsAt`. */
export function stepDueAt(step: ReminderStep, startsAt: Date, timeZone: string): Date {
  if (step.beforeMinutes !== undefined) return new Date(startsAt.getTime() - step.beforeMinutes * 60_000);
  const m = minutesOf(step.atLocalTime ?? '08:00');
  return DateTime.fromJSDate(startsAt, { zone: timeZone }).startOf('day')
    .set({ hour: Math.floor(m / 60), minute: m % 60 }).toJSDate();
}

export function inQuietHours(at: Date, quiet: QuietHours | null, timeZone: string): boolean {
  if (!quiet) return false;
  const d = DateTime.fromJSDate(at, { zone: timeZone });
  const t = d.hour * 60 + d.minute;
  const s = minutesOf(quiet.start);
  const e = minutesOf(quiet.end);
  if (s === e) return false;
  return s < e ? t >= s && t < e : t >= s || t < e;
}

/** The first instant at or after `at` that is outside the quiet period (its local end). */
export function endOfQuietPeriod(at: Date, quiet: QuietHours, timeZone: string): Date {
  if (!inQuietHours(at, quiet, timeZone)) return at;
  const e = minutesOf(quiet.end);
  const d = DateTime.fromJSDate(at, { zone: timeZone });
  let end = d.startOf('day').set({ hour: Math.floor(e / 60), minute: e % 60 });
  if (end <= d) end = end.plus({ days: 1 }).set({ hour: Math.floor(e / 60), minute: e % 60 });
  return end.toJSDate();
}

export type Timing = { action: 'send_at'; at: Date } | { action: 'drop'; reason: 'quiet_hours' | 'rdv_started' };

/**
 * When a message on `channel` meant for `dueAt` may actually go: SMS in the quiet period wait for its end;
 * if that is not before the RDV's start, the message is dropped. Email has no quiet hours.
 */
export function applyQuietHours(channel: NotificationChannel, dueAt: Date, startsAt: Date, quiet: QuietHours | null, timeZone: string): Timing {
  if (dueAt.getTime() >= startsAt.getTime()) return { action: 'drop', reason: 'rdv_started' };
  if (channel !== 'sms' || !quiet || !inQuietHours(dueAt, quiet, timeZone)) return { action: 'send_at', at: dueAt };
  const at = endOfQuietPeriod(dueAt, quiet, timeZone);
  if (at.getTime() >= startsAt.getTime()) return { action: 'drop', reason: 'quiet_hours' };
  return { action: 'send_at', at };
}

export type PlannedReminder =
  | { stepKey: string; channel: NotificationChannel; dueAt: Date; dropped?: undefined }
  | { stepKey: string; channel: NotificationChannel; dueAt: Date; dropped: 'quiet_hours' };

/**
 * The reminders of an RDV. A step already past at `now` is skipped (the RDV was booked after it: the
 * confirmation told the usager); a step pushed by quiet hours past the start is returned as dropped.
 */
export function planReminders(plan: ReminderPlan, startsAt: Date, timeZone: string, now: Date): PlannedReminder[] {
  const out: PlannedReminder[] = [];
  for (const step of plan.steps) {
    const due = stepDueAt(step, startsAt, timeZone);
    if (due.getTime() <= now.getTime() || due.getTime() >= startsAt.getTime()) continue;
    for (const channel of step.channels) {
      const t = applyQuietHours(channel, due, startsAt, plan.quietHours, timeZone);
      if (t.action === 'send_at') out.push({ stepKey: step.key, channel, dueAt: t.at });
      else out.push({ stepKey: step.key, channel, dueAt: due, dropped: 'quiet_hours' });
    }
  }
  return out;
}
