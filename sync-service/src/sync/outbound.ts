/**
 * Outbound sync (store → Outlook, DESIGN.md §4): the job that drains one mailbox's outbox. For each pending
 * (RDV, agent) pair it computes the event the calendar should hold — none when the RDV is cancelled, the agent is
 * no longer on it or the mailbox is being disconnected — and creates, updates (If-Match) or deletes it.
 *
 * Rules held here:
 *   - exactly one Graph request per real change, none for a change that leaves the event as it is (content hash);
 *   - a lost create answer never makes a second event: the link is marked `creating` (committed) before the call;
 *     the next attempt first looks the event up by its RdvLink and adopts it, and the create itself carries a
 *     deterministic transactionId (RDV uuid, agent, link generation) that Graph deduplicates;
 *   - one writer per (RDV, agent) at a time: the singleton job per mailbox, plus a short lease on the link row that
 *     also holds across processes and against the inbound part;
 *   - an event deleted in Outlook is not recreated here: the inbound round applies the territory's policy;
 *   - an RDV booked from an appointment being composed waits (its outbox row kept) for the add-in's item until the
 *     link's `addinItemUntil` (business clock); a drain is then due at that time, which first looks for the item at
 *     the RDV's times (its report and its notification may both have been lost) and adopts it, or else creates the
 *     event as usual;
 *   - a Graph failure is written on the mailbox row in French and the job retries (after Retry-After when throttled).
 */
import { randomUUID } from 'node:crypto';
import { contentHash, eventContent, type EventText } from '../../../shared/src/sync/event-content';
import type { Db } from '../data/db';
import * as data from '../data/sync';
import { enqueueJob } from '../queue/jobs';
import { RetryLater, type JobHandler } from '../queue/runner';
import { adoptAddinItem } from './addin-item';
import { GraphCallError } from './graph';
import { SYNC_JOBS, type SyncDeps } from './types';

/** content_hash of a link whose create was sent but whose answer is not known (yet). */
export const CREATING = 'creating';
/** Pairs read from the outbox at a time. */
const BATCH = 50;
/** Pairs written at once for one mailbox: the gateway lets 4 requests per mailbox through anyway. */
const PARALLEL = 4;
/** Longer than one Graph call with all its retries and Retry-After waits should take. */
const LINK_LEASE_SECONDS = 300;
/** Start of the errors this part writes on the mailbox row (so that it clears only its own). */
const OUTBOUND_ERROR_PREFIX = 'Écriture dans Outlook';

export interface DesiredEvent { content: EventText; hash: string; uuid: string }

/** The event an agent's calendar should hold for an RDV, or null when it should hold none. */
export async function desiredEventContent(db: Db, rdvId: number, agentId: number): Promise<DesiredEvent | null> {
  const src = await data.rdvEventSource(db, rdvId, agentId);
  if (!src || !src.onAgent || src.status === 'excused' || src.status === 'revoked') return null;
  const content = eventContent({
    startsAt: src.startsAt, endsAt: src.endsAt, motifName: src.motifName, locationType: src.locationType, lieu: src.lieu,
    address: src.address, collective: src.collective, context: src.context, usagers: src.usagers, detail: src.detail,
  });
  return { content, hash: contentHash(content), uuid: src.uuid };
}

/** The RdvLink extended property's value. */
export const rdvLinkValue = (rdvId: number, agentId: number) => `${rdvId}/${agentId}`;
/** The RDV id an RdvLink value names, or null for anything else. */
export const rdvIdOfLink = (value: string | undefined): number | null => {
  const m = /^(\d+)\/(\d+)$/.exec(value ?? '');
  return m ? Number(m[1]) : null;
};

/** Same (RDV, agent, generation) → same key: a retried create is answered with the event already made. */
const transactionIdFor = (rdvUuid: string, agentId: number, generation: number) => `rdv-${rdvUuid}-${agentId}-${generation}`;

type Outcome = 'created' | 'adopted' | 'updated' | 'deleted' | 'unchanged' | 'gone' | 'busy' | { waitUntil: Date };

/** Words an agent or an admin can act on (shown by the status API). */
function describeGraphError(err: unknown): string {
  if (!(err instanceof GraphCallError)) return 'erreur interne du service de synchronisation (voir les journaux)';
  switch (err.kind) {
    case 'throttled': return `Microsoft 365 limite le nombre de requêtes (nouvel essai automatique dans ${Math.ceil((err.retryAfterMs ?? 0) / 1000)} s)`;
    case 'unavailable': return `Microsoft 365 ne répond pas (erreur ${err.status || 'réseau'}) : nouvel essai automatique`;
    case 'forbidden': return "accès refusé par Microsoft 365 : vérifiez la permission Calendars.ReadWrite de l'application et la stratégie d'accès qui couvre cette boîte aux lettres";
    case 'not_found': return 'boîte aux lettres introuvable dans Microsoft 365 : vérifiez l\'adresse Outlook de l\'agent';
    case 'bad_request': return `requête refusée par Microsoft 365 (${err.code || err.status})`;
    default: return `erreur inattendue de Microsoft 365 (${err.code || err.status})`;
  }
}

