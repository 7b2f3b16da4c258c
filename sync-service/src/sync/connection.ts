/**
 * Connecting and disconnecting mailboxes, keeping their subscriptions alive, and the periodic reconciliation.
 *
 *   connection job (SYNC_JOBS.connection, payload { agentId, action }):
 *     connect      — the mailbox exists; subscription created (Graph runs the validation handshake against our
 *                    webhook); the agent's RDVs from windowPastDays back go to the outbox; a full inbound round
 *                    imports busy time; state 'connected'.
 *     disconnect   — the request itself says 'disconnecting' (nothing more is written to the mailbox from then
 *                    on: the outbound part deletes our events), drops busy blocks; the job deletes the
 *                    subscription, and the row once the agent's outbox is empty (the job waits for it). With
 *                    `reconnect` (the agent's Outlook address changed), the address the configuration wants
 *                    then is connected.
 *     resubscribe  — after `subscriptionRemoved`: a new subscription and a full round (changes may have been missed).
 *     reauthorize  — after `reauthorizationRequired`; an unknown subscription is recreated.
 *   renew job (SYNC_JOBS.renew, one for the service): subscriptions expiring soon are renewed, a vanished one
 *     recreated; rows stuck in 'disconnecting' get their job back.
 *   reconcile job (SYNC_JOBS.reconcile, payload { agentId }): full inbound round + every live RDV in the window
 *     has its event at the right time; what is missing or wrong goes to the outbox, and is counted.
 *
 * Handlers record failures on the mailbox row in French (what an admin reads in the status API) and rethrow
 * only what a retry can cure (throttling, Graph unavailable), so the queue's backoff applies.
 */
import { randomBytes } from 'node:crypto';
import { appendAudit, type Actor } from '../data/audit';
import { withTransaction, type Db } from '../data/db';
import { conflict, invalid } from '../errors';
import {
  agentSyncProfile, agentSyncProfiles, type AgentSyncProfile, deleteAllBusyBlocks, deleteMailbox, eventLinksOfAgent, getMailbox, listMailboxes,
  liveRdvsOfAgentSince, mailboxesToRenew, outboxDepth, reconcileItems, updateMailbox, upsertMailbox, type MailboxRow,
} from '../data/sync';
import { enqueueJob } from '../queue/jobs';
import { RetryLater, type JobHandler } from '../queue/runner';
import { GraphCallError } from './graph';
import { CREATING } from './outbound';
import { queueOutbound } from './outbox';
import { SYNC_JOBS, syncWindow, type SyncDeps } from './types';

export type ConnectionAction = 'connect' | 'disconnect' | 'resubscribe' | 'reauthorize';
export interface ConnectionPayload { agentId: number; action: ConnectionAction; reconnect?: boolean }

/**
 * Subscription expiries are instants on Graph's clock, which is the real one: they never follow the business
 * clock (`deps.now`, which a test or a demo may set elsewhere in time).
 */
const graphNow = () => new Date();

/** How often a disconnection looks again at the agent's outbox while the outbound part deletes the events. */
const DISCONNECT_POLL_MS = 5_000;
/** Enough polls to outlast a long throttling episode (~40 min); after that the renew tick re-enqueues it. */
const DISCONNECT_MAX_ATTEMPTS = 500;

/**
 * The rules for connecting an agent's mailbox (API and CLI alike): an Outlook address, no opt-out, and the
 * `outlook_sync` switch on for one of the agent's organisations. Refusals are French DomainErrors.
 */
export function assertConnectable(agent: AgentSyncProfile): void {
  if (!agent.outlookMailbox) throw connectRefusals.noOutlookMailbox();
  if (agent.optOut) throw connectRefusals.optedOut();
  if (!agent.switchedOn) throw connectRefusals.featureDisabled();
}

/** The refusals of a connection, also the OpenAPI document's examples. */
export const connectRefusals = {
  noOutlookMailbox: () => invalid('outlookMailbox', "Cet agent n'a pas d'adresse Outlook : renseignez-la dans sa fiche avant de connecter son agenda.", 'no_outlook_mailbox'),
  optedOut: () => conflict('sync_opted_out', "Cet agent a choisi de ne pas synchroniser son agenda Outlook : la connexion est refusée tant qu'il n'a pas changé ce choix."),
  featureDisabled: () => conflict('feature_disabled', "La synchronisation Outlook n'est pas activée pour l'organisation de cet agent : activez la fonctionnalité « outlook_sync » d'abord."),
};

