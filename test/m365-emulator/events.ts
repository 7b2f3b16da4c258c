/**
 * Events of a mailbox: the rules of create / update / delete (shared by Graph calls and by "the user in Outlook"
 * through the control API), the expansion of series into instances, the serialisation Graph answers with, and the
 * Graph handlers for /events, /calendarView and /instances.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { compileFilter } from './filter';
import { graphError, parsePrefer, preferenceApplied, type GraphRequest, type GraphResponse, type Prefer } from './graph-http';
import { expandSeries, validateRecurrence, type PatternedRecurrence } from './recurrence';
import { newChangeKey, newICalUId, newImmutableId, newRestId, occurrenceId, parseOccurrenceId, type ExceptionData, type ExtendedProperty, type Store, type StoredEvent, type User } from './store';
import { dateTimeTimeZone, formatGraphDateTime, isKnownZone, isoUtc, parseDateTimeTimeZone, parseQueryInstant, toIana } from './timezones';
import { DateTime } from 'luxon';

export type InstanceType = 'singleInstance' | 'seriesMaster' | 'occurrence' | 'exception';

export interface Instance {
  ev: StoredEvent;
  type: InstanceType;
  dateKey?: string;
  startMs: number;
  endMs: number;
  changeKey: string;
  fields: Record<string, unknown>;
  createdMs: number;
  lastModifiedMs: number;
}

export class EventError extends Error {
  constructor(public status: number, public code: string, message: string) {
    super(message);
  }
}

const SHOW_AS = ['free', 'tentative', 'busy', 'oof', 'workingElsewhere', 'unknown'];
const SENSITIVITY = ['normal', 'personal', 'private', 'confidential'];
const IMPORTANCE = ['low', 'normal', 'high'];
const WRITABLE = new Set([
  'subject', 'body', 'start', 'end', 'isAllDay', 'showAs', 'sensitivity', 'categories', 'attendees', 'location', 'locations',
  'importance', 'isReminderOn', 'reminderMinutesBeforeStart', 'recurrence', 'transactionId', 'singleValueExtendedProperties',
  'multiValueExtendedProperties', 'isOnlineMeeting', 'onlineMeetingProvider', 'responseRequested', 'allowNewTimeProposals',
  'hideAttendees', 'organizer', 'uid',
]);
/** Read-only properties a client may echo back; Graph ignores them. */
const IGNORED = new Set([
  'id', '@odata.etag', '@odata.context', '@odata.type', 'changeKey', 'createdDateTime', 'lastModifiedDateTime', 'iCalUId', 'type',
  'seriesMasterId', 'isOrganizer', 'webLink', 'bodyPreview', 'hasAttachments', 'originalStartTimeZone', 'originalEndTimeZone',
  'responseStatus', 'onlineMeeting', 'onlineMeetingUrl', 'originalStart', 'isDraft', 'cancelledOccurrences', 'occurrenceId',
]);
/** Fields Outlook itself may set (through the control API) that Graph does not let a client write. */
const OUTLOOK_ONLY = new Set(['isCancelled']);

function assertEnum(name: string, v: unknown, allowed: string[]): void {
  if (v !== undefined && (typeof v !== 'string' || !allowed.includes(v))) {
    throw new EventError(400, 'RequestBodyRead', `Requested value '${String(v)}' was not found. Property '${name}' accepts: ${allowed.join(', ')}.`);
  }
}

function readTime(name: 'start' | 'end', v: unknown): { ms: number; timeZone: string } {
  const dt = v as { dateTime?: string; timeZone?: string };
  if (!dt || typeof dt !== 'object' || typeof dt.dateTime !== 'string') throw new EventError(400, 'ErrorInvalidRequest', `Your request can't be completed. The '${name}' property needs a dateTime and a timeZone.`);
  const tz = dt.timeZone || 'UTC';
  if (!isKnownZone(tz)) throw new EventError(400, 'TimeZoneNotSupportedException', `A valid TimeZone value must be specified. The following TimeZone value is not supported: '${tz}'.`);
  const ms = parseDateTimeTimeZone({ dateTime: dt.dateTime, timeZone: tz });
  if (ms === undefined) throw new EventError(400, 'ErrorInvalidRequest', `Cannot convert the literal '${dt.dateTime}' to the expected type 'Edm.DateTime'.`);
  return { ms, timeZone: tz };
}

