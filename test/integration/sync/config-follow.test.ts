/**
 * The configuration decides which mailboxes are synced: clearing an agent's Outlook address, removing the agent from
 * their organisation or switching `outlook_sync` off (organisation or service) disconnects the mailbox; a new address
 * moves the sync to the new mailbox; switching back on connects again. Each change enqueues its connection job in the
 * change's own transaction. Every sync handler runs here, against the emulator through the real SDKs.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pino from 'pino';
import { getMailbox } from '../../../sync-service/src/data/sync';
import { createJobRunner } from '../../../sync-service/src/queue/runner';
import { syncHandlers } from '../../../sync-service/src/sync/index';
import { queueOutbound, registerOutboxListener } from '../../../sync-service/src/sync/outbox';
import { SYNC_JOBS } from '../../../sync-service/src/sync/types';
import { enableOutlookSync, eventually, insertRdv, startSyncWorld, type SyncWorld } from '../../helpers/sync-ops-world';

let sw: SyncWorld;
let unregister: () => void;
beforeAll(async () => {
  sw = await startSyncWorld();
  unregister = registerOutboxListener();
  await enableOutlookSync(sw, sw.w.orgA);
}, 60_000);
afterAll(async () => { unregister?.(); await sw?.stop(); });

/** Runs every sync job (as the service does) until `check` holds. A disconnection polls its outbox every 5 s. */
async function runSyncUntil<T>(check: () => Promise<T | false | null | undefined>, what: string): Promise<T> {
  const runner = createJobRunner({ pool: sw.deps.pool, logger: pino({ level: 'silent' }), pollMs: 20, handlers: syncHandlers(sw.deps) });
  runner.start();
  try {
    return await eventually(check, what, 1_500);
  } finally {
    await runner.stop();
  }
}

const eventsIn = (userId: string) => sw.emulator.control.userEvent(userId).list();
const subscriptionsOf = (userId: string) => sw.emulator.control.subscriptions(userId);
const admin = () => sw.svc.as(sw.w.adminA.email);

async function connectedWithEvent(agentId: number, userId: string, startsAt: string): Promise<number> {
  const rdvId = await insertRdv(sw, { agentId, startsAt });
  expect((await admin().post(`/api/sync/mailboxes/${agentId}/connect`)).status).toBe(202);
  await runSyncUntil(async () => (await getMailbox(sw.deps.pool, agentId))?.state === 'connected' && eventsIn(userId).length === 1, 'connected, its event written');
  return rdvId;
}

async function connectionJobs(agentId: number) {
  const { rows } = await sw.deps.pool.query(`select payload from jobs where singleton_key = $1`, [SYNC_JOBS.connection.key(agentId)]);
  return rows.map((r) => r.payload);
}

async function syncAudit(agentId: number) {
  const { rows } = await sw.deps.pool.query(
    `select action, actor_agent_id, changes from audit_log where entity_type = 'agent' and entity_id = $1 and action like 'sync_%' order by id`, [agentId]);
  return rows;
}

