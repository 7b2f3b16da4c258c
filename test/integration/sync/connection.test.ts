/**
 * Connecting and disconnecting mailboxes through the API, renewing subscriptions and reconciling, against the
 * Microsoft 365 emulator through the real msal-node and Graph SDKs, on a real PostgreSQL.
 * Only the connection, renew and reconcile jobs run here: the outbound and inbound jobs they enqueue stay in the
 * queue, where the tests read them (those parts are tested on their own).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pino from 'pino';
import { getMailbox, saveEventLink, upsertBusyBlocks } from '../../../sync-service/src/data/sync';
import { enqueueJob } from '../../../sync-service/src/queue/jobs';
import { createJobRunner } from '../../../sync-service/src/queue/runner';
import { connectionHandler, reconcileHandler, renewHandler } from '../../../sync-service/src/sync/connection';
import { enqueueReconcileTick, enqueueRenewTick } from '../../../sync-service/src/sync/index';
import { SYNC_JOBS } from '../../../sync-service/src/sync/types';
import { enableOutlookSync, eventually, insertRdv, startSyncWorld, type SyncWorld } from '../../helpers/sync-ops-world';

let sw: SyncWorld;
let upcoming: number;
let tooOld: number;
let cancelled: number;
let inPlace: number;
beforeAll(async () => {
  sw = await startSyncWorld();
  await enableOutlookSync(sw, sw.w.orgA);
}, 60_000);
afterAll(async () => { await sw?.stop(); });

/** Runs the operations jobs (connection, renew, reconcile) until none is due. */
async function runOperationsJobs() {
  const runner = createJobRunner({
    pool: sw.deps.pool, logger: pino({ level: 'silent' }), pollMs: 20,
    handlers: {
      [SYNC_JOBS.connection.kind]: connectionHandler(sw.deps),
      [SYNC_JOBS.renew.kind]: renewHandler(sw.deps),
      [SYNC_JOBS.reconcile.kind]: reconcileHandler(sw.deps),
    },
  });
  runner.start();
  await runner.idle();
  await runner.stop();
}

async function jobs(kind: string, agentId?: number) {
  const { rows } = await sw.deps.pool.query(
    `select kind, singleton_key, payload, run_at from jobs where kind = $1 and ($2::bigint is null or (payload->>'agentId')::bigint = $2) order by id`, [kind, agentId ?? null]);
  return rows as Array<{ kind: string; singleton_key: string; payload: Record<string, unknown>; run_at: Date }>;
}

async function outboxOf(agentId: number): Promise<number[]> {
  const { rows } = await sw.deps.pool.query('select rdv_id from sync_outbox where agent_id = $1 order by rdv_id', [agentId]);
  return rows.map((r) => Number(r.rdv_id));
}

async function dropQueued(kind: string) {
  await sw.deps.pool.query('delete from jobs where kind = $1', [kind]);
}

