/** The emulator's baseline latency (for benchmarks) and the demo's mailbox page, driven through the real SDKs and HTTP. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { noRetry, startReceiver, startWorld, type Receiver, type World } from './kit';

let w: World;
let receiver: Receiver;
beforeAll(async () => {
  w = await startWorld();
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver?.close();
  await w?.stop();
});

const RDV_LINK = 'String {66f5a359-4659-4830-9070-00047ec6ac6e} Name RdvLink';
const at = (iso: string, minutes: number) => ({ dateTime: new Date(Date.parse(iso) + minutes * 60_000).toISOString().slice(0, 19), timeZone: 'UTC' });

describe('the baseline latency setting', () => {
  afterAll(() => { w.emulator.control.settings({ baselineLatencyMs: 0, latencySpreadMs: 0 }); });

  it('should be 0 by default, as tests need', () => {
    expect(w.emulator.control.settings()).toMatchObject({ baselineLatencyMs: 0, latencySpreadMs: 0 });
  });

  it('should make every Graph call take at least the baseline (minus the spread)', async () => {
    w.emulator.control.settings({ baselineLatencyMs: 150, latencySpreadMs: 50 });
    w.emulator.control.clearRequestLog();
    for (let i = 0; i < 3; i++) await w.graph.api(`/users/${w.agent.id}/events`).top(1).get();
    const calls = w.emulator.control.requestLog({ kind: 'events.list' });
    expect(calls).toHaveLength(3);
    for (const c of calls) expect(c.durationMs).toBeGreaterThanOrEqual(100);
  });

  it('should hold the mailbox concurrency slot meanwhile, so that a fifth concurrent call is throttled', async () => {
    w.emulator.control.settings({ baselineLatencyMs: 1500, latencySpreadMs: 0 });
    const calls = Array.from({ length: 5 }, () => noRetry(w.graph.api(`/users/${w.agent.id}/events`).top(1)).get().then(() => 200, (e: { statusCode: number }) => e.statusCode));
    const statuses = (await Promise.all(calls)).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
  }, 20_000);
});

describe('the mailbox page of the demo', () => {
  let ours: { id: string };
  let meeting: { id: string };
  beforeAll(async () => {
    ours = await w.graph.api(`/users/${w.agent.id}/events`).header('Prefer', 'IdType="ImmutableId"').post({
      subject: 'Consultation PMI', start: at('2026-03-04T09:00:00Z', 0), end: at('2026-03-04T09:00:00Z', 30),
      singleValueExtendedProperties: [{ id: RDV_LINK, value: '1/1' }],
    });
    meeting = await w.graph.api(`/users/${w.agent.id}/events`).header('Prefer', 'IdType="ImmutableId"').post({
      subject: 'Réunion <équipe>', start: at('2026-03-05T13:00:00Z', 0), end: at('2026-03-05T13:00:00Z', 60), showAs: 'busy',
    });
    await w.graph.api('/subscriptions').post({
      changeType: 'created,updated,deleted', notificationUrl: receiver.url, resource: `/users/${w.agent.id}/events`,
      expirationDateTime: new Date(Date.now() + 60 * 60_000).toISOString(), clientState: 'page-test',
    });
  });

  const pageUrl = () => `${w.emulator.baseUrl}/_emulator/mailboxes/${encodeURIComponent(w.agent.userPrincipalName)}`;

  it("should show the week's events in the mailbox's time zone, in French, with a move and a delete button each", async () => {
    const res = await fetch(`${pageUrl()}?semaine=2026-03-02`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('<html lang="fr">');
    expect(html).toContain('Agenda Outlook de Claire Martin');
    expect(html).toMatch(/mercredi 04\/03<\/h2><ul>\s*<li class="rdv"[^>]*>\s*<strong>10:00–10:30<\/strong> Consultation PMI/);
    expect(html).toContain('RDV synchronisé');
    expect(html).toContain('Réunion &lt;équipe&gt;');
    expect(html.match(/Déplacer \+1 h/g)).toHaveLength(2);
    expect(html.match(/>Supprimer</g)).toHaveLength(2);
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)="https?:/);
  });

  it('should move an event one hour later as the user in Outlook would, which notifies', async () => {
    receiver.received.length = 0;
    const res = await fetch(`${pageUrl()}/events/${encodeURIComponent(ours.id)}/move`, { method: 'POST' });
    expect(res.status).toBe(200);
    const moved = w.emulator.control.userEvent(w.agent.id).get(ours.id, { immutableId: true }) as { start: { dateTime: string }; end: { dateTime: string } };
    expect(moved.start.dateTime).toMatch(/^2026-03-04T10:00:00/);
    expect(moved.end.dateTime).toMatch(/^2026-03-04T10:30:00/);
    await receiver.waitFor(() => receiver.notifications().some((n) => n.changeType === 'updated'));
  });

  it('should delete an event as the user in Outlook would, which notifies', async () => {
    receiver.received.length = 0;
    const res = await fetch(`${pageUrl()}/events/${encodeURIComponent(meeting.id)}/delete`, { method: 'POST' });
    expect(res.status).toBe(204);
    expect(w.emulator.control.userEvent(w.agent.id).get(meeting.id, { immutableId: true })).toBeUndefined();
    await receiver.waitFor(() => receiver.notifications().some((n) => n.changeType === 'deleted'));
    const html = await (await fetch(`${pageUrl()}?semaine=2026-03-02`)).text();
    expect(html).not.toContain('Réunion');
  });

  it('should answer 404 for an unknown mailbox, and refuse bearer tokens like the control API', async () => {
    expect((await fetch(`${w.emulator.baseUrl}/_emulator/mailboxes/personne@testville.example`)).status).toBe(404);
    expect((await fetch(pageUrl(), { headers: { authorization: 'Bearer x' } })).status).toBe(403);
  });
});