function checkBody(body: unknown, source: 'graph' | 'outlook'): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new EventError(400, 'RequestBodyRead', 'Empty Payload. JSON content expected.');
  const b = body as Record<string, unknown>;
  for (const k of Object.keys(b)) {
    if (WRITABLE.has(k) || IGNORED.has(k) || k.includes('@odata')) continue;
    if (source === 'outlook' && OUTLOOK_ONLY.has(k)) continue;
    if (k === 'isCancelled') continue;
    throw new EventError(400, 'RequestBodyRead', `The property '${k}' does not exist on type 'microsoft.graph.event'. Make sure to only use property names that are defined by the type or mark the type as open type.`);
  }
  assertEnum('showAs', b.showAs, SHOW_AS);
  assertEnum('sensitivity', b.sensitivity, SENSITIVITY);
  assertEnum('importance', b.importance, IMPORTANCE);
  if (b.transactionId !== undefined && typeof b.transactionId !== 'string') throw new EventError(400, 'RequestBodyRead', "Property 'transactionId' must be a string.");
  if (b.recurrence !== undefined && b.recurrence !== null) {
    const problem = validateRecurrence(b.recurrence);
    if (problem) throw new EventError(400, 'ErrorInvalidRecurrence', problem);
  }
  if (b.singleValueExtendedProperties !== undefined) {
    const props = b.singleValueExtendedProperties;
    if (!Array.isArray(props) || props.some((p) => !p || typeof p.id !== 'string' || typeof p.value !== 'string')) {
      throw new EventError(400, 'RequestBodyRead', 'singleValueExtendedProperties must be an array of { id, value } strings.');
    }
    for (const p of props as ExtendedProperty[]) {
      if (!/^(String|Integer|Boolean|SystemTime|Binary|Guid|Long|Double|Short|Float|Currency|ApplicationTime|CLSID)\s+(\{[0-9a-f-]{36}\}\s+(Name\s+\S.*|Id\s+0x[0-9a-f]+)|0x[0-9a-f]+)$/i.test(p.id)) {
        throw new EventError(400, 'ErrorInvalidProperty', `The extended property id '${p.id}' is not valid.`);
      }
    }
  }
  return b;
}

function mergeExtendedProperties(current: ExtendedProperty[], incoming: ExtendedProperty[] | undefined): ExtendedProperty[] {
  if (!incoming) return current;
  const out = current.map((p) => ({ ...p }));
  for (const p of incoming) {
    const i = out.findIndex((q) => q.id.toLowerCase() === p.id.toLowerCase());
    if (i >= 0) out[i] = { id: out[i].id, value: p.value };
    else out.push({ id: p.id, value: p.value });
  }
  return out;
}

function plainFields(b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(b)) {
    // isCancelled is read-only on Graph; only Outlook (the control API) sets it, explicitly.
    if (['start', 'end', 'recurrence', 'transactionId', 'singleValueExtendedProperties', 'isAllDay', 'isCancelled'].includes(k)) continue;
    if (IGNORED.has(k) || k.includes('@odata')) continue;
    out[k] = v;
  }
  return out;
}

function checkTimes(startMs: number, endMs: number, isAllDay: boolean, startTz: string, endTz: string): void {
  if (endMs < startMs) throw new EventError(400, 'ErrorInvalidRequest', "Your request can't be completed. The end date must be after the start date.");
  if (isAllDay) {
    const s = DateTime.fromMillis(startMs, { zone: toIana(startTz) });
    const e = DateTime.fromMillis(endMs, { zone: toIana(endTz) });
    const midnight = (d: DateTime) => d.hour === 0 && d.minute === 0 && d.second === 0;
    if (!midnight(s) || !midnight(e) || endMs === startMs) {
      throw new EventError(400, 'ErrorPropertyValidationFailure', 'At least one property failed validation. An all-day event must start and end at midnight, on different days.');
    }
  }
}