describe("clearing an agent's Outlook address", () => {
  it('should disconnect the mailbox in the same transaction, remove our events and the subscription, and write nothing new there', async () => {
    const { agentA } = sw.w;
    const user = sw.userOf.agentA;
    await connectedWithEvent(agentA.id, user.id, '2026-03-04T09:00:00Z');
    expect(subscriptionsOf(user.id)).toHaveLength(1);

    const res = await admin().patch(`/api/config/agents/${agentA.id}`, { organisationId: sw.w.orgA, outlookMailbox: null });
    expect(res.status).toBe(200);
    // Committed with the change, before any worker ran: the job, and a mailbox that takes no new event.
    expect(await connectionJobs(agentA.id)).toEqual([expect.objectContaining({ agentId: agentA.id, action: 'disconnect' })]);
    expect((await getMailbox(sw.deps.pool, agentA.id))?.state).toBe('disconnecting');
    // An RDV change arriving now (as the outbox listener marks it) must not reach the calendar.
    const later = await insertRdv(sw, { agentId: agentA.id, startsAt: '2026-03-05T09:00:00Z' });
    await queueOutbound(sw.deps.pool, [{ rdvId: later, agentId: agentA.id }]);

    await runSyncUntil(async () => (await getMailbox(sw.deps.pool, agentA.id)) === null, 'the mailbox row is gone');
    expect(eventsIn(user.id)).toEqual([]);
    expect(subscriptionsOf(user.id)).toEqual([]);
    expect(sw.emulator.control.requestLog({ userId: user.id, kind: 'events.create' })).toHaveLength(1); // the first RDV's only
    expect(await syncAudit(agentA.id)).toEqual([
      expect.objectContaining({ action: 'sync_connect' }),
      { action: 'sync_disconnect', actor_agent_id: sw.w.adminA.id, changes: { mailbox: user.upn, cause: 'outlookMailbox' } },
    ]);
  }, 60_000);

  it('should connect the mailbox when an admin sets an address again', async () => {
    const { agentA } = sw.w;
    const res = await admin().patch(`/api/config/agents/${agentA.id}`, { organisationId: sw.w.orgA, outlookMailbox: sw.userOf.agentA.upn });
    expect(res.status).toBe(200);
    expect(await connectionJobs(agentA.id)).toEqual([expect.objectContaining({ action: 'connect' })]);
    await runSyncUntil(async () => (await getMailbox(sw.deps.pool, agentA.id))?.state === 'connected' && eventsIn(sw.userOf.agentA.id).length === 2, 'connected again, both RDVs written');
    expect(subscriptionsOf(sw.userOf.agentA.id)).toHaveLength(1);
    expect((await syncAudit(agentA.id)).at(-1)).toEqual({ action: 'sync_connect', actor_agent_id: sw.w.adminA.id, changes: { mailbox: sw.userOf.agentA.upn, cause: 'outlookMailbox' } });
  }, 60_000);
});

describe("changing an agent's Outlook address", () => {
  it('should empty and unsubscribe the old mailbox, then connect the new one with the same RDVs', async () => {
    const { agentA2 } = sw.w;
    const old = sw.userOf.agentA2;
    const rdvId = await connectedWithEvent(agentA2.id, old.id, '2026-03-06T09:00:00Z');
    const fresh = sw.emulator.control.createUser({ tenantId: sw.config.tenantId, userPrincipalName: 'nouvelle.adresse@testville.example', displayName: 'agentA2 bis' });

    const res = await admin().patch(`/api/config/agents/${agentA2.id}`, { organisationId: sw.w.orgA, outlookMailbox: 'Nouvelle.Adresse@testville.example' });
    expect(res.status).toBe(200);
    expect(await connectionJobs(agentA2.id)).toEqual([expect.objectContaining({ action: 'disconnect' })]);

    const row = await runSyncUntil(async () => {
      const m = await getMailbox(sw.deps.pool, agentA2.id);
      return m?.mailbox === 'nouvelle.adresse@testville.example' && m.state === 'connected' && eventsIn(fresh.id).length === 1 && m;
    }, 'the new mailbox connected, its event written');
    expect(eventsIn(old.id)).toEqual([]);
    expect(subscriptionsOf(old.id)).toEqual([]);
    expect(subscriptionsOf(fresh.id)).toEqual([expect.objectContaining({ id: row.subscriptionId })]);
    const { rows } = await sw.deps.pool.query('select event_id from outlook_events where rdv_id = $1 and agent_id = $2', [rdvId, agentA2.id]);
    expect(rows[0].event_id).toBe(sw.emulator.control.userEvent(fresh.id).list({ immutableId: true })[0].id);
    expect((await syncAudit(agentA2.id)).slice(-1)).toEqual([
      { action: 'sync_connect', actor_agent_id: sw.w.adminA.id, changes: { mailbox: 'nouvelle.adresse@testville.example', previousMailbox: old.upn, cause: 'outlookMailbox' } },
    ]);
  }, 90_000);
});