/** The mailbox the configuration wants synced for this agent (the same rules), or null. */
const wantedMailbox = (agent: AgentSyncProfile | null): string | null =>
  agent?.outlookMailbox && !agent.optOut && agent.switchedOn ? agent.outlookMailbox : null;

/**
 * Asks for a mailbox to be connected, in the caller's transaction: creates its row (state 'connecting', a fresh
 * clientState) and enqueues the connection job. When the row holds another mailbox (the address changed), that one
 * is disconnected first, and the connection follows the disconnection.
 */
export async function requestConnect(db: Db, agentId: number, mailbox: string): Promise<void> {
  const existing = await getMailbox(db, agentId, { forUpdate: true });
  if (existing && existing.mailbox !== mailbox) return requestDisconnect(db, agentId, { reconnect: true });
  await upsertMailbox(db, agentId, mailbox, newClientState());
  await enqueueJob(db, SYNC_JOBS.connection.kind, { agentId, action: 'connect' }, { singletonKey: SYNC_JOBS.connection.key(agentId) });
}

/**
 * Asks for a mailbox to be disconnected, in the caller's transaction. From the commit on, nothing more is written to
 * it: the row says 'disconnecting', its events go to the outbox for deletion and its busy blocks go. The job deletes
 * the subscription and the row. `reconnect` (kept by the job unless given again): connect what the configuration
 * wants once done.
 */
export async function requestDisconnect(db: Db, agentId: number, opts: { reconnect?: boolean } = {}): Promise<void> {
  const row = await getMailbox(db, agentId, { forUpdate: true });
  if (!row) return;
  if (row.state !== 'disconnecting') await beginDisconnect(db, agentId);
  await enqueueJob(db, SYNC_JOBS.connection.kind, { agentId, action: 'disconnect', ...(opts.reconnect === undefined ? {} : { reconnect: opts.reconnect }) },
    { singletonKey: SYNC_JOBS.connection.key(agentId), maxAttempts: DISCONNECT_MAX_ATTEMPTS });
}

async function beginDisconnect(db: Db, agentId: number): Promise<void> {
  await updateMailbox(db, agentId, { state: 'disconnecting', deltaLink: null, deltaNextLink: null });
  // The outbound part reads 'disconnecting' as "no event wanted" and deletes each linked event (or one being created).
  const links = (await eventLinksOfAgent(db, agentId)).filter((l) => l.eventId || l.contentHash === CREATING);
  await queueOutbound(db, links.map((l) => ({ rdvId: l.rdvId, agentId })));
  await deleteAllBusyBlocks(db, agentId);
}

/** Why the configuration changed an agent's sync (audit). */
export type ConfigCause = 'outlookMailbox' | 'outlookSyncOptOut' | 'agent_created' | 'removed_from_organisation' | 'feature_switch';

/**
 * Follows a configuration change in its own transaction: `before` reads which mailbox each agent's sync wants, the
 * returned function (called after the change) connects, disconnects or moves the mailboxes whose answer changed,
 * with an audit entry each. A crash between the change and its jobs is impossible: they commit together.
 */
export type MailboxFollower = (db: Db, agentIds: number[], cause: ConfigCause, actor: Actor) => Promise<() => Promise<void>>;

export function mailboxFollower(now: () => Date): MailboxFollower {
  return async (db, agentIds, cause, actor) => {
    const before = new Map((await agentSyncProfiles(db, agentIds)).map((p) => [p.agentId, wantedMailbox(p)]));
    return async () => {
      const after = new Map((await agentSyncProfiles(db, agentIds)).map((p) => [p.agentId, wantedMailbox(p)]));
      for (const agentId of agentIds) {
        const wanted = after.get(agentId) ?? null;
        if (wanted === (before.get(agentId) ?? null)) continue;
        const row = await getMailbox(db, agentId, { forUpdate: true });
        if (!wanted) {
          if (!row || row.state === 'disconnecting') continue;
          await requestDisconnect(db, agentId, { reconnect: false });
          await appendAudit(db, actor, 'agent', agentId, 'sync_disconnect', { mailbox: row.mailbox, cause }, now());
        } else if (!row || row.state === 'disconnecting' || row.mailbox !== wanted) {
          await requestConnect(db, agentId, wanted);
          const previous = row && row.mailbox !== wanted ? { previousMailbox: row.mailbox } : {};
          await appendAudit(db, actor, 'agent', agentId, 'sync_connect', { mailbox: wanted, ...previous, cause }, now());
        }
      }
    };
  };
}

