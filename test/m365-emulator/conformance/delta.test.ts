/** calendarView and calendarView/delta as documented (event-delta.md, delta-query-events.md), through the Graph SDK. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ResponseType } from '@microsoft/microsoft-graph-client';
import { graphError, startWorld, type World } from './kit';

let w: World;
beforeAll(async () => {
  w = await startWorld();
});
afterAll(async () => {
  await w?.stop();
});

const WINDOW = 'startDateTime=2026-04-01T00:00:00Z&endDateTime=2026-04-30T00:00:00Z';
const at = (day: number, hour: number, subject = `RDV ${day}/${hour}`) => ({
  subject,
  start: { dateTime: `2026-04-${String(day).padStart(2, '0')}T${String(hour).padStart(2, '0')}:00:00`, timeZone: 'UTC' },
  end: { dateTime: `2026-04-${String(day).padStart(2, '0')}T${String(hour).padStart(2, '0')}:30:00`, timeZone: 'UTC' },
});

function freshMailbox(name: string) {
  return w.emulator.control.createUser({ tenantId: w.tenantId, userPrincipalName: `${name}@testville.example`, displayName: name });
}

/** Follows nextLinks to the deltaLink, as a sync does. */
async function round(url: string, pageSize?: number): Promise<{ pages: Array<Array<Record<string, unknown>>>; deltaLink: string }> {
  const pages: Array<Array<Record<string, unknown>>> = [];
  let next = url;
  for (let guard = 0; guard < 100; guard++) {
    let req = w.graph.api(next);
    if (pageSize) req = req.header('Prefer', `odata.maxpagesize=${pageSize}`);
    const page = await req.get();
    expect(page['@odata.context']).toBeDefined();
    pages.push(page.value);
    if (page['@odata.deltaLink']) return { pages, deltaLink: page['@odata.deltaLink'] };
    next = page['@odata.nextLink'];
    expect(next).toBeDefined();
  }
  throw new Error('No deltaLink after 100 pages.');
}

describe('calendarView', () => {
  it('requires startDateTime and endDateTime', async () => {
    const err = await graphError(w.graph.api(`/users/${w.agent.id}/calendarView`).get());
    expect(err.statusCode).toBe(400);
    expect(err.code).toBe('ErrorInvalidParameter');
  });

  it('lists the events overlapping the window, with paging', async () => {
    const u = freshMailbox('view');
    for (const d of [1, 2, 3]) await w.graph.api(`/users/${u.id}/events`).post(at(d, 9));
    await w.graph.api(`/users/${u.id}/events`).post({ ...at(1, 9), start: { dateTime: '2026-05-10T09:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-05-10T10:00:00', timeZone: 'UTC' } });
    const first = await w.graph.api(`/users/${u.id}/calendarView?${WINDOW}`).header('Prefer', 'odata.maxpagesize=2').get();
    expect(first.value).toHaveLength(2);
    const second = await w.graph.api(first['@odata.nextLink']).header('Prefer', 'odata.maxpagesize=2').get();
    expect(second.value).toHaveLength(1);
    expect(second['@odata.nextLink']).toBeUndefined();
  });
});