describe('the outlook_sync switch', () => {
  it("should disconnect the organisation's mailboxes when it goes off, and connect them again when it comes back on", async () => {
    const { agentA, territoryId, orgA } = sw.w;
    expect((await getMailbox(sw.deps.pool, agentA.id))?.state).toBe('connected');
    const off = await admin().put('/api/config/feature-switches', { territoryId, organisationId: orgA, feature: 'outlook_sync', enabled: false });
    expect(off.status).toBe(200);
    expect(await connectionJobs(agentA.id)).toEqual([expect.objectContaining({ action: 'disconnect' })]);
    await runSyncUntil(async () => (await getMailbox(sw.deps.pool, agentA.id)) === null && (await getMailbox(sw.deps.pool, sw.w.agentA2.id)) === null, 'both mailboxes gone');
    expect(eventsIn(sw.userOf.agentA.id)).toEqual([]);
    expect(subscriptionsOf(sw.userOf.agentA.id)).toEqual([]);
    expect((await syncAudit(agentA.id)).at(-1)).toEqual({ action: 'sync_disconnect', actor_agent_id: sw.w.adminA.id, changes: { mailbox: sw.userOf.agentA.upn, cause: 'feature_switch' } });

    const on = await admin().put('/api/config/feature-switches', { territoryId, organisationId: orgA, feature: 'outlook_sync', enabled: true });
    expect(on.status).toBe(200);
    await runSyncUntil(async () => (await getMailbox(sw.deps.pool, agentA.id))?.state === 'connected' && eventsIn(sw.userOf.agentA.id).length === 2, 'connected again');
    // Another organisation's agents stay as they were.
    expect(await getMailbox(sw.deps.pool, sw.w.adminB.id)).toBeNull();
  }, 90_000);

  it("should disconnect a service's agents when the switch of that service goes off in their organisation", async () => {
    const { agentA, territoryId, orgA, serviceId } = sw.w;
    const res = await admin().put('/api/config/feature-switches', { territoryId, organisationId: orgA, serviceId, feature: 'outlook_sync', enabled: false });
    expect(res.status).toBe(200);
    await runSyncUntil(async () => (await getMailbox(sw.deps.pool, agentA.id)) === null, 'the mailbox row is gone');
    expect(eventsIn(sw.userOf.agentA.id)).toEqual([]);
    const removed = await admin().delete(`/api/config/feature-switches/${res.body.id}`);
    expect(removed.status).toBe(204);
    await runSyncUntil(async () => (await getMailbox(sw.deps.pool, agentA.id))?.state === 'connected', 'connected again once the service switch is gone');
  }, 90_000);
});

describe('removing an agent from their organisation', () => {
  it('should disconnect their mailbox when no other organisation of theirs syncs', async () => {
    const { agentA, orgA } = sw.w;
    await runSyncUntil(async () => eventsIn(sw.userOf.agentA.id).length === 2, 'the events written back');
    const res = await admin().delete(`/api/config/agents/${agentA.id}?organisationId=${orgA}`);
    expect(res.status).toBe(204);
    expect(await connectionJobs(agentA.id)).toEqual([expect.objectContaining({ action: 'disconnect' })]);
    await runSyncUntil(async () => (await getMailbox(sw.deps.pool, agentA.id)) === null, 'the mailbox row is gone');
    expect(eventsIn(sw.userOf.agentA.id)).toEqual([]);
    expect(subscriptionsOf(sw.userOf.agentA.id)).toEqual([]);
    expect((await syncAudit(agentA.id)).at(-1)).toEqual({ action: 'sync_disconnect', actor_agent_id: sw.w.adminA.id, changes: { mailbox: sw.userOf.agentA.upn, cause: 'removed_from_organisation' } });
  }, 60_000);
});
