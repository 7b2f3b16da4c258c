/**
 * The calendar adapter against the Microsoft 365 emulator, through the real msal-node and Graph SDKs: the rules it
 * promises every caller (4 requests in flight per mailbox, Retry-After honoured, immutable ids) and the mapping of
 * Graph's answers to what the sync acts on.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadSyncConfig } from '../../../sync-service/src/sync/config';
import { createGraphGateway, GraphCallError, MAX_IN_FLIGHT_PER_MAILBOX, RDV_LINK_PROPERTY, type CalendarGateway } from '../../../sync-service/src/sync/graph';
import { startEmulator, type Emulator } from '../../m365-emulator';

const content = (startIso: string, minutes = 30) => ({
  subject: 'Consultation PMI', bodyText: 'Rendez-vous géré par le service.', location: 'Centre Nord',
  start: new Date(startIso), end: new Date(new Date(startIso).getTime() + minutes * 60_000),
});

describe('the Graph calendar adapter', () => {
  let emulator: Emulator;
  let gateway: CalendarGateway & { inFlight(m: string): number };
  let mailbox: string;
  const requests: Array<{ kind: string; status: number }> = [];
  const waits: number[] = [];

  beforeAll(async () => {
    emulator = await startEmulator({ quiet: true });
    const c = emulator.control;
    const tenant = c.createTenant({ name: 'Département de test' });
    const app = c.createApp({ tenantId: tenant.id, roles: ['Calendars.ReadWrite', 'User.Read.All'] });
    mailbox = c.createUser({ tenantId: tenant.id, userPrincipalName: 'claire.martin@test.example', displayName: 'Claire Martin' }).userPrincipalName;
    const config = loadSyncConfig({
      GRAPH_TENANT_ID: tenant.id, GRAPH_CLIENT_ID: app.clientId, GRAPH_CLIENT_SECRET: app.clientSecret,
      GRAPH_AUTHORITY_HOST: emulator.baseUrl, GRAPH_BASE_URL: emulator.baseUrl,
    }, 'https://rdv.test.example')!;
    gateway = await createGraphGateway(config, {
      request: (kind, status) => requests.push({ kind, status }),
      throttled: (_kind, ms) => waits.push(ms),
    });
  }, 60_000);
  afterAll(async () => { await emulator.stop(); });

  it('should create an event once for one transactionId, with our RdvLink, private and busy', async () => {
    const first = await gateway.createEvent(mailbox, content('2026-03-02T09:00:00Z'), '12/3', 'rdv-tx-1');
    const again = await gateway.createEvent(mailbox, content('2026-03-02T09:00:00Z'), '12/3', 'rdv-tx-1');
    expect(again.id).toBe(first.id);
    const found = await gateway.findEventsByLink(mailbox, '12/3');
    expect(found.map((e) => e.id)).toEqual([first.id]);
    const raw = emulator.control.userEvent(mailbox).get(first.id) as Record<string, any>;
    expect(raw).toMatchObject({ sensitivity: 'private', showAs: 'busy', subject: 'Consultation PMI' });
    expect(raw.attendees ?? []).toEqual([]);
    const read = await gateway.getEvent(mailbox, first.id);
    expect(read).toMatchObject({ id: first.id, rdvLink: '12/3', start: new Date('2026-03-02T09:00:00Z'), end: new Date('2026-03-02T09:30:00Z') });
    expect(RDV_LINK_PROPERTY).toMatch(/^String \{[0-9a-f-]{36}\} Name RdvLink$/);
  });

  it('should update with If-Match, and report a stale changeKey as etag_mismatch and a missing event as not_found', async () => {
    const created = await gateway.createEvent(mailbox, content('2026-03-03T09:00:00Z'), '13/3', 'rdv-tx-2');
    const updated = await gateway.updateEvent(mailbox, created.id, content('2026-03-03T10:00:00Z'), created.changeKey);
    expect(updated.changeKey).not.toBe(created.changeKey);
    await expect(gateway.updateEvent(mailbox, created.id, content('2026-03-03T11:00:00Z'), created.changeKey)).rejects.toMatchObject({ kind: 'etag_mismatch', status: 412 });
    await gateway.deleteEvent(mailbox, created.id);
    await gateway.deleteEvent(mailbox, created.id); // already gone: nothing to do
    await expect(gateway.updateEvent(mailbox, created.id, content('2026-03-03T11:00:00Z'), null)).rejects.toBeInstanceOf(GraphCallError);
    expect(await gateway.getEvent(mailbox, created.id)).toBeNull();
  });

  it('should wait as long as Retry-After says when throttled, then succeed', async () => {
    waits.length = 0;
    emulator.control.injectFault(mailbox, { kind: 'status', status: 429, count: 2, retryAfterSeconds: 1, callKind: 'events.create' });
    const created = await gateway.createEvent(mailbox, content('2026-03-04T09:00:00Z'), '14/3', 'rdv-tx-3');
    expect(created.id).toBeTruthy();
    expect(waits).toEqual([1000, 1000]);
  });

  it('should never have more than 4 requests in flight for one mailbox, whatever the callers ask', async () => {
    emulator.control.injectFault(mailbox, { kind: 'latency', ms: 100, count: 12 });
    const throttledBefore = emulator.control.counters(mailbox).throttled ?? 0;
    let peak = 0;
    const probe = setInterval(() => { peak = Math.max(peak, gateway.inFlight(mailbox)); }, 5);
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) =>
      gateway.createEvent(mailbox, content(`2026-03-05T${String(8 + (i % 8)).padStart(2, '0')}:00:00Z`), `20${i}/3`, `rdv-tx-par-${i}`)));
    clearInterval(probe);
    expect(new Set(results.map((r) => r.id)).size).toBe(12);
    expect(peak).toBe(MAX_IN_FLIGHT_PER_MAILBOX);
    expect(emulator.control.counters(mailbox).throttled ?? 0).toBe(throttledBefore); // the emulator never had to refuse one
  });

  it('should page through a delta round, then report an expired token as delta_expired', async () => {
    const window = { start: new Date('2026-03-01T00:00:00Z'), end: new Date('2026-03-08T00:00:00Z') };
    let page = await gateway.delta(mailbox, window, 10);
    const seen = [...page.events];
    while (page.nextLink) { page = await gateway.delta(mailbox, { link: page.nextLink }, 10); seen.push(...page.events); }
    expect(page.deltaLink).toBeTruthy();
    // 1 + 1 + 12 events created above in this window (the one of the second test was deleted).
    expect(seen.filter((e) => !e.removed).length).toBe(14);
    expect(seen.every((e) => e.start instanceof Date && e.end instanceof Date)).toBe(true);
    // Pages of the size asked for: 14 events in pages of at most 10 (odata.maxpagesize kept beside IdType).
    const sizes: number[] = [];
    let p2 = await gateway.delta(mailbox, window, 5);
    sizes.push(p2.events.length);
    while (p2.nextLink) { p2 = await gateway.delta(mailbox, { link: p2.nextLink }, 5); sizes.push(p2.events.length); }
    expect(Math.max(...sizes)).toBeLessThanOrEqual(5);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(14);
    emulator.control.expireDeltaTokens(mailbox);
    await expect(gateway.delta(mailbox, { link: page.deltaLink! }, 10)).rejects.toMatchObject({ kind: 'delta_expired' });
  });

  it('should receive immutable ids, not the ids that change when an event moves between folders', async () => {
    const created = await gateway.createEvent(mailbox, content('2026-03-06T09:00:00Z'), '30/3', 'rdv-tx-imm');
    const immutableIds = emulator.control.userEvent(mailbox).list({ immutableId: true }).map((e) => e.id);
    const restIds = emulator.control.userEvent(mailbox).list().map((e) => e.id);
    expect(immutableIds).toContain(created.id);
    expect(restIds).not.toContain(created.id);
    expect(requests.some((r) => r.kind === 'events.create' && r.status === 200)).toBe(true);
  });
});