/** Creates a (single or master) event; with a transactionId already used, answers the existing event instead. */
export async function createEvent(store: Store, user: User, body: unknown, source: 'graph' | 'outlook'): Promise<{ ev: StoredEvent; created: boolean }> {
  const b = checkBody(body, source);
  const txId = b.transactionId as string | undefined;
  const mailbox = store.mailbox(user.id);
  const existing = () => (txId ? [...mailbox.values()].find((e) => e.transactionId === txId) : undefined);
  const found = existing();
  if (found) return { ev: found, created: false };
  if (b.start === undefined || b.end === undefined) throw new EventError(400, 'ErrorInvalidRequest', "Your request can't be completed. An event needs both 'start' and 'end'.");
  const start = readTime('start', b.start);
  const end = readTime('end', b.end);
  const isAllDay = b.isAllDay === true;
  checkTimes(start.ms, end.ms, isAllDay, start.timeZone, end.timeZone);
  if (txId && store.settings.transactionIdRaceMs > 0) {
    // Reproduces the race seen in production: two concurrent creates with one transactionId both pass the check.
    await delay(store.settings.transactionIdRaceMs);
  }
  const now = Date.now();
  const ev: StoredEvent = {
    id: newRestId(),
    immutableId: newImmutableId(),
    userId: user.id,
    iCalUId: newICalUId(),
    transactionId: txId,
    createdMs: now,
    lastModifiedMs: now,
    changeKey: newChangeKey(),
    startMs: start.ms,
    endMs: end.ms,
    startTimeZone: start.timeZone,
    endTimeZone: end.timeZone,
    isAllDay,
    fields: {
      showAs: 'busy', sensitivity: 'normal', importance: 'normal', isReminderOn: true, reminderMinutesBeforeStart: 15, categories: [], attendees: [],
      subject: '', body: { contentType: 'html', content: '' },
      organizer: { emailAddress: { name: user.displayName, address: user.mail } },
      ...plainFields(b),
    },
    recurrence: (b.recurrence as PatternedRecurrence | null | undefined) ?? null,
    extendedProperties: mergeExtendedProperties([], b.singleValueExtendedProperties as ExtendedProperty[] | undefined),
    exceptions: new Map(),
  };
  if (source === 'outlook' && b.isCancelled !== undefined) ev.fields.isCancelled = b.isCancelled === true;
  if (ev.recurrence && !ev.recurrence.range.recurrenceTimeZone) ev.recurrence = { ...ev.recurrence, range: { ...ev.recurrence.range, recurrenceTimeZone: start.timeZone } };
  store.putEvent(ev);
  store.changed({ userId: user.id, event: ev, changeType: 'created', source });
  return { ev, created: true };
}

export interface Located {
  ev: StoredEvent;
  /** Set when the id names an occurrence or an exception of a series. */
  dateKey?: string;
}

/** Finds a single event, a series master, or an occurrence (by its synthetic id). */
export function locate(store: Store, userId: string, id: string): Located | undefined {
  const direct = store.findEvent(userId, id);
  if (direct) return { ev: direct };
  const occ = parseOccurrenceId(id);
  if (!occ) return undefined;
  const master = store.findEvent(userId, occ.masterId);
  if (!master || !master.recurrence) return undefined;
  const ex = master.exceptions.get(occ.dateKey);
  if (ex?.cancelled) return undefined;
  if (!ex && !occurrenceSlot(master, occ.dateKey)) return undefined;
  return { ev: master, dateKey: occ.dateKey };
}

function occurrenceSlot(master: StoredEvent, dateKey: string): { startMs: number; endMs: number } | undefined {
  const zone = toIana(master.recurrence!.range.recurrenceTimeZone || master.startTimeZone) ?? 'UTC';
  const day = DateTime.fromISO(dateKey, { zone });
  if (!day.isValid) return undefined;
  const slots = expandSeries(master.recurrence!, master.startMs, master.endMs - master.startMs, master.startTimeZone, day.minus({ days: 1 }).toMillis(), day.plus({ days: 2 }).toMillis());
  return slots.find((s) => s.dateKey === dateKey);
}

export function instanceOf(store: Store, loc: Located): Instance | undefined {
  const { ev, dateKey } = loc;
  if (!dateKey) {
    return { ev, type: ev.recurrence ? 'seriesMaster' : 'singleInstance', startMs: ev.startMs, endMs: ev.endMs, changeKey: ev.changeKey, fields: ev.fields, createdMs: ev.createdMs, lastModifiedMs: ev.lastModifiedMs };
  }
  const slot = occurrenceSlot(ev, dateKey);
  const ex = ev.exceptions.get(dateKey);
  if (ex?.cancelled) return undefined;
  if (!slot && !ex) return undefined;
  return buildOccurrence(ev, dateKey, slot ?? { startMs: ex!.startMs!, endMs: ex!.endMs! }, ex);
}

function buildOccurrence(ev: StoredEvent, dateKey: string, slot: { startMs: number; endMs: number }, ex: ExceptionData | undefined): Instance {
  return {
    ev,
    type: ex ? 'exception' : 'occurrence',
    dateKey,
    startMs: ex?.startMs ?? slot.startMs,
    endMs: ex?.endMs ?? slot.endMs,
    changeKey: ex?.changeKey ?? ev.changeKey,
    fields: ex ? { ...ev.fields, ...ex.fields } : ev.fields,
    createdMs: ex?.createdMs ?? ev.createdMs,
    lastModifiedMs: ex?.lastModifiedMs ?? ev.lastModifiedMs,
  };
}

function overlaps(startMs: number, endMs: number, ws: number, we: number): boolean {
  return startMs === endMs ? startMs >= ws && startMs < we : startMs < we && endMs > ws;
}