/** A full resync: every RDV in the window re-checked outbound, and a full delta round. */
export async function requestResync(deps: { config: Pick<SyncDeps['config'], 'windowPastDays' | 'windowFutureDays'>; now: () => Date }, db: Db, agentId: number): Promise<void> {
  await updateMailbox(db, agentId, { importDone: 0, importTotal: null });
  await queueOutbound(db, await liveRdvsOfAgentSince(db, agentId, syncWindow(deps.config, deps.now()).start));
  await enqueueFullRound(db, agentId);
}

/** 32 random bytes, hex: Graph echoes it in each notification (≤ 128 characters). */
const newClientState = () => randomBytes(32).toString('hex');

/** Graph validates both URLs with the handshake; the lifecycle one sits beside the notification one. */
function lifecycleUrlFor(notificationUrl: string): string {
  const u = new URL(notificationUrl);
  u.pathname = /\/notifications\/?$/.test(u.pathname) ? u.pathname.replace(/\/notifications\/?$/, '/lifecycle') : '/graph/lifecycle';
  u.search = '';
  return u.toString();
}

/** Errors worth a retry by the queue: Graph said "later". */
const transient = (err: unknown) => err instanceof GraphCallError && (err.kind === 'throttled' || err.kind === 'unavailable');

/** The French words an admin reads for a failure. */
function describe(err: unknown, mailbox: string): string {
  if (err instanceof GraphCallError) {
    switch (err.kind) {
      case 'forbidden': return `Accès refusé par Microsoft 365 à la boîte ${mailbox} : vérifiez que l'application de synchronisation a la permission Calendars.ReadWrite et que sa stratégie d'accès inclut cette boîte.`;
      case 'not_found': return `Boîte aux lettres ${mailbox} introuvable dans Microsoft 365 : vérifiez l'adresse Outlook de l'agent.`;
      case 'throttled': return `Microsoft 365 limite temporairement les requêtes pour ${mailbox} : nouvel essai automatique.`;
      case 'unavailable': return `Microsoft 365 est momentanément indisponible : nouvel essai automatique.`;
      case 'bad_request': return `Microsoft 365 a refusé la demande (${err.code}) : ${err.message}`;
      default: return `Erreur Microsoft 365 (${err.status} ${err.code}) : ${err.message}`;
    }
  }
  return `Erreur interne de synchronisation : ${(err as Error)?.message ?? String(err)}`;
}

async function recordError(deps: SyncDeps, agentId: number, mailbox: string, kind: string, err: unknown): Promise<void> {
  const message = describe(err, mailbox);
  deps.metrics.mailboxError(agentId, kind);
  deps.logger.warn({ agentId, kind, err: (err as Error)?.message, graphCode: (err as GraphCallError)?.code }, 'sync: mailbox error');
  await updateMailbox(deps.pool, agentId, { lastError: message, lastErrorAt: deps.now() }).catch((e) =>
    deps.logger.error({ agentId, err: (e as Error).message }, 'sync: could not record a mailbox error'));
}

async function createSubscription(deps: SyncDeps, row: MailboxRow): Promise<{ id: string; expiresAt: Date }> {
  const notificationUrl = deps.config.notificationUrl;
  if (!notificationUrl) throw new Error("aucune adresse HTTPS publique pour les notifications (réglez SYNC_NOTIFICATION_URL ou PUBLIC_URL en https://)");
  return deps.gateway.createSubscription(row.mailbox, {
    notificationUrl, lifecycleNotificationUrl: lifecycleUrlFor(notificationUrl), clientState: row.clientState,
    expiresAt: new Date(graphNow().getTime() + deps.config.subscriptionMinutes * 60_000),
  });
}

async function deleteSubscriptionQuietly(deps: SyncDeps, row: MailboxRow): Promise<void> {
  if (!row.subscriptionId) return;
  try {
    await deps.gateway.deleteSubscription(row.mailbox, row.subscriptionId);
  } catch (err) {
    // Already gone (expired, removed by Graph): nothing to do. Anything else a retry may cure.
    if (!(err instanceof GraphCallError && err.kind === 'not_found')) throw err;
  }
}

const enqueueFullRound = (db: Db, agentId: number) =>
  enqueueJob(db, SYNC_JOBS.inbound.kind, { agentId, full: true }, { singletonKey: SYNC_JOBS.inbound.key(agentId) });

