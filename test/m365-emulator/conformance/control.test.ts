/** The control API over HTTP: builds the world, never opens to a Graph token, logs and counts calls, resets. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startWorld, type World } from './kit';

let w: World;
beforeAll(async () => {
  w = await startWorld();
});
afterAll(async () => {
  await w?.stop();
});

const control = (path: string, init: RequestInit = {}) => fetch(`${w.emulator.baseUrl}/_emulator${path}`, { ...init, headers: { 'Content-Type': 'application/json', ...(init.headers ?? {}) } });

describe('Control API over HTTP', () => {
  it('refuses any request that carries a bearer token, Graph tokens included', async () => {
    const token = (await w.cca.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] }))!.accessToken;
    const res = await control('/users', { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(403);
  });

  it('creates a tenant, an app and a user, then edits the user’s calendar as Outlook would', async () => {
    const tenant = (await (await control('/tenants', { method: 'POST', body: JSON.stringify({ name: 'Via HTTP' }) })).json()) as { id: string };
    const app = (await (await control('/apps', { method: 'POST', body: JSON.stringify({ tenantId: tenant.id, roles: ['Calendars.ReadWrite'] }) })).json()) as { clientId: string; clientSecret: string };
    expect(app.clientSecret).toBeTruthy();
    const user = (await (await control('/users', { method: 'POST', body: JSON.stringify({ tenantId: tenant.id, userPrincipalName: 'http@via.example', displayName: 'Via' }) })).json()) as { id: string };
    const created = await control(`/users/${user.id}/events`, { method: 'POST', body: JSON.stringify({ subject: 'x', start: { dateTime: '2026-07-01T09:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-07-01T10:00:00', timeZone: 'UTC' } }) });
    expect(created.status).toBe(201);
    const ev = (await created.json()) as { id: string };
    expect((await control(`/users/${user.id}/events/${ev.id}`, { method: 'PATCH', body: JSON.stringify({ subject: 'y' }) })).status).toBe(200);
    expect((await control(`/users/${user.id}/events/${ev.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await control(`/users/${user.id}/faults`, { method: 'POST', body: JSON.stringify({ kind: 'status', status: 503, count: 1 }) })).status).toBe(204);
    expect((await control(`/users/${user.id}/faults`, { method: 'POST', body: JSON.stringify({ kind: 'expireDeltaTokens' }) })).status).toBe(204);
    expect((await control(`/users/${user.id}/faults`, { method: 'POST', body: JSON.stringify({ kind: 'meteor' }) })).status).toBe(400);
  });

  it('reports the request log and per-mailbox counters of Graph calls', async () => {
    const u = w.emulator.control.createUser({ tenantId: w.tenantId, userPrincipalName: 'count@testville.example', displayName: 'Count' });
    await w.graph.api(`/users/${u.id}/events`).get();
    await w.graph.api(`/users/${u.id}/calendarView?startDateTime=2026-01-01T00:00:00Z&endDateTime=2026-01-02T00:00:00Z`).get();
    await w.graph.api(`/users/${u.id}/calendarView?startDateTime=2026-01-01T00:00:00Z&endDateTime=2026-01-02T00:00:00Z`).get();
    const counters = (await (await control(`/users/${u.id}/counters`)).json()) as Record<string, number>;
    expect(counters).toEqual({ 'events.list': 1, calendarView: 2, total: 3 });
    const log = (await (await control(`/log?userId=${u.id}`)).json()) as { value: Array<{ kind: string; status: number; appId: string }> };
    expect(log.value.map((e) => e.kind)).toEqual(['events.list', 'calendarView', 'calendarView']);
    expect(log.value[0].appId).toBe(w.app.clientId);
  });

  it('resets the whole world', async () => {
    expect((await control('/reset', { method: 'POST' })).status).toBe(204);
    expect(w.emulator.control.users()).toEqual([]);
    expect(w.emulator.control.requestLog()).toEqual([]);
  });
});