/** Single events and occurrences/exceptions overlapping the window (series masters only when asked). */
export function instancesInWindow(store: Store, userId: string, ws: number, we: number, opts: { includeMasters?: boolean } = {}): Instance[] {
  const out: Instance[] = [];
  for (const ev of store.mailbox(userId).values()) {
    if (!ev.recurrence) {
      if (overlaps(ev.startMs, ev.endMs, ws, we)) out.push(instanceOf(store, { ev })!);
      continue;
    }
    // Exceptions may have moved: expand a wider window, then test the actual times.
    const margin = 31 * 86400_000;
    const slots = expandSeries(ev.recurrence, ev.startMs, ev.endMs - ev.startMs, ev.startTimeZone, ws - margin, we + margin);
    let any = false;
    for (const slot of slots) {
      const ex = ev.exceptions.get(slot.dateKey);
      if (ex?.cancelled) continue;
      const inst = buildOccurrence(ev, slot.dateKey, slot, ex);
      if (overlaps(inst.startMs, inst.endMs, ws, we)) {
        out.push(inst);
        any = true;
      }
    }
    if (opts.includeMasters && any) out.push(instanceOf(store, { ev })!);
  }
  return out.sort((a, b) => a.startMs - b.startMs || a.ev.createdMs - b.ev.createdMs);
}

export function instanceId(inst: Pick<Instance, 'ev' | 'dateKey'>, immutable: boolean): string {
  const base = immutable ? inst.ev.immutableId : inst.ev.id;
  return inst.dateKey ? occurrenceId(base, inst.dateKey, immutable) : base;
}

export function etag(changeKey: string): string {
  return `W/"${changeKey}"`;
}

export function ifMatchFails(headers: Record<string, string>, changeKey: string): boolean {
  const im = headers['if-match'];
  if (!im || im.trim() === '*') return false;
  const tags = im.split(',').map((t) => t.trim().replace(/^W\//, '').replace(/^"|"$/g, ''));
  return !tags.includes(changeKey);
}

/** Updates a single event, a master (the whole series) or one occurrence (which becomes an exception). */
export function updateEvent(store: Store, user: User, loc: Located, body: unknown, source: 'graph' | 'outlook'): Instance {
  const b = checkBody(body, source);
  const now = Date.now();
  const { ev, dateKey } = loc;
  if (dateKey) {
    if (b.recurrence !== undefined) throw new EventError(400, 'ErrorInvalidRequest', 'The recurrence of an occurrence cannot be changed; update the series master.');
    const current = instanceOf(store, loc);
    if (!current) throw new EventError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
    const ex: ExceptionData = ev.exceptions.get(dateKey) ?? { fields: {}, cancelled: false, changeKey: '', createdMs: now, lastModifiedMs: now };
    const start = b.start !== undefined ? readTime('start', b.start).ms : current.startMs;
    const end = b.end !== undefined ? readTime('end', b.end).ms : current.endMs;
    checkTimes(start, end, false, ev.startTimeZone, ev.endTimeZone);
    ex.startMs = start;
    ex.endMs = end;
    Object.assign(ex.fields, plainFields(b));
    if (source === 'outlook' && b.isCancelled !== undefined) ex.fields.isCancelled = b.isCancelled;
    ex.changeKey = newChangeKey();
    ex.lastModifiedMs = now;
    ev.exceptions.set(dateKey, ex);
    store.changed({ userId: user.id, event: ev, changeType: 'updated', source, dateKey });
    return instanceOf(store, loc)!;
  }
  let startMs = ev.startMs;
  let endMs = ev.endMs;
  let startTz = ev.startTimeZone;
  let endTz = ev.endTimeZone;
  if (b.start !== undefined) ({ ms: startMs, timeZone: startTz } = readTime('start', b.start));
  if (b.end !== undefined) ({ ms: endMs, timeZone: endTz } = readTime('end', b.end));
  const isAllDay = b.isAllDay !== undefined ? b.isAllDay === true : ev.isAllDay;
  checkTimes(startMs, endMs, isAllDay, startTz, endTz);
  const timesChanged = startMs !== ev.startMs || endMs !== ev.endMs;
  Object.assign(ev, { startMs, endMs, startTimeZone: startTz, endTimeZone: endTz, isAllDay });
  Object.assign(ev.fields, plainFields(b));
  if (source === 'outlook' && b.isCancelled !== undefined) ev.fields.isCancelled = b.isCancelled;
  if (b.recurrence !== undefined) {
    ev.recurrence = (b.recurrence as PatternedRecurrence | null) ?? null;
    if (ev.recurrence && !ev.recurrence.range.recurrenceTimeZone) ev.recurrence = { ...ev.recurrence, range: { ...ev.recurrence.range, recurrenceTimeZone: startTz } };
  }
  // Outlook drops the exceptions of a series whose pattern or times change.
  if (ev.recurrence && (b.recurrence !== undefined || timesChanged)) ev.exceptions.clear();
  ev.extendedProperties = mergeExtendedProperties(ev.extendedProperties, b.singleValueExtendedProperties as ExtendedProperty[] | undefined);
  ev.changeKey = newChangeKey();
  ev.lastModifiedMs = now;
  store.changed({ userId: user.id, event: ev, changeType: 'updated', source });
  return instanceOf(store, { ev })!;
}

/** Deletes a single event or a whole series; deleting an occurrence cancels just that occurrence. */
export function deleteEvent(store: Store, user: User, loc: Located, source: 'graph' | 'outlook'): void {
  const { ev, dateKey } = loc;
  const now = Date.now();
  if (dateKey) {
    const ex = ev.exceptions.get(dateKey) ?? { fields: {}, cancelled: true, changeKey: newChangeKey(), createdMs: now, lastModifiedMs: now };
    ex.cancelled = true;
    ex.lastModifiedMs = now;
    ev.exceptions.set(dateKey, ex);
    store.changed({ userId: user.id, event: ev, changeType: 'deleted', source, dateKey });
    return;
  }
  store.removeEvent(ev);
  store.changed({ userId: user.id, event: ev, changeType: 'deleted', source });
}

export interface SerializeOptions {
  timeZone: string;
  immutable: boolean;
  select?: Set<string>;
  /** Which extended properties to include (from $expand); undefined = the property is absent. */
  expandExtended?: (p: ExtendedProperty) => boolean;
  /** Occurrences in delta answers carry only their identity and times. */
  compactOccurrence?: boolean;
  /** Graph answers bodies as HTML unless the request prefers text. */
  bodyContentType?: 'text' | 'html';
}

function htmlToText(html: string): string {
  return html
    .replace(/<head[\s\S]*?<\/head>/gi, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div)>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\r/g, '')
    .trim();
}

/** The body as Graph answers it: text bodies come back wrapped in HTML unless text is preferred, and vice versa. */
function renderBody(body: unknown, want: 'text' | 'html'): { contentType: string; content: string } {
  const b = (body ?? {}) as { contentType?: string; content?: string };
  const type = (b.contentType ?? 'html').toLowerCase() === 'text' ? 'text' : 'html';
  const content = b.content ?? '';
  if (type === want) return { contentType: want, content };
  if (want === 'text') return { contentType: 'text', content: htmlToText(content) };
  const escaped = content.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r?\n/g, '<br>\r\n');
  return { contentType: 'html', content: `<html>\r\n<head>\r\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\r\n</head>\r\n<body>\r\n${escaped}\r\n</body>\r\n</html>\r\n` };
}