async function connect(deps: SyncDeps, row: MailboxRow): Promise<void> {
  const { agentId } = row;
  const wanted = wantedMailbox(await agentSyncProfile(deps.pool, agentId));
  if (wanted !== row.mailbox) {
    // The configuration changed since the request (address, opt-out, switch): disconnect, or move to the new address.
    await withTransaction(deps.pool, (c) => (wanted ? requestConnect(c, agentId, wanted) : requestDisconnect(c, agentId)));
    return;
  }
  if (!(await deps.gateway.userExists(row.mailbox))) {
    await recordError(deps, agentId, row.mailbox, 'mailbox_not_found', new GraphCallError('not_found', 404, 'ErrorInvalidUser', 'mailbox not found'));
    return;
  }
  // A reconnection keeps a subscription that still lives; a new one otherwise.
  let subscription = row.subscriptionId && row.subscriptionExpiresAt && row.subscriptionExpiresAt > graphNow()
    ? { id: row.subscriptionId, expiresAt: row.subscriptionExpiresAt } : null;
  if (!subscription) subscription = await createSubscription(deps, row);
  const now = deps.now();
  await withTransaction(deps.pool, async (c) => {
    const current = await getMailbox(c, agentId, { forUpdate: true });
    if (current?.state !== row.state || current.mailbox !== row.mailbox) {
      // Disconnected (or moved) while we subscribed: the disconnection that follows deletes this subscription too.
      if (current) await updateMailbox(c, agentId, { subscriptionId: subscription.id, subscriptionExpiresAt: subscription.expiresAt });
      return;
    }
    await updateMailbox(c, agentId, {
      state: 'connected', subscriptionId: subscription.id, subscriptionExpiresAt: subscription.expiresAt, connectedAt: row.connectedAt ?? now,
      importDone: 0, importTotal: null, lastError: null, lastErrorAt: null,
    });
    await queueOutbound(c, await liveRdvsOfAgentSince(c, agentId, syncWindow(deps.config, now).start));
    await enqueueFullRound(c, agentId);
  });
  deps.logger.info({ agentId, subscriptionId: subscription.id }, 'sync: mailbox connected');
}

async function disconnect(deps: SyncDeps, row: MailboxRow, reconnect: boolean): Promise<void> {
  const { agentId } = row;
  if (row.state !== 'disconnecting') await withTransaction(deps.pool, (c) => beginDisconnect(c, agentId));
  if (row.subscriptionId) {
    await deleteSubscriptionQuietly(deps, row);
    await updateMailbox(deps.pool, agentId, { subscriptionId: null, subscriptionExpiresAt: null });
    deps.logger.info({ agentId }, 'sync: mailbox disconnecting, subscription deleted');
  }
  const pending = await outboxDepth(deps.pool, agentId);
  if (pending > 0) throw new RetryLater(DISCONNECT_POLL_MS, `waiting for ${pending} event deletion(s) before the mailbox row goes`);
  const next = await withTransaction(deps.pool, async (c) => {
    await deleteMailbox(c, agentId);
    const wanted = reconnect ? wantedMailbox(await agentSyncProfile(c, agentId)) : null;
    if (wanted) await requestConnect(c, agentId, wanted);
    return wanted;
  });
  deps.logger.info({ agentId, reconnecting: next !== null }, 'sync: mailbox disconnected');
}

async function resubscribe(deps: SyncDeps, row: MailboxRow): Promise<void> {
  if (row.state !== 'connected') return;
  await deleteSubscriptionQuietly(deps, row).catch(() => {});
  const subscription = await createSubscription(deps, row);
  await withTransaction(deps.pool, async (c) => {
    await updateMailbox(c, row.agentId, { subscriptionId: subscription.id, subscriptionExpiresAt: subscription.expiresAt, lastError: null, lastErrorAt: null });
    await enqueueFullRound(c, row.agentId);
  });
  deps.logger.info({ agentId: row.agentId, subscriptionId: subscription.id }, 'sync: subscription recreated');
}

async function reauthorize(deps: SyncDeps, row: MailboxRow): Promise<void> {
  if (row.state !== 'connected') return;
  if (!row.subscriptionId) return resubscribe(deps, row);
  try {
    await deps.gateway.reauthorizeSubscription(row.mailbox, row.subscriptionId);
  } catch (err) {
    if (err instanceof GraphCallError && err.kind === 'not_found') return resubscribe(deps, row);
    throw err;
  }
}

