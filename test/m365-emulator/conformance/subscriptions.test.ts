/** Subscriptions, the validation handshake, change notifications and lifecycle events, against a real HTTPS receiver. */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { graphError, isoIn, startReceiver, startWorld, type Receiver, type World } from './kit';

let w: World;
let receiver: Receiver;
beforeAll(async () => {
  w = await startWorld({ settings: { settings: { notificationRetryDelaysMs: [150, 300], validationTimeoutMs: 1500 } } });
});
afterAll(async () => {
  await w?.stop();
});
beforeEach(async () => {
  receiver = await startReceiver();
});
afterEach(async () => {
  await receiver.close();
});

const rdv = (subject: string) => ({
  subject,
  start: { dateTime: '2026-05-04T09:00:00', timeZone: 'Romance Standard Time' },
  end: { dateTime: '2026-05-04T09:30:00', timeZone: 'Romance Standard Time' },
});

async function subscribe(userId: string, over: Record<string, unknown> = {}) {
  return w.graph.api('/subscriptions').post({
    changeType: 'created,updated,deleted',
    notificationUrl: receiver.url,
    lifecycleNotificationUrl: receiver.url.replace('/notifications', '/lifecycle'),
    resource: `/users/${userId}/events`,
    expirationDateTime: isoIn(4000),
    clientState: 'secret-partage',
    ...over,
  });
}

describe('Creating subscriptions', () => {
  it('validates both URLs with a text/plain handshake and answers 201 with the documented subscription shape', async () => {
    const sub = await subscribe(w.agent.id);
    expect(sub).toMatchObject({ changeType: 'created,updated,deleted', notificationUrl: receiver.url, resource: `/users/${w.agent.id}/events`, clientState: 'secret-partage', applicationId: w.app.clientId, latestSupportedTlsVersion: 'v1_2' });
    expect(sub['@odata.context']).toMatch(/\$metadata#subscriptions\/\$entity$/);
    expect(typeof sub.id).toBe('string');
    const validations = receiver.received.filter((r) => r.query.has('validationToken'));
    expect(validations.map((v) => v.path).sort()).toEqual(['/lifecycle', '/notifications']);
    expect(validations[0].headers['content-type']).toMatch(/^text\/plain/);
    expect(validations[0].query.get('validationToken')).toMatch(/^Validation: /);
  });

  it('refuses a receiver that does not echo the token, answers JSON or fails, within the time limit', async () => {
    for (const mode of ['wrong-token', 'json', 'status-500', 'silent'] as const) {
      receiver.validation = mode;
      const err = await graphError(subscribe(w.agent.id));
      expect(err.statusCode).toBe(400);
      expect(err.message).toMatch(/Subscription validation request failed/);
    }
  });

  it('refuses an http URL, a clientState over 128 characters and an expiration beyond the maximum lifetime', async () => {
    expect((await graphError(subscribe(w.agent.id, { notificationUrl: 'http://127.0.0.1:1/x' }))).statusCode).toBe(400);
    expect((await graphError(subscribe(w.agent.id, { clientState: 'x'.repeat(129) }))).statusCode).toBe(400);
    const tooLong = await graphError(subscribe(w.agent.id, { expirationDateTime: isoIn(4230 + 10) }));
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.message).toMatch(/4230 minutes/);
    await expect(subscribe(w.agent.id, { clientState: 'x'.repeat(128), expirationDateTime: isoIn(4229) })).resolves.toHaveProperty('id');
  });

  it('renews with PATCH (200), lists, and deletes with 204', async () => {
    const sub = await subscribe(w.agent.id);
    const renewed = await w.graph.api(`/subscriptions/${sub.id}`).patch({ expirationDateTime: isoIn(4200) });
    expect(Date.parse(renewed.expirationDateTime)).toBeGreaterThan(Date.parse(sub.expirationDateTime));
    const list = await w.graph.api('/subscriptions').get();
    expect(list.value.map((s: { id: string }) => s.id)).toContain(sub.id);
    await w.graph.api(`/subscriptions/${sub.id}`).delete();
    expect((await graphError(w.graph.api(`/subscriptions/${sub.id}`).get())).statusCode).toBe(404);
  });
});