function bodyPreview(body: unknown): string {
  const content = (body as { content?: string })?.content ?? '';
  return content.replace(/<[^>]*>/g, ' ').replace(/&nbsp;/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 255);
}

/** The event as Graph writes it (property order follows the documentation's examples). */
export function serialize(inst: Instance, opts: SerializeOptions): Record<string, unknown> {
  const { ev, fields } = inst;
  const tz = opts.timeZone;
  const id = instanceId(inst, opts.immutable);
  const masterId = opts.immutable ? ev.immutableId : ev.id;
  const isSeriesPart = inst.type === 'occurrence' || inst.type === 'exception';
  // All-day events are floating: midnight stays midnight whatever zone the client asks for.
  const when = (ms: number, zone: string) => (ev.isAllDay ? { dateTime: formatGraphDateTime(ms, zone), timeZone: tz } : dateTimeTimeZone(ms, tz));
  if (opts.compactOccurrence && inst.type === 'occurrence') {
    return {
      '@odata.type': '#microsoft.graph.event',
      '@odata.etag': etag(inst.changeKey),
      id,
      seriesMasterId: masterId,
      type: inst.type,
      start: when(inst.startMs, ev.startTimeZone),
      end: when(inst.endMs, ev.endTimeZone),
    };
  }
  const location = (fields.location as Record<string, unknown> | undefined) ?? { displayName: '', locationType: 'default', uniqueIdType: 'unknown', address: {}, coordinates: {} };
  const full: Record<string, unknown> = {
    '@odata.etag': etag(inst.changeKey),
    id,
    createdDateTime: isoUtc(inst.createdMs),
    lastModifiedDateTime: isoUtc(inst.lastModifiedMs),
    changeKey: inst.changeKey,
    categories: fields.categories ?? [],
    ...(ev.transactionId !== undefined && inst.type !== 'occurrence' && inst.type !== 'exception' ? { transactionId: ev.transactionId } : {}),
    originalStartTimeZone: ev.startTimeZone,
    originalEndTimeZone: ev.endTimeZone,
    iCalUId: ev.iCalUId,
    uid: ev.iCalUId,
    reminderMinutesBeforeStart: fields.reminderMinutesBeforeStart ?? 15,
    isReminderOn: fields.isReminderOn ?? true,
    hasAttachments: false,
    subject: fields.subject ?? '',
    bodyPreview: bodyPreview(renderBody(fields.body, 'text')),
    importance: fields.importance ?? 'normal',
    sensitivity: fields.sensitivity ?? 'normal',
    isAllDay: ev.isAllDay,
    isCancelled: fields.isCancelled === true,
    isOrganizer: true,
    responseRequested: fields.responseRequested ?? true,
    seriesMasterId: isSeriesPart ? masterId : null,
    showAs: fields.showAs ?? 'busy',
    type: inst.type,
    webLink: `https://outlook.office365.com/owa/?itemid=${encodeURIComponent(id)}&exvsurl=1&path=/calendar/item`,
    onlineMeetingUrl: null,
    isOnlineMeeting: fields.isOnlineMeeting ?? false,
    onlineMeetingProvider: fields.onlineMeetingProvider ?? 'unknown',
    allowNewTimeProposals: fields.allowNewTimeProposals ?? true,
    occurrenceId: null,
    isDraft: false,
    hideAttendees: fields.hideAttendees ?? false,
    ...(isSeriesPart ? { originalStart: isoUtc(occurrenceOriginalStart(inst)) } : {}),
    responseStatus: { response: 'organizer', time: '0001-01-01T00:00:00Z' },
    body: renderBody(fields.body, opts.bodyContentType ?? 'html'),
    start: when(inst.startMs, ev.startTimeZone),
    end: when(inst.endMs, ev.endTimeZone),
    location,
    locations: fields.locations ?? (location.displayName ? [location] : []),
    recurrence: inst.type === 'seriesMaster' ? ev.recurrence : null,
    attendees: fields.attendees ?? [],
    organizer: fields.organizer,
    onlineMeeting: null,
  };
  if (opts.expandExtended) {
    full.singleValueExtendedProperties = ev.extendedProperties.filter(opts.expandExtended).map((p) => ({ id: p.id, value: p.value }));
  }
  if (!opts.select) return full;
  const out: Record<string, unknown> = { '@odata.etag': full['@odata.etag'], id };
  for (const [k, v] of Object.entries(full)) if (opts.select.has(k.toLowerCase())) out[k] = v;
  if (full.singleValueExtendedProperties) out.singleValueExtendedProperties = full.singleValueExtendedProperties;
  return out;
}