export function connectionHandler(deps: SyncDeps): JobHandler {
  return async (job) => {
    const { agentId, action, reconnect } = job.payload as ConnectionPayload;
    const row = await getMailbox(deps.pool, agentId);
    if (!row) return; // disconnected meanwhile
    // A disconnection started wins over a later connect of the same job row (payloads merge on coalescing).
    const effective: ConnectionAction = row.state === 'disconnecting' && action !== 'connect' ? 'disconnect' : action;
    try {
      switch (effective) {
        case 'connect': return await connect(deps, row);
        case 'disconnect': return await disconnect(deps, row, reconnect === true);
        case 'resubscribe': return await resubscribe(deps, row);
        case 'reauthorize': return await reauthorize(deps, row);
      }
    } catch (err) {
      if (err instanceof RetryLater) throw err;
      await recordError(deps, agentId, row.mailbox, `connection.${effective}`, err);
      // Graph said "later", or the database failed: the queue retries with backoff. A refusal stays on the row.
      if (transient(err) || !(err instanceof GraphCallError)) throw err;
    }
  };
}

/** Renews what expires within SYNC_RENEW_BEFORE_MINUTES; recreates a subscription Graph no longer knows. */
export function renewHandler(deps: SyncDeps): JobHandler {
  return async () => {
    const now = graphNow();
    const due = await mailboxesToRenew(deps.pool, new Date(now.getTime() + deps.config.renewBeforeMinutes * 60_000));
    const missing = (await listMailboxes(deps.pool, { state: 'connected' })).filter((m) => !m.subscriptionId);
    let renewed = 0;
    for (const row of due) {
      try {
        const { expiresAt } = await deps.gateway.renewSubscription(row.mailbox, row.subscriptionId!, new Date(now.getTime() + deps.config.subscriptionMinutes * 60_000));
        await updateMailbox(deps.pool, row.agentId, { subscriptionExpiresAt: expiresAt });
        renewed++;
      } catch (err) {
        if (err instanceof GraphCallError && err.kind === 'not_found') missing.push(row);
        else await recordError(deps, row.agentId, row.mailbox, 'renew', err);
      }
    }
    for (const row of missing) {
      try {
        await resubscribe(deps, row);
      } catch (err) {
        await recordError(deps, row.agentId, row.mailbox, 'resubscribe', err);
      }
    }
    // A disconnection whose job gave up (a very long throttling) gets it back.
    for (const row of await listMailboxes(deps.pool, { state: 'disconnecting' })) await withTransaction(deps.pool, (c) => requestDisconnect(c, row.agentId));
    if (due.length || missing.length) deps.logger.info({ renewed, recreated: missing.length }, 'sync: subscriptions renewed');
  };
}

interface ReconcileOutcome { missingEvent: number; wrongTime: number; staleEvent: number }

/**
 * Compares the store and the calendar for one mailbox and sends what differs to the outbox. An event changed in
 * Outlook since our last write (another changeKey) is left to the inbound round enqueued first: the agent's move
 * must win over the store's old time, never be undone here.
 */
export function reconcileHandler(deps: SyncDeps): JobHandler {
  return async (job) => {
    const { agentId } = job.payload as { agentId: number };
    const row = await getMailbox(deps.pool, agentId);
    if (!row || row.state !== 'connected') return;
    try {
      await enqueueFullRound(deps.pool, agentId);
      const outcome: ReconcileOutcome = { missingEvent: 0, wrongTime: 0, staleEvent: 0 };
      const toMark: Array<{ rdvId: number; agentId: number }> = [];
      for (const item of await reconcileItems(deps.pool, agentId, syncWindow(deps.config, deps.now()))) {
        const event = item.eventId ? await deps.gateway.getEvent(row.mailbox, item.eventId) : null;
        if (!item.live) {
          if (event) { outcome.staleEvent++; toMark.push({ rdvId: item.rdvId, agentId }); }
        } else if (!event) {
          outcome.missingEvent++; toMark.push({ rdvId: item.rdvId, agentId });
        } else if (event.changeKey === item.changeKey
          && (event.start?.getTime() !== item.startsAt.getTime() || event.end?.getTime() !== item.endsAt.getTime())) {
          outcome.wrongTime++; toMark.push({ rdvId: item.rdvId, agentId });
        }
      }
      if (toMark.length) {
        await withTransaction(deps.pool, (c) => queueOutbound(c, toMark));
      }
      deps.metrics.repaired('missing_event', outcome.missingEvent);
      deps.metrics.repaired('wrong_time', outcome.wrongTime);
      deps.metrics.repaired('stale_event', outcome.staleEvent);
      deps.logger.info({ agentId, ...outcome }, 'sync: reconciliation done');
    } catch (err) {
      await recordError(deps, agentId, row.mailbox, 'reconcile', err);
      if (transient(err) || !(err instanceof GraphCallError)) throw err;
    }
  };
}