async function forEachLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

export function outboundHandler(deps: SyncDeps): JobHandler {
  const { pool, gateway, logger, metrics } = deps;

  /** Brings one pair's event to `desired`, holding the pair's lease. */
  async function write(mailbox: string, link: data.EventLinkRow, desired: DesiredEvent | null): Promise<Outcome> {
    const { rdvId, agentId } = link;
    const rdvLink = rdvLinkValue(rdvId, agentId);
    let current = link;
    if (!current.eventId && current.contentHash === CREATING) {
      // The answer of an earlier create was lost (crash, timeout): the event may well exist. Adopt it; remove
      // any duplicate a race left behind (seen in production with concurrent creates of one transactionId).
      const found = (await gateway.findEventsByLink(mailbox, rdvLink)).sort((a, b) => a.id.localeCompare(b.id));
      for (const extra of found.slice(1)) await gateway.deleteEvent(mailbox, extra.id);
      if (found[0]) current = await data.saveEventLink(pool, rdvId, agentId, { eventId: found[0].id, changeKey: found[0].changeKey ?? null, contentHash: null });
    }

    if (!desired) {
      if (current.eventId) await gateway.deleteEvent(mailbox, current.eventId); // already gone (404) is fine
      // The row stays as a tombstone with a new generation, so that a later event for this pair (RDV restored,
      // agent put back) gets a transactionId Graph has never seen.
      await data.saveEventLink(pool, rdvId, agentId, { eventId: null, changeKey: null, contentHash: null, generation: current.generation + 1 });
      return current.eventId ? 'deleted' : 'unchanged';
    }

    if (!current.eventId) {
      if (current.addinItemUntil && current.contentHash !== CREATING) {
        // Booked in compose mode, and neither reported nor seen by the inbound part within the grace period: the
        // add-in's item, when saved, is the RDV's event (one calendarView request, on this rare path only).
        const [item] = await gateway.findAddinItems(mailbox, desired.content.start, desired.content.end, rdvLink);
        if (item) {
          // Its write (content, RdvLink, private, no attendees) comes with the outbox row this queues again.
          await adoptAddinItem(pool, rdvId, agentId, item.id, item.changeKey ?? null);
          return 'adopted';
        }
      }
      // Committed before the call: whatever happens to the answer, the next attempt knows to look first.
      if (current.contentHash !== CREATING) await data.saveEventLink(pool, rdvId, agentId, { contentHash: CREATING });
      const written = await gateway.createEvent(mailbox, desired.content, rdvLink, transactionIdFor(desired.uuid, agentId, current.generation));
      if (!(await data.saveCreatedEvent(pool, rdvId, agentId, { eventId: written.id, changeKey: written.changeKey, contentHash: desired.hash }))) {
        // The add-in's item was adopted while we created (the pane's report crossed the end of the grace period):
        // it is the RDV's event, ours is the duplicate.
        await gateway.deleteEvent(mailbox, written.id);
        return 'adopted';
      }
      return 'created';
    }

    if (current.contentHash === desired.hash) return 'unchanged';
    const eventId = current.eventId;
    try {
      let written;
      try {
        written = await gateway.updateEvent(mailbox, eventId, desired.content, current.changeKey, rdvLink);
      } catch (err) {
        if (!(err instanceof GraphCallError && err.kind === 'etag_mismatch')) throw err;
        // Changed in Outlook since we last wrote: the store's change is the newer intent; write over the fresh version once.
        const fresh = await gateway.getEvent(mailbox, eventId);
        if (!fresh) throw new GraphCallError('not_found', 404, 'ErrorItemNotFound', 'deleted between 412 and re-read');
        written = await gateway.updateEvent(mailbox, eventId, desired.content, fresh.changeKey ?? null, rdvLink);
      }
      await data.saveEventLink(pool, rdvId, agentId, { eventId: written.id, changeKey: written.changeKey, contentHash: desired.hash });
      return 'updated';
    } catch (err) {
      if (!(err instanceof GraphCallError && err.kind === 'not_found')) throw err;
      // Deleted in Outlook: not recreated here. The inbound round sees the deletion and applies the territory's
      // policy (restore and flag, or cancel and notify); the link row is left as it is for it.
      await enqueueJob(pool, SYNC_JOBS.inbound.kind, { agentId }, { singletonKey: SYNC_JOBS.inbound.key(agentId) });
      return 'gone';
    }
  }

  async function syncPair(mailbox: data.MailboxRow, row: data.OutboxRow): Promise<Outcome> {
    const { rdvId, agentId } = row;
    const desired = mailbox.state === 'disconnecting' ? null : await desiredEventContent(pool, rdvId, agentId);
    const existing = await data.getEventLink(pool, rdvId, agentId);
    // Booked from an appointment being composed: its event is the add-in's item, reported (or seen) soon.
    if (desired && existing && !existing.eventId && existing.addinItemUntil && existing.addinItemUntil > deps.now()) return { waitUntil: existing.addinItemUntil };
    // Nothing to write (and no lease needed): no event wanted and none made, or the event already says this.
    const noop = desired
      ? existing?.eventId != null && existing.contentHash === desired.hash
      : !existing || (existing.eventId == null && existing.contentHash !== CREATING);
    let outcome: Outcome = 'unchanged';
    if (!noop) {
      const token = randomUUID();
      const link = await data.claimEventLink(pool, rdvId, agentId, token, LINK_LEASE_SECONDS);
      if (!link) return 'busy';
      try {
        // Read again under the lease: a writer that waited for it must write the latest state, not what it saw before.
        const latest = mailbox.state === 'disconnecting' ? null : await desiredEventContent(pool, rdvId, agentId);
        outcome = await write(mailbox.mailbox, link, latest);
      } finally {
        await data.releaseEventLink(pool, rdvId, agentId, token);
      }
    }
    if (await data.clearOutbox(pool, row)) {
      // Measured, not business logic: the outbox row's time is the database's clock.
      if (outcome === 'created' || outcome === 'updated' || outcome === 'deleted') metrics.outboundLatency(Math.max(0, Date.now() - row.changedAt.getTime()) / 1000);
    }
    return outcome;
  }

  return async (job, ctx) => {
    const agentId = Number(job.payload.agentId);
    const log = logger.child({ agentId, jobId: job.id });
    const mailbox = await data.getMailbox(pool, agentId);
    if (!mailbox) {
      const dropped = await data.dropOutboxOfAgent(pool, agentId);
      if (dropped) log.info({ dropped }, 'outbound: mailbox no longer synced, pending changes dropped');
      return;
    }
    const skipped = new Set<string>();
    const key = (r: data.OutboxRow) => `${r.rdvId}/${r.agentId}`;
    let failure: { err: unknown; rdvId: number } | null = null;
    let retryAfterMs: number | null = null;
    let busy = false;
    let waitUntil: Date | null = null;
    while (retryAfterMs === null) {
      if (ctx.signal.aborted) throw new Error('service stopping');
      const rows = (await data.outboxOfAgent(pool, agentId, BATCH + skipped.size)).filter((r) => !skipped.has(key(r)));
      if (!rows.length) break;
      await forEachLimit(rows, PARALLEL, async (row) => {
        if (retryAfterMs !== null || ctx.signal.aborted) { skipped.add(key(row)); return; }
        try {
          const outcome = await syncPair(mailbox, row);
          if (typeof outcome === 'object') {
            skipped.add(key(row));
            if (!waitUntil || outcome.waitUntil < waitUntil) waitUntil = outcome.waitUntil;
          } else if (outcome === 'busy') { busy = true; skipped.add(key(row)); }
          else if (outcome === 'gone') log.info({ rdvId: row.rdvId }, 'outbound: event deleted in Outlook, inbound round requested');
          else if (outcome !== 'unchanged') log.debug({ rdvId: row.rdvId, outcome }, 'outbound: event written');
        } catch (err) {
          skipped.add(key(row));
          failure ??= { err, rdvId: row.rdvId };
          log.warn({ rdvId: row.rdvId, err: (err as Error).message }, 'outbound: could not write an event');
          // Microsoft asks us to slow down (or is down) for the whole mailbox: stop this round and come back later.
          if (err instanceof GraphCallError && (err.kind === 'throttled' || err.kind === 'unavailable')) retryAfterMs = err.retryAfterMs ?? 5_000;
        }
      });
    }
    if (waitUntil) {
      // Its own key: the mailbox's drain stays free for other changes meanwhile (the link lease keeps pairs apart).
      await enqueueJob(pool, SYNC_JOBS.outbound.kind, { agentId }, {
        singletonKey: SYNC_JOBS.outbound.graceKey(agentId), delayMs: Math.max(0, (waitUntil as Date).getTime() - deps.now().getTime()),
      });
    }
    if (failure) {
      const { err, rdvId } = failure as { err: unknown; rdvId: number };
      const words = `${OUTBOUND_ERROR_PREFIX} impossible pour le rendez-vous n° ${rdvId} : ${describeGraphError(err)}.`;
      await data.updateMailbox(pool, agentId, { lastError: words, lastErrorAt: deps.now() });
      metrics.mailboxError(agentId, err instanceof GraphCallError ? err.kind : 'internal');
      if (retryAfterMs !== null) throw new RetryLater(retryAfterMs, words);
      throw err instanceof Error ? err : new Error(String(err));
    }
    if (mailbox.lastError?.startsWith(OUTBOUND_ERROR_PREFIX)) await data.updateMailbox(pool, agentId, { lastError: null, lastErrorAt: null });
    // A pair held by another writer (its lease) is written once that writer is done.
    if (busy) throw new RetryLater(1_000, 'an event of this mailbox was being written by another worker');
  };
}