function occurrenceOriginalStart(inst: Instance): number {
  const slot = occurrenceSlot(inst.ev, inst.dateKey!);
  return slot?.startMs ?? inst.startMs;
}

/** Evaluation form of an instance for $filter: UTC, with every extended property. */
function filterView(inst: Instance): Record<string, unknown> {
  return serialize(inst, { timeZone: 'UTC', immutable: false, expandExtended: () => true });
}

interface Query {
  select?: Set<string>;
  expandExtended?: (p: ExtendedProperty) => boolean;
  filter?: (inst: Instance) => boolean;
  top?: number;
  skip: number;
  orderby?: (a: Instance, b: Instance) => number;
}

export function readQuery(req: GraphRequest): Query | GraphResponse {
  const q = req.query;
  const out: Query = { skip: Number(q.get('$skip') ?? 0) || 0 };
  const select = q.get('$select');
  if (select) out.select = new Set(select.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean));
  const expand = q.get('$expand');
  if (expand) {
    const m = /^singleValueExtendedProperties(?:\(\$filter=(.*)\))?$/i.exec(expand.trim());
    if (!m) return graphError(req, 400, 'BadRequest', `Parsing OData Select and Expand failed: Could not find a property named '${expand.split('(')[0]}' on type 'microsoft.graph.event'.`);
    try {
      const pred = m[1] ? compileFilter(m[1]) : () => true;
      out.expandExtended = (p) => pred(p);
    } catch (e) {
      return graphError(req, 400, 'BadRequest', `Invalid $expand filter: ${(e as Error).message}`);
    }
  }
  const filter = q.get('$filter');
  if (filter) {
    try {
      const pred = compileFilter(filter);
      out.filter = (inst) => pred(filterView(inst));
    } catch (e) {
      return graphError(req, 400, 'BadRequest', `Invalid filter clause: ${(e as Error).message}`);
    }
  }
  const top = q.get('$top');
  if (top !== null) {
    const n = Number(top);
    if (!Number.isInteger(n) || n < 0) return graphError(req, 400, 'BadRequest', `Invalid value '${top}' for $top query option found.`);
    out.top = Math.min(n, 1000);
  }
  const orderby = q.get('$orderby');
  if (orderby) {
    const [field, dir] = orderby.trim().split(/\s+/);
    const sign = dir?.toLowerCase() === 'desc' ? -1 : 1;
    const key = (i: Instance): number | string => {
      switch (field.toLowerCase()) {
        case 'start/datetime': return i.startMs;
        case 'end/datetime': return i.endMs;
        case 'createddatetime': return i.createdMs;
        case 'lastmodifieddatetime': return i.lastModifiedMs;
        case 'subject': return String(i.fields.subject ?? '').toLowerCase();
        default: return 0;
      }
    };
    out.orderby = (a, b) => (key(a) < key(b) ? -sign : key(a) > key(b) ? sign : 0);
  }
  return out;
}