describe('Change notifications', () => {
  it('POSTs the documented payload after a change made in Outlook', async () => {
    const u = w.emulator.control.createUser({ tenantId: w.tenantId, userPrincipalName: 'notif1@testville.example', displayName: 'N1' });
    const sub = await subscribe(u.id);
    const made = await w.emulator.control.userEvent(u.id).create(rdv('Créé dans Outlook'));
    await receiver.waitFor(() => receiver.notifications().length >= 1);
    const [n] = receiver.notifications();
    expect(n).toEqual({
      subscriptionId: sub.id,
      subscriptionExpirationDateTime: expect.any(String),
      changeType: 'created',
      resource: `Users/${u.id}/Events/${made.id}`,
      resourceData: { '@odata.type': '#Microsoft.Graph.Event', '@odata.id': `Users/${u.id}/Events/${made.id}`, '@odata.etag': made['@odata.etag'], id: made.id },
      clientState: 'secret-partage',
      tenantId: w.tenantId,
    });
    const post = receiver.received.find((r) => r.json)!;
    expect(post.headers['content-type']).toMatch(/^application\/json/);
  });

  it('batches changes that come together into one POST', async () => {
    const u = w.emulator.control.createUser({ tenantId: w.tenantId, userPrincipalName: 'notif2@testville.example', displayName: 'N2' });
    await subscribe(u.id);
    const outlook = w.emulator.control.userEvent(u.id);
    const e = await outlook.create(rdv('un'));
    await outlook.update(String(e.id), { subject: 'deux' });
    await outlook.delete(String(e.id));
    await receiver.waitFor(() => receiver.notifications().length >= 3);
    const posts = receiver.received.filter((r) => r.json);
    expect(posts).toHaveLength(1);
    expect(receiver.notifications().map((n) => n.changeType)).toEqual(['created', 'updated', 'deleted']);
  });

  it('retries when the receiver fails, and stops when it acknowledges', async () => {
    const u = w.emulator.control.createUser({ tenantId: w.tenantId, userPrincipalName: 'notif3@testville.example', displayName: 'N3' });
    await subscribe(u.id);
    receiver.notificationStatus = (n) => (n === 1 ? 503 : 202);
    await w.graph.api(`/users/${u.id}/events`).post(rdv('via Graph'));
    // The emulator logs an attempt once the receiver's answer is back, a moment after the receiver saw it: wait for the log.
    const attempts = () => w.emulator.control.notificationLog().filter((d) => d.kind === 'notification' && d.url === receiver.url);
    await receiver.waitFor(() => attempts().length >= 2);
    await new Promise((r) => setTimeout(r, 200)); // no third attempt after the acknowledgement
    expect(attempts().map((a) => a.status)).toEqual([503, 202]);
  });

  it('holds back the next notifications of a receiver that was slow to acknowledge', async () => {
    const u = w.emulator.control.createUser({ tenantId: w.tenantId, userPrincipalName: 'slow@testville.example', displayName: 'Slow' });
    await subscribe(u.id);
    const before = w.emulator.control.settings();
    w.emulator.control.settings({ slowNotificationMs: 100, slowEndpointPenaltyMs: 600 });
    try {
      receiver.notificationDelayMs = 150;
      const outlook = w.emulator.control.userEvent(u.id);
      await outlook.create(rdv('un'));
      await receiver.waitFor(() => receiver.notifications().length >= 1);
      await w.emulator.control.flushNotifications();
      receiver.notificationDelayMs = 0;
      const changedAt = Date.now();
      await outlook.create(rdv('deux'));
      await receiver.waitFor(() => receiver.notifications().length >= 2, 3000);
      expect(Date.now() - changedAt).toBeGreaterThanOrEqual(500);
    } finally {
      w.emulator.control.settings({ slowNotificationMs: before.slowNotificationMs, slowEndpointPenaltyMs: before.slowEndpointPenaltyMs });
    }
  });

  it('drops notifications when told to', async () => {
    const u = w.emulator.control.createUser({ tenantId: w.tenantId, userPrincipalName: 'notif4@testville.example', displayName: 'N4' });
    await subscribe(u.id);
    w.emulator.control.injectFault(u.id, { kind: 'dropNotifications', count: 1 });
    await w.emulator.control.userEvent(u.id).create(rdv('perdu'));
    await w.emulator.control.flushNotifications();
    const kept = await w.emulator.control.userEvent(u.id).create(rdv('reçu'));
    await receiver.waitFor(() => receiver.notifications().length >= 1);
    await w.emulator.control.flushNotifications();
    expect(receiver.notifications().map((n) => (n.resourceData as { id: string }).id)).toEqual([kept.id]);
  });

  it('stops notifying a subscription removed behind the app’s back', async () => {
    const u = w.emulator.control.createUser({ tenantId: w.tenantId, userPrincipalName: 'notif5@testville.example', displayName: 'N5' });
    const sub = await subscribe(u.id);
    expect(w.emulator.control.removeSubscription(sub.id)).toBe(true);
    await w.emulator.control.userEvent(u.id).create(rdv('silence'));
    await w.emulator.control.flushNotifications();
    expect(receiver.notifications()).toEqual([]);
    expect((await graphError(w.graph.api(`/subscriptions/${sub.id}`).get())).statusCode).toBe(404);
  });
});

describe('Lifecycle notifications', () => {
  it('sends reauthorizationRequired, missed and subscriptionRemoved to the lifecycle URL on demand', async () => {
    const sub = await subscribe(w.agent.id);
    for (const ev of ['reauthorizationRequired', 'missed', 'subscriptionRemoved'] as const) await w.emulator.control.sendLifecycle(sub.id, ev);
    const lifecycle = receiver.received.filter((r) => r.path === '/lifecycle' && r.json).flatMap((r) => r.json!.value);
    expect(lifecycle.map((l) => l.lifecycleEvent)).toEqual(['reauthorizationRequired', 'missed', 'subscriptionRemoved']);
    expect(lifecycle[0]).toEqual({ subscriptionId: sub.id, subscriptionExpirationDateTime: expect.any(String), tenantId: w.tenantId, clientState: 'secret-partage', lifecycleEvent: 'reauthorizationRequired' });
    expect((await graphError(w.graph.api(`/subscriptions/${sub.id}`).get())).statusCode).toBe(404);
  });
});