describe('connecting a mailbox through the API', () => {
  it('should refuse an agent who is not an admin of the organisation, with the same answer as for an unknown agent', async () => {
    const byAgent = await sw.svc.as(sw.w.agentA2.email).post(`/api/sync/mailboxes/${sw.w.agentA.id}/connect`);
    const byOtherAdmin = await sw.svc.as(sw.w.adminB.email).post(`/api/sync/mailboxes/${sw.w.agentA.id}/connect`);
    const unknown = await sw.svc.as(sw.w.adminA.email).post('/api/sync/mailboxes/999999/connect');
    expect(byAgent.status).toBe(403);
    expect(byOtherAdmin.status).toBe(403);
    expect(unknown.status).toBe(403);
    expect(byOtherAdmin.body.error.message).toBe(unknown.body.error.message);
    expect(await getMailbox(sw.deps.pool, sw.w.agentA.id)).toBeNull();
  });

  it('should refuse in French when the organisation has not switched the Outlook sync on', async () => {
    const res = await sw.svc.as(sw.w.adminB.email).post(`/api/sync/mailboxes/${sw.w.adminB.id}/connect`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('feature_disabled');
    expect(res.body.error.message).toMatch(/synchronisation Outlook n'est pas activée/);
    expect(await getMailbox(sw.deps.pool, sw.w.adminB.id)).toBeNull();
  });

  it('should refuse an agent without an Outlook address, naming the field', async () => {
    await sw.deps.pool.query('update agents set outlook_mailbox = null where id = $1', [sw.w.agentA2.id]);
    try {
      const res = await sw.svc.as(sw.w.adminA.email).post(`/api/sync/mailboxes/${sw.w.agentA2.id}/connect`);
      expect(res.status).toBe(422);
      expect(res.body.error.field).toBe('outlookMailbox');
      expect(res.body.error.message).toMatch(/pas d'adresse Outlook/);
    } finally {
      await sw.deps.pool.query('update agents set outlook_mailbox = $2 where id = $1', [sw.w.agentA2.id, sw.userOf.agentA2.upn]);
    }
  });

  it('should refuse an agent who opted out of the sync', async () => {
    await sw.deps.pool.query('update agents set outlook_sync_opt_out = true where id = $1', [sw.w.agentA2.id]);
    try {
      const res = await sw.svc.as(sw.w.adminA.email).post(`/api/sync/mailboxes/${sw.w.agentA2.id}/connect`);
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('sync_opted_out');
      expect(res.body.error.message).toMatch(/choisi de ne pas synchroniser/);
    } finally {
      await sw.deps.pool.query('update agents set outlook_sync_opt_out = false where id = $1', [sw.w.agentA2.id]);
    }
  });

  it('should subscribe with the handshake, push the upcoming RDVs, enqueue a full import and say connected', async () => {
    upcoming = await insertRdv(sw, { agentId: sw.w.agentA.id, startsAt: '2026-03-04T09:00:00Z' });
    const recent = await insertRdv(sw, { agentId: sw.w.agentA.id, startsAt: '2026-02-20T09:00:00Z' });
    tooOld = await insertRdv(sw, { agentId: sw.w.agentA.id, startsAt: '2026-01-05T09:00:00Z' });
    cancelled = await insertRdv(sw, { agentId: sw.w.agentA.id, startsAt: '2026-03-05T09:00:00Z', status: 'revoked' });
    const before = Date.now();

    const res = await sw.svc.as(sw.w.adminA.email).post(`/api/sync/mailboxes/${sw.w.agentA.id}/connect`);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ agentId: sw.w.agentA.id, state: 'connecting', connected: false });
    await runOperationsJobs();

    const row = (await getMailbox(sw.deps.pool, sw.w.agentA.id))!;
    expect(row.state).toBe('connected');
    expect(row.clientState).toMatch(/^[0-9a-f]{64}$/);
    const subs = sw.emulator.control.subscriptions(sw.userOf.agentA.id) as Array<Record<string, any>>;
    expect(subs).toHaveLength(1);
    expect(subs[0]).toMatchObject({ id: row.subscriptionId, clientState: row.clientState, notificationUrl: sw.receiver.url, changeType: 'created,updated,deleted' });
    expect(subs[0].lifecycleNotificationUrl).toBe(sw.receiver.url.replace(/\/notifications$/, '/lifecycle'));
    // Graph's handshake reached the webhook on both URLs before the subscription existed.
    expect(sw.receiver.received.filter((r) => r.query.get('validationToken')).map((r) => r.path).sort()).toEqual(['/lifecycle', '/notifications']);
    // Expiry: SYNC_SUBSCRIPTION_MINUTES ahead on Graph's clock.
    expect(row.subscriptionExpiresAt!.getTime()).toBeGreaterThanOrEqual(before + (4230 - 2) * 60_000);

    expect(await outboxOf(sw.w.agentA.id)).toEqual([upcoming, recent].sort((a, b) => a - b));
    expect(await outboxOf(sw.w.agentA.id)).not.toContain(tooOld);
    expect(await outboxOf(sw.w.agentA.id)).not.toContain(cancelled);
    expect(await jobs(SYNC_JOBS.outbound.kind, sw.w.agentA.id)).toHaveLength(1);
    const inbound = await jobs(SYNC_JOBS.inbound.kind, sw.w.agentA.id);
    expect(inbound).toHaveLength(1);
    expect(inbound[0]).toMatchObject({ singleton_key: SYNC_JOBS.inbound.key(sw.w.agentA.id), payload: { agentId: sw.w.agentA.id, full: true } });

    const { rows: audit } = await sw.deps.pool.query(`select action, actor_agent_id, changes from audit_log where entity_type = 'agent' and entity_id = $1`, [sw.w.agentA.id]);
    expect(audit).toEqual([{ action: 'sync_connect', actor_agent_id: sw.w.adminA.id, changes: { mailbox: sw.userOf.agentA.upn } }]);
  }, 30_000);

  it('should record in French a mailbox Microsoft 365 does not know, and stay unconnected', async () => {
    await sw.deps.pool.query('update agents set outlook_mailbox = $2 where id = $1', [sw.w.adminA.id, 'personne@testville.example']);
    try {
      expect((await sw.svc.as(sw.w.adminA.email).post(`/api/sync/mailboxes/${sw.w.adminA.id}/connect`)).status).toBe(202);
      await runOperationsJobs();
      const row = (await getMailbox(sw.deps.pool, sw.w.adminA.id))!;
      expect(row.state).toBe('connecting');
      expect(row.lastError).toMatch(/Boîte aux lettres personne@testville\.example introuvable/);
      expect(sw.emulator.control.subscriptions(sw.userOf.adminA.id)).toHaveLength(0);
      const status = await sw.svc.as(sw.w.adminA.email).get(`/api/sync/mailboxes/${sw.w.adminA.id}`);
      expect(status.body).toMatchObject({ connected: false, state: 'connecting', lastError: row.lastError });
    } finally {
      await sw.deps.pool.query('update agents set outlook_mailbox = $2 where id = $1', [sw.w.adminA.id, sw.userOf.adminA.upn]);
      await sw.deps.pool.query('delete from sync_mailboxes where agent_id = $1', [sw.w.adminA.id]);
    }
  }, 30_000);
});

describe('the sync state of a mailbox', () => {
  it('should be readable by the agent themself and by an admin of their organisation', async () => {
    const own = await sw.svc.as(sw.w.agentA.email).get(`/api/sync/mailboxes/${sw.w.agentA.id}`);
    const byAdmin = await sw.svc.as(sw.w.adminA.email).get(`/api/sync/mailboxes/${sw.w.agentA.id}`);
    expect(own.status).toBe(200);
    expect(byAdmin.body).toEqual(own.body);
    expect(own.body).toMatchObject({
      agentId: sw.w.agentA.id, outlookMailbox: sw.userOf.agentA.upn, connected: true, state: 'connected', lastError: null,
      pendingOutboundChanges: 2, import: { done: 0, total: null },
    });
    expect(new Date(own.body.subscriptionExpiresAt).getTime()).toBeGreaterThan(Date.now());
  });

  it('should be hidden from an agent of another organisation and from a colleague, as if missing', async () => {
    const otherOrg = await sw.svc.as(sw.w.adminB.email).get(`/api/sync/mailboxes/${sw.w.agentA.id}`);
    const colleague = await sw.svc.as(sw.w.agentA2.email).get(`/api/sync/mailboxes/${sw.w.agentA.id}`);
    const missing = await sw.svc.as(sw.w.adminB.email).get('/api/sync/mailboxes/999999');
    expect([otherOrg.status, colleague.status, missing.status]).toEqual([403, 403, 403]);
    expect(otherOrg.body).toEqual(missing.body);
  });

  it("should list an admin's organisations' agents with their state, and refuse the list to a non-admin", async () => {
    const list = await sw.svc.as(sw.w.adminA.email).get('/api/sync/mailboxes');
    expect(list.status).toBe(200);
    const byId = new Map((list.body as Array<{ agentId: number; state: string }>).map((m) => [m.agentId, m.state]));
    expect(byId.get(sw.w.agentA.id)).toBe('connected');
    expect(byId.get(sw.w.agentA2.id)).toBe('disconnected');
    expect(byId.has(sw.w.adminB.id)).toBe(false);
    expect((await sw.svc.as(sw.w.agentA.email).get('/api/sync/mailboxes')).status).toBe(403);
  });
});

describe('renewing subscriptions', () => {
  it('should renew a subscription close to expiry, on the renew tick', async () => {
    const row = (await getMailbox(sw.deps.pool, sw.w.agentA.id))!;
    const soon = new Date(Date.now() + 60 * 60_000);
    await sw.deps.pool.query('update sync_mailboxes set subscription_expires_at = $2 where agent_id = $1', [sw.w.agentA.id, soon]);
    await enqueueRenewTick(sw.deps.pool);
    await runOperationsJobs();
    const after = (await getMailbox(sw.deps.pool, sw.w.agentA.id))!;
    expect(after.subscriptionId).toBe(row.subscriptionId);
    expect(after.subscriptionExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 4000 * 60_000);
    const sub = (sw.emulator.control.subscriptions(sw.userOf.agentA.id) as Array<Record<string, any>>)[0];
    expect(new Date(sub.expirationDateTime).getTime()).toBe(after.subscriptionExpiresAt!.getTime());
    expect(sw.emulator.control.requestLog({ kind: 'subscriptions.update' }).filter((r) => r.status === 200)).toHaveLength(1);
  }, 30_000);

  it('should recreate a subscription Graph removed, and ask for a full round (changes may have been missed)', async () => {
    const row = (await getMailbox(sw.deps.pool, sw.w.agentA.id))!;
    await dropQueued(SYNC_JOBS.inbound.kind);
    sw.emulator.control.removeSubscription(row.subscriptionId!);
    await sw.deps.pool.query('update sync_mailboxes set subscription_expires_at = $2 where agent_id = $1', [sw.w.agentA.id, new Date(Date.now() + 60_000)]);
    await enqueueRenewTick(sw.deps.pool);
    await runOperationsJobs();
    const after = (await getMailbox(sw.deps.pool, sw.w.agentA.id))!;
    expect(after.subscriptionId).not.toBe(row.subscriptionId);
    const subs = sw.emulator.control.subscriptions(sw.userOf.agentA.id) as Array<Record<string, any>>;
    expect(subs.map((s) => s.id)).toEqual([after.subscriptionId]);
    expect(subs[0].clientState).toBe(row.clientState);
    expect((await jobs(SYNC_JOBS.inbound.kind, sw.w.agentA.id))[0]?.payload).toMatchObject({ full: true });
  }, 30_000);
});

describe('reconciling a mailbox', () => {
  it('should send an RDV whose event is missing from the calendar to the outbox, and count the repair', async () => {
    // State as the outbound part would leave it: the upcoming RDV written, then its event deleted without us knowing.
    const event = await sw.emulator.control.userEvent(sw.userOf.agentA.id).create({
      subject: 'Consultation PMI', start: { dateTime: '2026-03-04T09:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-03-04T09:30:00', timeZone: 'UTC' },
    });
    await saveEventLink(sw.deps.pool, upcoming, sw.w.agentA.id, { eventId: String(event.id), changeKey: String(event.changeKey) });
    inPlace = await insertRdv(sw, { agentId: sw.w.agentA.id, startsAt: '2026-03-06T10:00:00Z' });
    const kept = await sw.emulator.control.userEvent(sw.userOf.agentA.id).create({
      subject: 'Consultation PMI', start: { dateTime: '2026-03-06T10:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-03-06T10:30:00', timeZone: 'UTC' },
    });
    await saveEventLink(sw.deps.pool, inPlace, sw.w.agentA.id, { eventId: String(kept.id), changeKey: String(kept.changeKey) });
    await sw.deps.pool.query('delete from sync_outbox where agent_id = $1', [sw.w.agentA.id]);
    await dropQueued(SYNC_JOBS.inbound.kind);
    await sw.emulator.control.userEvent(sw.userOf.agentA.id).delete(String(event.id));

    expect(await enqueueReconcileTick(sw.deps.pool)).toBe(1);
    await runOperationsJobs();

    // The RDV of 20 February has no link at all: missing too. The one whose event is in place is left alone.
    const outbox = await outboxOf(sw.w.agentA.id);
    expect(outbox).toContain(upcoming);
    expect(outbox).not.toContain(inPlace);
    expect(outbox).toHaveLength(2);
    const repaired = await sw.metrics.registry.getSingleMetric('rdv_sync_reconcile_repaired_total')!.get();
    expect(repaired.values.find((v) => v.labels.what === 'missing_event')?.value).toBe(2);
    expect((await jobs(SYNC_JOBS.inbound.kind, sw.w.agentA.id))[0]?.payload).toMatchObject({ full: true });
    expect(await jobs(SYNC_JOBS.outbound.kind, sw.w.agentA.id)).toHaveLength(1);
  }, 30_000);
});

describe('lifecycle events (enqueued by the webhook as connection jobs)', () => {
  it('should reauthorize the subscription on reauthorizationRequired', async () => {
    const row = (await getMailbox(sw.deps.pool, sw.w.agentA.id))!;
    sw.emulator.control.clearRequestLog();
    await enqueueJob(sw.deps.pool, SYNC_JOBS.connection.kind, { agentId: sw.w.agentA.id, action: 'reauthorize' }, { singletonKey: SYNC_JOBS.connection.key(sw.w.agentA.id) });
    await runOperationsJobs();
    expect(sw.emulator.control.requestLog({ kind: 'subscriptions.reauthorize' }).map((r) => r.status)).toEqual([204]);
    expect((await getMailbox(sw.deps.pool, sw.w.agentA.id))!.subscriptionId).toBe(row.subscriptionId);
  }, 30_000);

  it('should recreate the subscription after subscriptionRemoved, and ask for a full round', async () => {
    const row = (await getMailbox(sw.deps.pool, sw.w.agentA.id))!;
    await dropQueued(SYNC_JOBS.inbound.kind);
    await sw.emulator.control.sendLifecycle(row.subscriptionId!, 'subscriptionRemoved');
    expect(sw.emulator.control.subscriptions(sw.userOf.agentA.id)).toHaveLength(0);
    await enqueueJob(sw.deps.pool, SYNC_JOBS.connection.kind, { agentId: sw.w.agentA.id, action: 'resubscribe' }, { singletonKey: SYNC_JOBS.connection.key(sw.w.agentA.id) });
    await runOperationsJobs();
    const after = (await getMailbox(sw.deps.pool, sw.w.agentA.id))!;
    expect(after.subscriptionId).not.toBe(row.subscriptionId);
    expect((sw.emulator.control.subscriptions(sw.userOf.agentA.id) as Array<{ id: string }>).map((x) => x.id)).toEqual([after.subscriptionId]);
    expect((await jobs(SYNC_JOBS.inbound.kind, sw.w.agentA.id))[0]?.payload).toMatchObject({ full: true });
  }, 30_000);
});

describe('disconnecting a mailbox', () => {
  it('should delete the subscription, ask for our events to be deleted, drop busy blocks, and go once the outbox is empty', async () => {
    await upsertBusyBlocks(sw.deps.pool, sw.w.agentA.id, [{ sourceId: 'meeting-1', startsAt: new Date('2026-03-03T10:00:00Z'), endsAt: new Date('2026-03-03T11:00:00Z'), showAs: 'busy', isAllDay: false }]);
    await sw.deps.pool.query('delete from sync_outbox where agent_id = $1', [sw.w.agentA.id]);
    const res = await sw.svc.as(sw.w.adminA.email).post(`/api/sync/mailboxes/${sw.w.agentA.id}/disconnect`);
    expect(res.status).toBe(202);
    await runOperationsJobs();

    expect(sw.emulator.control.subscriptions(sw.userOf.agentA.id)).toHaveLength(0);
    const row = (await getMailbox(sw.deps.pool, sw.w.agentA.id))!;
    expect(row.state).toBe('disconnecting');
    expect(row.subscriptionId).toBeNull();
    // Every RDV with an event in the calendar goes to the outbox, where the outbound part deletes the event.
    expect(await outboxOf(sw.w.agentA.id)).toEqual([upcoming, inPlace].sort((a, b) => a - b));
    const { rows: blocks } = await sw.deps.pool.query('select 1 from busy_blocks where agent_id = $1', [sw.w.agentA.id]);
    expect(blocks).toHaveLength(0);
    // The job waits for the outbox (retry planned), and the row stays meanwhile.
    const waiting = await jobs(SYNC_JOBS.connection.kind, sw.w.agentA.id);
    expect(waiting).toHaveLength(1);
    expect(waiting[0].payload).toMatchObject({ action: 'disconnect' });

    // The outbound part deleted the events (stand-in here): asking again finds the outbox empty and ends it.
    await sw.deps.pool.query('delete from sync_outbox where agent_id = $1', [sw.w.agentA.id]);
    expect((await sw.svc.as(sw.w.adminA.email).post(`/api/sync/mailboxes/${sw.w.agentA.id}/disconnect`)).status).toBe(202);
    await runOperationsJobs();
    await eventually(async () => (await getMailbox(sw.deps.pool, sw.w.agentA.id)) === null, 'the mailbox row is gone');
    const status = await sw.svc.as(sw.w.agentA.email).get(`/api/sync/mailboxes/${sw.w.agentA.id}`);
    expect(status.body).toMatchObject({ connected: false, state: 'disconnected', subscriptionExpiresAt: null });
  }, 30_000);

  it('should refuse to disconnect a mailbox that is not connected', async () => {
    const res = await sw.svc.as(sw.w.adminA.email).post(`/api/sync/mailboxes/${sw.w.agentA2.id}/disconnect`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('not_connected');
  });
});
