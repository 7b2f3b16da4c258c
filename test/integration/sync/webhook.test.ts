/**
 * The Graph webhook receiver (/graph/notifications, /graph/lifecycle) on an HTTPS server with a certificate from
 * the local CA, as Graph reaches it: the emulator validates it, delivers real notifications and lifecycle events.
 * A notification only enqueues a delta round (one per mailbox, whatever the burst); a forged one enqueues nothing.
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import express from 'express';
import { getMailbox, updateMailbox } from '../../../sync-service/src/data/sync';
import { createJobRunner } from '../../../sync-service/src/queue/runner';
import { inboundHandler } from '../../../sync-service/src/sync/inbound';
import { notificationsRouter } from '../../../sync-service/src/sync/webhook';
import { SYNC_JOBS } from '../../../sync-service/src/sync/types';
import { serverCertificateFor } from '../../m365-emulator';
import { busyBlocks, NOW, startInboundWorld, utc, type InboundWorld } from '../../helpers/inbound-world';

async function until(what: string, pred: () => Promise<boolean> | boolean, tries = 250): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`Not reached after ${tries} polls: ${what}`);
}

describe('the Graph webhook receiver', () => {
  let t: InboundWorld;
  let server: https.Server;
  let base: string;
  let agentId: number;
  let subscriptionId: string;
  let clientState: string;

  const jobs = async () => (await t.db.pool.query(`select kind, singleton_key, payload from jobs order by id`)).rows;
  const post = (path: string, body: string, contentType = 'application/json') =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });
  const notificationFor = (sub: string, state: string | undefined) => JSON.stringify({
    value: [{ subscriptionId: sub, clientState: state, changeType: 'updated', resource: 'Users/x/Events/y', tenantId: 't', resourceData: { id: 'y' } }],
  });
  const meeting = (start: string, end: string) => ({ subject: 'Point', start: utc(start), end: utc(end), showAs: 'busy' });

  /** What the connection part does: a subscription on the mailbox's events, recorded on its row. */
  const subscribe = async () => {
    // Subscription lifetimes are checked against Graph's real clock, not the tests' business clock.
    const sub = await t.gateway.createSubscription(t.upn(agentId), {
      notificationUrl: `${base}/graph/notifications`, lifecycleNotificationUrl: `${base}/graph/lifecycle`, clientState,
      expiresAt: new Date(Date.now() + 2 * 86_400_000),
    });
    subscriptionId = sub.id;
    await updateMailbox(t.db.pool, agentId, { subscriptionId, subscriptionExpiresAt: sub.expiresAt });
  };

  beforeAll(async () => {
    t = await startInboundWorld();
    agentId = t.w.agentA.id;
    const app = express();
    app.use('/graph', notificationsRouter({ pool: t.db.pool, logger: t.deps.logger, now: () => NOW }));
    const cert = serverCertificateFor(['127.0.0.1', 'localhost']);
    server = https.createServer({ cert: cert.cert + cert.ca, key: cert.key }, app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    clientState = (await getMailbox(t.db.pool, agentId))!.clientState;
    await subscribe();
    await t.round(agentId);
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    await t?.stop();
  });
  beforeEach(async () => {
    await t.emulator.control.flushNotifications();
    await t.db.pool.query('delete from jobs');
  });

  it('answers the validation handshake of both URLs, so Graph accepts the subscription', async () => {
    const validations = t.emulator.control.notificationLog().filter((d) => d.kind === 'validation');
    expect(validations.map((v) => [new URL(v.url).pathname, v.status])).toEqual([['/graph/notifications', 200], ['/graph/lifecycle', 200]]);
    const res = await post('/graph/notifications?validationToken=Validation%3A%20Testing%20client%20application+%26x', '', 'text/plain');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe('Validation: Testing client application &x');
  });

  it('enqueues one delta round for the mailbox when Graph notifies a change, and answers 202', async () => {
    await t.emulator.control.userEvent(t.userA.id).create(meeting('2026-03-10T08:00:00Z', '2026-03-10T09:00:00Z'));
    await t.emulator.control.flushNotifications();
    await until('a job', async () => (await jobs()).length > 0);
    expect(await jobs()).toEqual([{ kind: SYNC_JOBS.inbound.kind, singleton_key: SYNC_JOBS.inbound.key(agentId), payload: { agentId } }]);
    const delivered = t.emulator.control.notificationLog().filter((d) => d.kind === 'notification');
    expect(delivered.at(-1)).toMatchObject({ subscriptionId, status: 202 });
  });

  it('makes one delta round of a burst of 20 changes in one mailbox', async () => {
    const before = t.emulator.control.notificationLog().filter((d) => d.kind === 'notification').length;
    for (let i = 0; i < 20; i++) {
      await t.emulator.control.userEvent(t.userA.id).create(meeting(`2026-03-11T${String(8 + (i % 8)).padStart(2, '0')}:00:00Z`, `2026-03-11T${String(8 + (i % 8)).padStart(2, '0')}:30:00Z`));
    }
    await t.emulator.control.flushNotifications();
    const deliveries = t.emulator.control.notificationLog().filter((d) => d.kind === 'notification').slice(before);
    expect(deliveries.reduce((n, d) => n + d.items, 0)).toBe(20);
    expect(deliveries.every((d) => d.status === 202)).toBe(true);
    expect(await jobs()).toHaveLength(1);
  });

  it('refuses a notification with a wrong clientState (403), logs its subscription id and enqueues nothing', async () => {
    const res = await post('/graph/notifications', notificationFor(subscriptionId, 'not-the-secret'));
    expect(res.status).toBe(403);
    expect((await res.json()).error.message).toBe('Notification refusée : clientState invalide.');
    const missing = await post('/graph/notifications', notificationFor(subscriptionId, undefined));
    expect(missing.status).toBe(403);
    expect(await jobs()).toEqual([]);
    expect(t.logs.some((l) => l.msg === 'graph webhook: wrong clientState, notification refused' && l.subscriptionId === subscriptionId)).toBe(true);
  });

  it('ignores a notification for an unknown subscription (202, logged) and enqueues nothing', async () => {
    const res = await post('/graph/notifications', notificationFor('00000000-forged', clientState));
    expect(res.status).toBe(202);
    expect(await jobs()).toEqual([]);
    expect(t.logs.some((l) => l.msg === 'graph webhook: notification for an unknown subscription ignored' && l.subscriptionId === '00000000-forged')).toBe(true);
  });

  it('answers 400 with a French message to bad JSON or a wrong shape, and enqueues nothing', async () => {
    const bad = await post('/graph/notifications', '{"value": [');
    expect([bad.status, (await bad.json()).error.message]).toEqual([400, 'Notification Microsoft Graph : JSON invalide.']);
    const shape = await post('/graph/notifications', JSON.stringify({ value: [{ changeType: 'updated' }] }));
    expect(shape.status).toBe(400);
    expect((await shape.json()).error.message).toMatch(/^Notification Microsoft Graph mal formée : value\.0\.subscriptionId/);
    const empty = await post('/graph/lifecycle', JSON.stringify({ value: [] }));
    expect(empty.status).toBe(400);
    expect(await jobs()).toEqual([]);
  });

  it('enqueues a full round on a `missed` lifecycle event', async () => {
    await t.emulator.control.sendLifecycle(subscriptionId, 'missed');
    await until('a job', async () => (await jobs()).length > 0);
    expect(await jobs()).toEqual([{ kind: SYNC_JOBS.inbound.kind, singleton_key: SYNC_JOBS.inbound.key(agentId), payload: { agentId, full: true } }]);
  });

  it('asks the connection part to reauthorise on `reauthorizationRequired`', async () => {
    await t.emulator.control.sendLifecycle(subscriptionId, 'reauthorizationRequired');
    await until('a job', async () => (await jobs()).length > 0);
    expect(await jobs()).toEqual([{ kind: SYNC_JOBS.connection.kind, singleton_key: SYNC_JOBS.connection.key(agentId), payload: { agentId, action: 'reauthorize' } }]);
  });

  it('asks the connection part to resubscribe, and enqueues a full round, on `subscriptionRemoved`', async () => {
    await t.emulator.control.sendLifecycle(subscriptionId, 'subscriptionRemoved');
    await until('two jobs', async () => (await jobs()).length >= 2);
    expect(await jobs()).toEqual([
      { kind: SYNC_JOBS.connection.kind, singleton_key: SYNC_JOBS.connection.key(agentId), payload: { agentId, action: 'resubscribe' } },
      { kind: SYNC_JOBS.inbound.kind, singleton_key: SYNC_JOBS.inbound.key(agentId), payload: { agentId, full: true } },
    ]);
    await subscribe();
  });

  it('catches up once a receiver that was down is back: Graph\'s retries (an hour, compressed) bring the notification, and the round reads the change', async () => {
    const settings = t.emulator.control.settings();
    t.emulator.control.settings({ notificationRetryDelaysMs: [100, 200, 400, 800, 1600] });
    const port = (server.address() as AddressInfo).port;
    try {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      const before = t.emulator.control.notificationLog().length;
      await t.emulator.control.userEvent(t.userA.id).create(meeting('2026-03-24T08:00:00Z', '2026-03-24T09:00:00Z'));
      await until('a failed delivery', () => t.emulator.control.notificationLog().slice(before).some((d) => d.kind === 'notification' && d.error !== undefined));
      expect(await jobs()).toEqual([]);
      await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
      await until('the retried notification', async () => (await jobs()).length > 0);
      await t.round(agentId);
      expect((await busyBlocks(t.db, agentId)).map((b) => b.start)).toContain('2026-03-24T08:00:00.000Z');
    } finally {
      t.emulator.control.settings({ notificationRetryDelaysMs: settings.notificationRetryDelaysMs });
      if (!server.listening) await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    }
  });

  it('turns a meeting added in Outlook into a busy block through notification, queue and round, and heals a dropped notification with the next round', async () => {
    const runner = createJobRunner({ pool: t.db.pool, logger: t.deps.logger, handlers: { [SYNC_JOBS.inbound.kind]: inboundHandler(t.deps) }, pollMs: 50 });
    runner.start();
    try {
      await t.round(agentId);
      const known = (await busyBlocks(t.db, agentId)).length;
      // Graph loses the first notification: nothing is enqueued, the block does not appear yet.
      t.emulator.control.injectFault(t.userA.id, { kind: 'dropNotifications', count: 1 });
      await t.emulator.control.userEvent(t.userA.id).create(meeting('2026-03-20T08:00:00Z', '2026-03-20T09:00:00Z'));
      await t.emulator.control.flushNotifications();
      await runner.idle();
      expect(await busyBlocks(t.db, agentId)).toHaveLength(known);
      // The next change's notification makes a round, which reads both changes.
      await t.emulator.control.userEvent(t.userA.id).create(meeting('2026-03-20T10:00:00Z', '2026-03-20T11:00:00Z'));
      await until('both blocks', async () => (await busyBlocks(t.db, agentId)).length === known + 2);
      const starts = (await busyBlocks(t.db, agentId)).map((b) => b.start);
      expect(starts).toEqual(expect.arrayContaining(['2026-03-20T08:00:00.000Z', '2026-03-20T10:00:00.000Z']));
      await runner.idle();
      expect(await jobs()).toEqual([]);
    } finally {
      await runner.stop();
    }
  });
});
