/**
 * calendarView/delta (api-reference/v1.0/api/event-delta.md, concepts/delta-query-events.md): the window is given
 * on the first call only and is carried by the tokens; each round answers what changed since the token (new or
 * modified instances, `@removed` with reason `deleted` or `changed` for instances that left the window); pages
 * follow `Prefer: odata.maxpagesize`. The sync state lives server-side, as in Exchange, so it can expire or be
 * dropped (410 Gone, code syncStateNotFound). Empty pages and replayed items can be switched on through faults.
 */
import { randomUUID } from 'node:crypto';
import { instanceId, instanceOf, instancesInWindow, locate, serialize, type Instance } from './events';
import { graphError, parsePrefer, preferenceApplied, type GraphRequest, type GraphResponse } from './graph-http';
import type { DeltaState, Store, User } from './store';
import { isKnownZone, isoUtc, parseQueryInstant } from './timezones';

type PendingItem = { kind: 'instance'; inst: Instance } | { kind: 'removed'; id: string; reason: 'deleted' | 'changed' };

const UNSUPPORTED = ['$select', '$filter', '$orderby', '$expand', '$search', '$top', '$skip'];
export const DELTA_DEFAULT_PAGE_SIZE = 10;

interface TokenBody { sid: string; s: string; e: string }

function encodeToken(state: DeltaState): string {
  const t: TokenBody = { sid: state.id, s: isoUtc(state.windowStart), e: isoUtc(state.windowEnd) };
  return Buffer.from(JSON.stringify(t)).toString('base64url');
}

function decodeToken(token: string): TokenBody | undefined {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString()) as TokenBody;
    return typeof t.sid === 'string' ? t : undefined;
  } catch {
    return undefined;
  }
}

function prune(store: Store): void {
  const limit = Date.now() - store.settings.deltaTokenLifetimeMs;
  for (const [id, s] of store.deltaStates) if (s.createdMs < limit) store.deltaStates.delete(id);
}

export function expireDeltaTokens(store: Store, userId: string): number {
  let n = 0;
  for (const [id, s] of store.deltaStates) {
    if (s.userId === userId) {
      store.deltaStates.delete(id);
      n++;
    }
  }
  return n;
}