describe('calendarView/delta', () => {
  it('needs the window on the first call only, pages by odata.maxpagesize and ends with a deltaLink that carries the window', async () => {
    const u = freshMailbox('delta1');
    for (const d of [1, 2, 3, 4, 5]) await w.graph.api(`/users/${u.id}/events`).post(at(d, 10));
    const missing = await graphError(w.graph.api(`/users/${u.id}/calendarView/delta`).get());
    expect(missing.statusCode).toBe(400);
    const { pages, deltaLink } = await round(`/users/${u.id}/calendarView/delta?${WINDOW}`, 2);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(deltaLink).toMatch(/\/calendarView\/delta\?\$deltatoken=/);
    expect(deltaLink).not.toMatch(/startDateTime/);
    const token = new URL(deltaLink).searchParams.get('$deltatoken')!;
    expect(Buffer.from(token, 'base64url').toString()).toMatch(/2026-04-01T00:00:00/);
    const quiet = await round(deltaLink);
    expect(quiet.pages.flat()).toEqual([]);
  });

  it('refuses $select, $filter, $orderby and $expand', async () => {
    const err = await graphError(w.graph.api(`/users/${w.agent.id}/calendarView/delta?${WINDOW}&$select=subject`).get());
    expect(err.statusCode).toBe(400);
  });

  it('returns new and changed events, @removed deleted for deletions and @removed changed for events that left the window', async () => {
    const u = freshMailbox('delta2');
    const outlook = w.emulator.control.userEvent(u.id);
    const a = await w.graph.api(`/users/${u.id}/events`).post(at(6, 9, 'A'));
    const b = await w.graph.api(`/users/${u.id}/events`).post(at(7, 9, 'B'));
    const c = await w.graph.api(`/users/${u.id}/events`).post(at(8, 9, 'C'));
    const first = await round(`/users/${u.id}/calendarView/delta?${WINDOW}`);
    expect(first.pages.flat().map((e) => e.subject).sort()).toEqual(['A', 'B', 'C']);
    await outlook.update(String(a.id), { subject: 'A modifié' });
    await outlook.delete(String(b.id));
    await w.graph.api(`/users/${u.id}/events/${c.id}`).patch({ start: { dateTime: '2026-06-01T09:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-06-01T10:00:00', timeZone: 'UTC' } });
    const d = await outlook.create(at(9, 9, 'D'));
    const second = await round(first.deltaLink);
    const items = second.pages.flat();
    expect(items).toEqual(expect.arrayContaining([
      expect.objectContaining({ id: a.id, subject: 'A modifié' }),
      expect.objectContaining({ id: d.id, subject: 'D' }),
      { '@odata.type': '#microsoft.graph.event', id: b.id, '@removed': { reason: 'deleted' } },
      { '@odata.type': '#microsoft.graph.event', id: c.id, '@removed': { reason: 'changed' } },
    ]));
    expect(items).toHaveLength(4);
  });

  it('can be told to answer empty pages and to repeat an item', async () => {
    const u = freshMailbox('delta3');
    for (const d of [1, 2, 3]) await w.graph.api(`/users/${u.id}/events`).post(at(d, 11));
    w.emulator.control.injectFault(u.id, { kind: 'deltaEmptyPages', count: 2 });
    w.emulator.control.injectFault(u.id, { kind: 'deltaReplay', count: 1 });
    const { pages } = await round(`/users/${u.id}/calendarView/delta?${WINDOW}`, 10);
    expect(pages[0]).toEqual([]);
    expect(pages[1]).toEqual([]);
    const items = pages.flat();
    expect(items).toHaveLength(4);
    expect(new Set(items.map((e) => e.id)).size).toBe(3);
  });

  it('answers 410 Gone with syncStateNotFound and a Location when the token has expired', async () => {
    const u = freshMailbox('delta4');
    await w.graph.api(`/users/${u.id}/events`).post(at(2, 8));
    const { deltaLink } = await round(`/users/${u.id}/calendarView/delta?${WINDOW}`);
    expect(w.emulator.control.expireDeltaTokens(u.id)).toBeGreaterThan(0);
    const err = await graphError(w.graph.api(deltaLink).get());
    expect(err.statusCode).toBe(410);
    expect(err.code).toBe('syncStateNotFound');
    const raw = (await w.graph.api(deltaLink).responseType(ResponseType.RAW).get()) as Response;
    expect(raw.status).toBe(410);
    expect(raw.headers.get('location')).toMatch(/calendarView\/delta\?startDateTime=2026-04-01T00%3A00%3A00/);
    const restart = await round(`/users/${u.id}/calendarView/delta?${WINDOW}`);
    expect(restart.pages.flat()).toHaveLength(1);
  });

  it('answers with immutable ids when the round asked for them', async () => {
    const u = freshMailbox('delta5');
    const created = await w.graph.api(`/users/${u.id}/events`).header('Prefer', 'IdType="ImmutableId"').post(at(3, 9));
    const page = await w.graph.api(`/users/${u.id}/calendarView/delta?${WINDOW}`).header('Prefer', 'IdType="ImmutableId"').get();
    expect(page.value.map((e: { id: string }) => e.id)).toEqual([created.id]);
    await w.graph.api(`/users/${u.id}/events/${created.id}`).delete();
    const next = await w.graph.api(page['@odata.deltaLink']).header('Prefer', 'IdType="ImmutableId"').get();
    expect(next.value).toEqual([{ '@odata.type': '#microsoft.graph.event', id: created.id, '@removed': { reason: 'deleted' } }]);
  });
});