function contextUrl(req: GraphRequest, userSegment: string, tail: string): string {
  return `${req.graphBase}/$metadata#users('${decodeURIComponent(userSegment)}')/${tail}`;
}

function page(req: GraphRequest, userSegment: string, tail: string, all: Instance[], query: Query, prefer: Prefer, defaultSize: number): GraphResponse {
  let items = query.filter ? all.filter(query.filter) : all;
  if (query.orderby) items = [...items].sort(query.orderby);
  const size = query.top ?? prefer.maxPageSize ?? defaultSize;
  const slice = items.slice(query.skip, query.skip + size);
  const tz = prefer.timeZone ?? 'UTC';
  const body: Record<string, unknown> = {
    '@odata.context': contextUrl(req, userSegment, tail),
    value: slice.map((i) => serialize(i, { timeZone: tz, immutable: prefer.immutableId, select: query.select, expandExtended: query.expandExtended, bodyContentType: prefer.bodyContentType })),
  };
  if (query.skip + size < items.length && size > 0) {
    const next = new URLSearchParams(req.query);
    next.set('$skip', String(query.skip + size));
    if (query.top === undefined && prefer.maxPageSize === undefined) next.set('$top', String(size));
    body['@odata.nextLink'] = `${req.graphBase}${req.path}?${next.toString().replace(/%24/g, '$')}`;
  }
  return { status: 200, headers: preferenceApplied(prefer, { timeZone: true, immutableId: true, maxPageSize: prefer.maxPageSize !== undefined }), body };
}

function mapError(req: GraphRequest, e: unknown): GraphResponse {
  if (e instanceof EventError) return graphError(req, e.status, e.code, e.message);
  throw e;
}

function checkZone(req: GraphRequest, prefer: Prefer): GraphResponse | undefined {
  if (prefer.timeZone && !isKnownZone(prefer.timeZone)) {
    return graphError(req, 400, 'TimeZoneNotSupportedException', `A valid TimeZone value must be specified. The following TimeZone value is not supported: '${prefer.timeZone}'.`);
  }
  return undefined;
}

export async function listEvents(store: Store, req: GraphRequest, user: User, userSegment: string): Promise<GraphResponse> {
  const prefer = parsePrefer(req.headers);
  const bad = checkZone(req, prefer);
  if (bad) return bad;
  const query = readQuery(req);
  if ('status' in query) return query;
  const all = [...store.mailbox(user.id).values()].map((ev) => instanceOf(store, { ev })!).sort((a, b) => a.createdMs - b.createdMs);
  return page(req, userSegment, 'events', all, query, prefer, store.settings.defaultPageSize);
}

export async function calendarView(store: Store, req: GraphRequest, user: User, userSegment: string): Promise<GraphResponse> {
  const prefer = parsePrefer(req.headers);
  const bad = checkZone(req, prefer);
  if (bad) return bad;
  const ws = parseQueryInstant(req.query.get('startDateTime') ?? req.query.get('startdatetime') ?? undefined);
  const we = parseQueryInstant(req.query.get('endDateTime') ?? req.query.get('enddatetime') ?? undefined);
  if (ws === undefined || we === undefined) {
    return graphError(req, 400, 'ErrorInvalidParameter', 'This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.');
  }
  if (we <= ws) return graphError(req, 400, 'ErrorInvalidParameter', 'The value of the parameter EndDateTime must be later than StartDateTime.');
  const query = readQuery(req);
  if ('status' in query) return query;
  return page(req, userSegment, 'calendarView', instancesInWindow(store, user.id, ws, we), query, prefer, store.settings.defaultPageSize);
}