export async function calendarViewDelta(store: Store, req: GraphRequest, user: User): Promise<GraphResponse> {
  const prefer = parsePrefer(req.headers);
  if (prefer.timeZone && !isKnownZone(prefer.timeZone)) {
    return graphError(req, 400, 'TimeZoneNotSupportedException', `A valid TimeZone value must be specified. The following TimeZone value is not supported: '${prefer.timeZone}'.`);
  }
  const used = UNSUPPORTED.filter((p) => req.query.has(p));
  if (used.length) {
    return graphError(req, 400, 'ErrorInvalidUrlQuery', `The following parameters are not supported with change tracking over the 'Events' resource: '${used.join(', ')}'.`);
  }
  prune(store);
  const deltaToken = req.query.get('$deltatoken');
  const skipToken = req.query.get('$skiptoken');
  const pageSize = prefer.maxPageSize ?? DELTA_DEFAULT_PAGE_SIZE;
  const basePath = `${req.graphBase}${req.path}`;
  let state: DeltaState | undefined;
  if (deltaToken !== null || skipToken !== null) {
    const t = decodeToken((deltaToken ?? skipToken)!);
    state = t && store.deltaStates.get(t.sid);
    if (!state || state.userId !== user.id || (skipToken !== null && !state.pending) || (deltaToken !== null && state.pending)) {
      const restart = t ? `${basePath}?startDateTime=${encodeURIComponent(t.s)}&endDateTime=${encodeURIComponent(t.e)}` : basePath;
      return graphError(req, 410, 'syncStateNotFound', 'The sync state generation is not found or has expired. Start a new full synchronisation without a delta token.', { Location: restart });
    }
  }
  let items: PendingItem[];
  let final: Map<string, string>;
  let windowStart: number;
  let windowEnd: number;
  if (state?.pending) {
    items = state.pending.items as PendingItem[];
    final = state.pending.final;
    windowStart = state.windowStart;
    windowEnd = state.windowEnd;
  } else {
    if (state) {
      windowStart = state.windowStart;
      windowEnd = state.windowEnd;
    } else {
      const ws = parseQueryInstant(req.query.get('startDateTime') ?? req.query.get('startdatetime') ?? undefined);
      const we = parseQueryInstant(req.query.get('endDateTime') ?? req.query.get('enddatetime') ?? undefined);
      if (ws === undefined || we === undefined) return graphError(req, 400, 'ErrorInvalidParameter', 'This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.');
      if (we <= ws) return graphError(req, 400, 'ErrorInvalidParameter', 'The value of the parameter EndDateTime must be later than StartDateTime.');
      windowStart = ws;
      windowEnd = we;
    }
    const known = state?.known ?? new Map<string, string>();
    const current = instancesInWindow(store, user.id, windowStart, windowEnd, { includeMasters: store.settings.deltaIncludesSeriesMaster });
    final = new Map();
    items = [];
    for (const inst of current) {
      const id = instanceId(inst, false);
      final.set(id, inst.changeKey);
      if (known.get(id) !== inst.changeKey) items.push({ kind: 'instance', inst });
    }
    for (const id of known.keys()) {
      if (final.has(id)) continue;
      const loc = locate(store, user.id, id);
      const still = loc && instanceOf(store, loc);
      items.push({ kind: 'removed', id, reason: still ? 'changed' : 'deleted' });
    }
    if (store.settings.deltaShuffle) {
      for (let i = items.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [items[i], items[j]] = [items[j], items[i]];
      }
    }
    const empties = store.takeFault(user.id, 'deltaEmptyPages');
    if (empties) {
      // An empty-pages fault is used up by one round: it inserts all its pages now.
      const n = empties.count + 1;
      store.faults.set(user.id, store.faultsOf(user.id).filter((f) => f !== empties));
      for (let i = 0; i < n; i++) items.unshift({ kind: 'removed', id: '', reason: 'deleted' });
    }
  }
  // Placeholders with an empty id stand for an empty page.
  let pageItems: PendingItem[];
  let rest: PendingItem[];
  if (items.length && items[0].kind === 'removed' && items[0].id === '') {
    pageItems = [];
    rest = items.slice(1);
  } else {
    const cut = items.findIndex((it, i) => i >= pageSize || (it.kind === 'removed' && it.id === ''));
    pageItems = cut < 0 ? items : items.slice(0, cut);
    rest = cut < 0 ? [] : items.slice(cut);
  }
  const immutable = prefer.immutableId || Boolean(state?.immutableIds);
  const tz = prefer.timeZone ?? 'UTC';
  const value = pageItems.map((it) =>
    it.kind === 'removed'
      ? { '@odata.type': '#microsoft.graph.event', id: idForm(store, user.id, it.id, immutable), '@removed': { reason: it.reason } }
      : serialize(it.inst, { timeZone: tz, immutable, compactOccurrence: true, bodyContentType: prefer.bodyContentType }),
  );
  if (value.length && store.takeFault(user.id, 'deltaReplay')) value.push(value[0]);
  const next: DeltaState = {
    id: randomUUID(),
    userId: user.id,
    windowStart,
    windowEnd,
    known: rest.length ? (state?.known ?? new Map()) : final,
    immutableIds: immutable,
    pending: rest.length ? { items: rest, final } : undefined,
    createdMs: Date.now(),
  };
  store.deltaStates.set(next.id, next);
  const token = encodeToken(next);
  const body: Record<string, unknown> = { '@odata.context': `${req.graphBase}/$metadata#Collection(event)` };
  if (rest.length) body['@odata.nextLink'] = `${basePath}?$skiptoken=${token}`;
  else body['@odata.deltaLink'] = `${basePath}?$deltatoken=${token}`;
  body.value = value;
  return { status: 200, headers: preferenceApplied(prefer, { timeZone: true, immutableId: true, maxPageSize: prefer.maxPageSize !== undefined }), body };
}

/** Ids in @removed entries are kept in rest form internally; answer them in the form the client uses. */
function idForm(store: Store, userId: string, restId: string, immutable: boolean): string {
  if (!immutable) return restId;
  const ev = store.findEvent(userId, restId);
  if (ev) return ev.immutableId;
  const tomb = store.tombstones.get(restId);
  if (tomb) return tomb;
  const occ = /^AAMkOC/.test(restId) ? Buffer.from(restId.slice(6), 'base64url').toString().split('|') : undefined;
  if (occ) {
    const master = store.findEvent(userId, occ[0]);
    const imm = master?.immutableId ?? store.tombstones.get(occ[0]);
    if (imm) return 'AAkAOC' + Buffer.from(`${imm}|${occ[1]}`).toString('base64url');
  }
  return restId;
}