export async function instances(store: Store, req: GraphRequest, user: User, userSegment: string, eventId: string): Promise<GraphResponse> {
  const prefer = parsePrefer(req.headers);
  const loc = locate(store, user.id, eventId);
  if (!loc || loc.dateKey) return graphError(req, 404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
  const ws = parseQueryInstant(req.query.get('startDateTime') ?? undefined);
  const we = parseQueryInstant(req.query.get('endDateTime') ?? undefined);
  if (ws === undefined || we === undefined) return graphError(req, 400, 'ErrorInvalidParameter', 'This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.');
  const query = readQuery(req);
  if ('status' in query) return query;
  const all = loc.ev.recurrence ? instancesInWindow(store, user.id, ws, we).filter((i) => i.ev === loc.ev) : [];
  return page(req, userSegment, `events('${eventId}')/instances`, all, query, prefer, store.settings.defaultPageSize);
}

export async function getEvent(store: Store, req: GraphRequest, user: User, userSegment: string, eventId: string): Promise<GraphResponse> {
  const prefer = parsePrefer(req.headers);
  const bad = checkZone(req, prefer);
  if (bad) return bad;
  const loc = locate(store, user.id, eventId);
  const inst = loc && instanceOf(store, loc);
  if (!inst) return graphError(req, 404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
  const query = readQuery(req);
  if ('status' in query) return query;
  const body = serialize(inst, { timeZone: prefer.timeZone ?? 'UTC', immutable: prefer.immutableId, select: query.select, expandExtended: query.expandExtended, bodyContentType: prefer.bodyContentType });
  return { status: 200, headers: { ETag: etag(inst.changeKey), ...preferenceApplied(prefer, { timeZone: true, immutableId: true }) }, body: { '@odata.context': contextUrl(req, userSegment, 'events/$entity'), ...body } };
}

export async function postEvent(store: Store, req: GraphRequest, user: User, userSegment: string): Promise<GraphResponse> {
  const prefer = parsePrefer(req.headers);
  const bad = checkZone(req, prefer);
  if (bad) return bad;
  try {
    const { ev } = await createEvent(store, user, req.body, 'graph');
    const inst = instanceOf(store, { ev })!;
    const body = serialize(inst, { timeZone: prefer.timeZone ?? 'UTC', immutable: prefer.immutableId, bodyContentType: prefer.bodyContentType });
    const location = `${req.graphBase}/users('${user.id}')/events('${body.id}')`;
    return { status: 201, headers: { Location: location, ETag: etag(inst.changeKey), ...preferenceApplied(prefer, { timeZone: true, immutableId: true }) }, body: { '@odata.context': contextUrl(req, userSegment, 'events/$entity'), ...body } };
  } catch (e) {
    return mapError(req, e);
  }
}

export const IRRESOLVABLE = 'The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.';

export async function patchEvent(store: Store, req: GraphRequest, user: User, userSegment: string, eventId: string): Promise<GraphResponse> {
  const prefer = parsePrefer(req.headers);
  const bad = checkZone(req, prefer);
  if (bad) return bad;
  const loc = locate(store, user.id, eventId);
  const current = loc && instanceOf(store, loc);
  if (!loc || !current) return graphError(req, 404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
  if (ifMatchFails(req.headers, current.changeKey)) return graphError(req, 412, 'ErrorIrresolvableConflict', IRRESOLVABLE);
  try {
    const inst = updateEvent(store, user, loc, req.body, 'graph');
    const body = serialize(inst, { timeZone: prefer.timeZone ?? 'UTC', immutable: prefer.immutableId, bodyContentType: prefer.bodyContentType });
    return { status: 200, headers: { ETag: etag(inst.changeKey), ...preferenceApplied(prefer, { timeZone: true, immutableId: true }) }, body: { '@odata.context': contextUrl(req, userSegment, 'events/$entity'), ...body } };
  } catch (e) {
    return mapError(req, e);
  }
}

export async function removeEvent(store: Store, req: GraphRequest, user: User, eventId: string): Promise<GraphResponse> {
  const loc = locate(store, user.id, eventId);
  const current = loc && instanceOf(store, loc);
  if (!loc || !current) return graphError(req, 404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
  if (ifMatchFails(req.headers, current.changeKey)) return graphError(req, 412, 'ErrorIrresolvableConflict', IRRESOLVABLE);
  deleteEvent(store, user, loc, 'graph');
  return { status: 204 };
}

/** POST /events/{id}/cancel: the organiser cancels (a meeting, a series, or one occurrence); the event goes away. */
export async function cancelEvent(store: Store, req: GraphRequest, user: User, eventId: string): Promise<GraphResponse> {
  const loc = locate(store, user.id, eventId);
  if (!loc || !instanceOf(store, loc)) return graphError(req, 404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
  deleteEvent(store, user, loc, 'graph');
  return { status: 202 };
}
