/**
 * Inbound sync (Outlook → store): one delta round of a mailbox's calendarView over the sync window, applying
 * DESIGN.md §4 to each item:
 *   - our event moved or resized in Outlook → the RDV follows through the booking rules (channel `outlook`), or,
 *     when the new time is not bookable for the agent, the event is put back (outbox) and the agent told why;
 *   - our event deleted in Outlook → restored and flagged (default), or the RDV cancelled with the usager notified
 *     (territory policy `cancel_and_notify`);
 *   - any other event → a busy block upserted or removed (times and show-as only, never subject or body);
 *   - echoes of our own writes (same changeKey, same times, or a store change still waiting to be written) → ignored.
 * A lost delta token (410 / syncStateNotFound), a `full` request (`missed`, removed subscription, first round) or a
 * window drifted too far → a full resync of the window, with mark-and-sweep of busy blocks and of our events.
 */
import { DateTime } from 'luxon';
import type { Logger } from 'pino';
import { cancelRdv, moveRdv } from '../booking';
import { adoptAddinItem } from './addin-item';
import { CREATING, desiredEventContent, rdvLinkValue } from './outbound';
import { queueOutbound } from './outbox';
import { withTransaction } from '../data/db';
import {
  agentIdentityOf, beginDeltaRound, deleteBusyBlocks, eventLinksBornBetween, deleteBusyBlocksNotIn, eventLinksByEventIds, eventLinksInWindow, getMailbox,
  getEventLink, linksForUnknownEvents, outboxPending, rdvForInbound, saveEventLink, updateMailbox, upsertBusyBlocks,
  type BusyBlockInput, type EventLinkRow, type MailboxPatch, type MailboxRow, type RdvForInbound,
} from '../data/sync';
import { DomainError } from '../errors';
import { takePayloadKey, type Job } from '../queue/jobs';
import { RetryLater, type JobContext, type JobHandler } from '../queue/runner';
import { GraphCallError, type CalendarEvent } from './graph';
import { syncWindow, type SyncDeps } from './types';

/** Show-as values that take the agent's time; availability then decides whether tentative counts (territory setting). */
const BLOCKING_SHOW_AS = new Set(['busy', 'oof', 'tentative', 'workingElsewhere']);
/**
 * A delta link keeps the window it started with; once the rolling window has moved on by this much, the next
 * round re-bases it with a full resync. A week keeps full rounds rare while the far end of the window stays fresh.
 */
const REBASE_AFTER_MS = 7 * 86_400_000;

export interface InboundRoundResult {
  full: boolean;
  items: number;
  movedRdvs: number;
  refusedMoves: number;
  restored: number;
  cancelled: number;
  blocksUpserted: number;
  blocksRemoved: number;
  swept: number;
}

export interface InboundPayload { agentId: number; full?: boolean }

/** The job handler of `SYNC_JOBS.inbound`: one delta round for the mailbox of `payload.agentId`. */
export function inboundHandler(deps: SyncDeps): JobHandler {
  return async (job: Job<InboundPayload>, ctx: JobContext) => {
    const agentId = Number(job.payload.agentId);
    if (!Number.isInteger(agentId) || agentId <= 0) {
      deps.logger.error({ jobId: job.id }, 'inbound: job without an agent id, dropped');
      return;
    }
    if (job.payload.full) {
      // The request is kept by the mailbox row (no delta link = full round) before the job forgets it, so that a
      // rerun asked for by a later notification is an ordinary round, and a failed full round is retried as one.
      await updateMailbox(deps.pool, agentId, { deltaLink: null, deltaNextLink: null });
      await takePayloadKey(deps.pool, job, 'full');
    }
    await runInboundRound(deps, agentId, { full: Boolean(job.payload.full), signal: ctx.signal });
  };
}

/**
 * One round (the job handler's body; tests and benches call it directly). Records the outcome on the
 * mailbox row; on failure records a French `last_error` and rethrows so the queue retries.
 */
export async function runInboundRound(
  deps: SyncDeps, agentId: number, opts: { full?: boolean; signal?: AbortSignal } = {},
): Promise<InboundRoundResult | null> {
  const mailbox = await getMailbox(deps.pool, agentId);
  const log = deps.logger.child({ agentId, mailbox: mailbox?.mailbox });
  if (!mailbox || mailbox.state === 'disconnecting') {
    log.info('inbound: mailbox not connected, round skipped');
    return null;
  }
  try {
    let full = Boolean(opts.full) || !mailbox.deltaLink;
    if (!full) {
      const start = mailbox.deltaWindowStart;
      const wanted = syncWindow(deps.config, deps.now()).start;
      if (!start || wanted.getTime() - start.getTime() > REBASE_AFTER_MS) full = true;
    }
    try {
      return await new DeltaRound(deps, mailbox, log, opts.signal).run(full);
    } catch (err) {
      if (!(err instanceof GraphCallError && err.kind === 'delta_expired') || full) throw err;
      log.info('inbound: delta token expired, full resync of the window');
      return await new DeltaRound(deps, mailbox, log, opts.signal).run(true);
    }
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    const kind = err instanceof GraphCallError ? err.kind : 'other';
    deps.metrics.mailboxError(agentId, kind);
    log.warn({ err: (err as Error).message, kind }, 'inbound: delta round failed');
    await updateMailbox(deps.pool, agentId, { lastError: inboundErrorInFrench(err), lastErrorAt: deps.now() })
      .catch((e) => log.error({ err: (e as Error).message }, 'inbound: could not record the error on the mailbox'));
    if (err instanceof GraphCallError && err.retryAfterMs !== undefined && (err.kind === 'throttled' || err.kind === 'unavailable')) {
      throw new RetryLater(Math.max(err.retryAfterMs, 1000), err.message);
    }
    throw err;
  }
}

/** What an agent or admin reads in the sync status: what went wrong, in words. */
function inboundErrorInFrench(err: unknown): string {
  if (err instanceof GraphCallError) {
    switch (err.kind) {
      case 'forbidden': return "Microsoft 365 refuse l'accès à ce calendrier : vérifiez la permission Calendars.ReadWrite de l'application et la stratégie d'accès aux boîtes des agents.";
      case 'not_found': return 'Boîte aux lettres introuvable dans Microsoft 365 : vérifiez l\'adresse Outlook de l\'agent.';
      case 'throttled': return 'Microsoft 365 limite les requêtes sur ce calendrier : la lecture des changements reprendra automatiquement.';
      case 'unavailable': return `Microsoft 365 ne répond pas (HTTP ${err.status || 'sans réponse'}) : la lecture des changements reprendra automatiquement.`;
      case 'delta_expired': return 'Le suivi des changements du calendrier a expiré : une resynchronisation complète est en cours.';
      default: return `Erreur de Microsoft 365 lors de la lecture du calendrier (HTTP ${err.status}${err.code ? `, ${err.code}` : ''}).`;
    }
  }
  return 'Erreur interne lors de la lecture des changements du calendrier Outlook : nouvel essai automatique.';
}

const sameInstant = (a: Date | undefined, b: Date) => a !== undefined && a.getTime() === b.getTime();

/** "mardi 10 mars 2026 à 14:00", in the territory's zone. */
function frenchWhen(d: Date, zone: string): string {
  return DateTime.fromJSDate(d, { zone }).setLocale('fr').toFormat("cccc d LLLL yyyy 'à' HH:mm");
}

class DeltaRound {
  private readonly agentId: number;
  private readonly masters = new Map<string, CalendarEvent | null>();
  private candidates: Array<EventLinkRow & { startsAt: Date; endsAt: Date }> = [];
  private result!: InboundRoundResult;
  private full = false;

  constructor(private readonly deps: SyncDeps, private readonly mb: MailboxRow, private readonly log: Logger, private readonly signal?: AbortSignal) {
    this.agentId = mb.agentId;
  }

  async run(full: boolean): Promise<InboundRoundResult> {
    const { pool, gateway, config } = this.deps;
    this.full = full;
    this.result = { full, items: 0, movedRdvs: 0, refusedMoves: 0, restored: 0, cancelled: 0, blocksUpserted: 0, blocksRemoved: 0, swept: 0 };
    const window = syncWindow(config, this.deps.now());
    // A full round forgets the old link first: should it fail half-way, its retry is a full round too (its sweep
    // needs every page, so it never resumes half-way).
    if (full) {
      await updateMailbox(pool, this.agentId, { deltaLink: null, deltaNextLink: null, deltaWindowStart: null, importDone: 0 });
    }
    this.candidates = await linksForUnknownEvents(pool, this.agentId, window.start);
    const seen = new Set<string>();
    const reported = new Set<string>();
    // An incremental round resumes where an interrupted one stopped (see migration 043), with that round's start.
    const resuming = !full && Boolean(this.mb.deltaNextLink);
    const startedAt = (resuming && this.mb.deltaRoundStartedAt) || await beginDeltaRound(pool, this.agentId);
    let from: { start: Date; end: Date } | { link: string } = full ? window : { link: this.mb.deltaNextLink ?? this.mb.deltaLink! };
    for (;;) {
      if (this.signal?.aborted) throw new Error('inbound: stopped during a delta round');
      const page = await gateway.delta(this.mb.mailbox, from, config.deltaPageSize);
      for (const ev of page.events) {
        if (!ev.id) continue;
        this.result.items++;
        reported.add(ev.id);
        if (!ev.removed) seen.add(ev.id);
      }
      // The page's busy blocks and where the round goes next are committed together: whatever stops the round
      // after this point, it resumes with the next page, and before it, with this one again.
      const blocks = await this.applyPage(page.events);
      if (!full && !page.nextLink) await this.unreported(reported, startedAt);
      const progress: MailboxPatch = full ? { importDone: this.result.items }
        : page.nextLink ? { deltaNextLink: page.nextLink } : { deltaLink: page.deltaLink ?? null, deltaNextLink: null, deltaSince: startedAt };
      const removed = await withTransaction(pool, async (client) => {
        await upsertBusyBlocks(client, this.agentId, blocks.upserts);
        const n = await deleteBusyBlocks(client, this.agentId, blocks.deletes);
        await updateMailbox(client, this.agentId, progress);
        return n;
      });
      this.result.blocksUpserted += blocks.upserts.length;
      this.result.blocksRemoved += removed;
      if (page.nextLink) { from = { link: page.nextLink }; continue; }
      if (full) {
        await this.sweep(seen, window);
        // Graph gives no count up front: the total is known once the last page is read.
        await updateMailbox(pool, this.agentId, {
          deltaLink: page.deltaLink ?? null, deltaWindowStart: window.start, deltaSince: startedAt, importTotal: this.result.items,
        });
      }
      break;
    }
    await updateMailbox(pool, this.agentId, { lastSuccessAt: this.deps.now(), lastError: null, lastErrorAt: null });
    // Rounds that change nothing in the store (echoes of our own writes) are the common case: not worth a line each
    // at info level.
    const r = this.result;
    const changed = r.movedRdvs + r.refusedMoves + r.restored + r.cancelled + r.blocksUpserted + r.blocksRemoved + r.swept > 0;
    this.log[changed ? 'info' : 'debug']({ ...r }, 'inbound: delta round done');
    return this.result;
  }

  /**
   * Our events made since the previous round began and before this one did, that this round was not told of: the
   * previous delta link never knew them, so their deletion (or a move out of the window) is never reported. Each
   * is asked for; normally there are none, as the round reports every event made in that interval that still exists.
   */
  private async unreported(reported: Set<string>, startedAt: Date): Promise<void> {
    if (!this.mb.deltaSince) return;
    const { pool, gateway } = this.deps;
    for (const link of await eventLinksBornBetween(pool, this.agentId, this.mb.deltaSince, startedAt)) {
      if (reported.has(link.eventId!)) continue;
      const ev = await gateway.getEvent(this.mb.mailbox, link.eventId!);
      await this.applyOurs(link, ev ?? { id: link.eventId!, removed: 'deleted' });
    }
  }

  /** After a full round: whatever was not seen is gone from the calendar. */
  private async sweep(seen: Set<string>, window: { start: Date; end: Date }): Promise<void> {
    const { pool, gateway } = this.deps;
    this.result.swept = await deleteBusyBlocksNotIn(pool, this.agentId, [...seen]);
    if (this.result.swept) this.deps.metrics.repaired('busy_blocks', this.result.swept);
    for (const link of await eventLinksInWindow(pool, this.agentId, window.start, window.end)) {
      if (seen.has(link.eventId!)) continue;
      // Asked again rather than assumed deleted: the outbound may have written it after the round's snapshot.
      const ev = await gateway.getEvent(this.mb.mailbox, link.eventId!);
      await this.applyOurs(link, ev ?? { id: link.eventId!, removed: 'deleted' });
    }
  }

  /**
   * One page: links read in one query, our events applied one by one; the busy blocks to write are returned, for
   * the caller to commit with the round's progress.
   */
  private async applyPage(events: CalendarEvent[]): Promise<{ upserts: BusyBlockInput[]; deletes: string[] }> {
    const { pool } = this.deps;
    const upserts: BusyBlockInput[] = [];
    const deletes: string[] = [];
    // The same item may come twice (Graph promises neither order nor uniqueness): the last one counts.
    // Series masters are skipped: their occurrences come expanded, each with its own id.
    const byId = new Map<string, CalendarEvent>();
    for (const ev of events) {
      if (!ev.id || ev.type === 'seriesMaster') continue;
      byId.delete(ev.id);
      byId.set(ev.id, ev);
    }
    if (!byId.size) return { upserts, deletes };
    const links = new Map((await eventLinksByEventIds(pool, this.agentId, [...byId.keys()])).map((l) => [l.eventId!, l]));
    for (const ev of byId.values()) {
      const link = links.get(ev.id);
      if (link) {
        deletes.push(ev.id); // ours is never a busy block (one imported before it was known as ours goes)
        await this.applyOurs(link, ev);
        continue;
      }
      if (!ev.removed && (await this.adopt(ev))) {
        deletes.push(ev.id);
        continue;
      }
      const block = await this.busyBlockOf(ev);
      if (block) upserts.push(block);
      else deletes.push(ev.id);
      this.latency(ev);
    }
    return { upserts, deletes };
  }

  /**
   * An unknown event may be ours when a create's answer was lost (the link still waits for its event), or be the
   * appointment the add-in saved for an RDV booked in compose mode: seen before the pane's report, it is adopted;
   * met beside the event the link already has (the report, the grace period and our create crossed), it is a
   * duplicate and is deleted (sync README, "Appointments saved from the add-in"). When a candidate link's RDV is at
   * exactly these times, the event's RdvLink property (or the add-in's custom property) says. Costs a Graph call
   * only then.
   */
  private async adopt(ev: CalendarEvent): Promise<boolean> {
    if (!ev.start || !ev.end || ev.seriesMasterId) return false;
    const candidates = this.candidates.filter((l) => sameInstant(ev.start, l.startsAt) && sameInstant(ev.end, l.endsAt));
    if (!candidates.length) return false;
    const { pool, gateway } = this.deps;
    const full = await gateway.getEvent(this.mb.mailbox, ev.id);
    const value = full?.rdvLink ?? full?.addinLink;
    if (!full || !value) return false;
    const candidate = candidates.find((l) => value === rdvLinkValue(l.rdvId, l.agentId));
    // Read again: the outbound part may have made (or be making) the link's event since the round began.
    const link = candidate && await getEventLink(pool, candidate.rdvId, candidate.agentId);
    if (link && full.rdvLink) {
      if (!link.eventId) {
        await saveEventLink(pool, link.rdvId, link.agentId, { eventId: ev.id, changeKey: full.changeKey ?? ev.changeKey ?? null });
        this.log.info({ rdvId: link.rdvId }, 'inbound: event of a lost create answer adopted');
      }
    } else if (link && (link.eventId || link.contentHash === CREATING)) {
      await gateway.deleteEvent(this.mb.mailbox, ev.id);
      this.log.info({ rdvId: link.rdvId }, 'inbound: appointment saved from the add-in beside our event, deleted as a duplicate');
    } else if (link) {
      await adoptAddinItem(pool, link.rdvId, link.agentId, ev.id, full.changeKey ?? ev.changeKey ?? null);
      this.log.info({ rdvId: link.rdvId }, 'inbound: appointment saved from the add-in adopted');
    }
    // Ours either way (another link's duplicate is the reconciliation's business): never a busy block.
    return true;
  }

  private async applyOurs(link: EventLinkRow, ev: CalendarEvent): Promise<void> {
    const { pool } = this.deps;
    const rdv = await rdvForInbound(pool, link.rdvId);
    if (!rdv) return;
    const live = rdv.status !== 'excused' && rdv.status !== 'revoked' && rdv.agentIds.includes(this.agentId);
    if (ev.removed === 'changed') {
      // Out of the round's window: the window of a delta link is fixed, so only a move in Outlook takes an event
      // out of it. The event is read again and the move judged like any other (one call, rare).
      if (!live) return;
      const moved = await this.deps.gateway.getEvent(this.mb.mailbox, ev.id);
      if (!moved || moved.removed) return this.applyOurs(link, { id: ev.id, removed: 'deleted' });
      return this.applyOurs(link, moved);
    }
    if (ev.removed === 'deleted' || ev.isCancelled) {
      // The outbound removing an event of a cancelled RDV or of an agent taken off it: our own deletion.
      if (!live) {
        await saveEventLink(pool, link.rdvId, this.agentId, { eventId: null, changeKey: null });
        return;
      }
      return this.ourEventDeleted(link, rdv);
    }
    if (!live) return; // the outbound deletes it
    if (ev.changeKey && ev.changeKey === link.changeKey) return; // echo of our own write
    // A store change not yet written wins: the outbound is about to overwrite the event anyway.
    if (await outboxPending(pool, link.rdvId, this.agentId)) return;
    if (!ev.start || !ev.end) return;
    if (sameInstant(ev.start, rdv.startsAt) && sameInstant(ev.end, rdv.endsAt)) {
      // Same times (an echo, or an edit of what we own): remember its changeKey so the next If-Match holds.
      if (ev.changeKey && ev.changeKey !== link.changeKey) await saveEventLink(pool, link.rdvId, this.agentId, { changeKey: ev.changeKey });
      return;
    }
    await this.ourEventMoved(link, rdv, ev as CalendarEvent & { start: Date; end: Date });
  }

  private async ourEventMoved(link: EventLinkRow, rdv: RdvForInbound, ev: CalendarEvent & { start: Date; end: Date }): Promise<void> {
    const { pool, now } = this.deps;
    const agent = await agentIdentityOf(pool, this.agentId);
    const log = this.log.child({ rdvId: rdv.rdvId });
    try {
      if (!agent) throw new DomainError(403, 'forbidden', "l'agent n'existe plus");
      // The booking rules re-check the slot for this agent, ignoring the RDV itself, and write the audit entry.
      await moveRdv(pool, agent, rdv.rdvId, { startsAt: ev.start, endsAt: ev.end }, now(), 'outlook');
      // The event already shows what the store now says: record that, so the outbound part finds nothing to write
      // (the move queued the pair) instead of writing the same times back.
      const desired = await desiredEventContent(pool, rdv.rdvId, this.agentId);
      await saveEventLink(pool, rdv.rdvId, this.agentId, { changeKey: ev.changeKey ?? null, ...(desired ? { contentHash: desired.hash } : {}) });
      this.result.movedRdvs++;
      this.latency(ev);
      log.info('inbound: RDV moved to follow its event in Outlook');
    } catch (err) {
      // A refusal by the booking rules (4xx); a busy or unreachable store (503) is retried by the queue instead.
      if (!(err instanceof DomainError) || err.status >= 500) throw err;
      const notice = `Déplacement refusé dans Outlook : le créneau du ${frenchWhen(ev.start, rdv.timeZone)} n'est pas disponible (${err.message.replace(/\.$/, '')}). `
        + `Le rendez-vous reste le ${frenchWhen(rdv.startsAt, rdv.timeZone)} ; l'événement a été remis à cette heure.`;
      await withTransaction(pool, async (client) => {
        // Current changeKey so the outbound's If-Match holds; no content hash so it cannot take the event as up to date.
        await saveEventLink(client, rdv.rdvId, this.agentId, { changeKey: ev.changeKey ?? null, contentHash: null, notice, noticeAt: now() });
        await queueOutbound(client, [{ rdvId: rdv.rdvId, agentId: this.agentId }]);
      });
      this.result.refusedMoves++;
      log.info({ code: err.code }, 'inbound: move in Outlook refused, event put back');
    }
  }

  private async ourEventDeleted(link: EventLinkRow, rdv: RdvForInbound): Promise<void> {
    const { pool, now } = this.deps;
    const log = this.log.child({ rdvId: rdv.rdvId });
    if (rdv.deletionPolicy === 'cancel_and_notify') {
      const agent = await agentIdentityOf(pool, this.agentId);
      try {
        if (!agent) throw new DomainError(403, 'forbidden', "l'agent n'existe plus");
        // Through the booking rules: the cancellation's listeners notify the usager (reminders) and the outbox.
        await cancelRdv(pool, agent, rdv.rdvId, { status: 'revoked', reason: 'Annulé depuis Outlook' }, now(), 'outlook');
        await saveEventLink(pool, rdv.rdvId, this.agentId, { eventId: null, changeKey: null });
        this.result.cancelled++;
        log.info('inbound: event deleted in Outlook, RDV cancelled (territory policy)');
        return;
      } catch (err) {
        if (!(err instanceof DomainError) || err.status >= 500) throw err;
        log.warn({ code: err.code }, 'inbound: could not cancel the RDV of an event deleted in Outlook: restored instead');
      }
    }
    const notice = `Supprimé dans Outlook le ${frenchWhen(now(), rdv.timeZone)} : le rendez-vous est maintenu, l'événement a été recréé.`;
    await withTransaction(pool, async (client) => {
      // A new generation gives the new event a new transactionId (the old one would be answered with the deleted event).
      await saveEventLink(client, rdv.rdvId, this.agentId, {
        eventId: null, changeKey: null, contentHash: null, generation: link.generation + 1, notice, noticeAt: now(),
      });
      await queueOutbound(client, [{ rdvId: rdv.rdvId, agentId: this.agentId }]);
    });
    this.result.restored++;
    log.info('inbound: event deleted in Outlook, restored and RDV flagged');
  }

  /** The busy block an event that is not ours makes, or null when it takes no time (deleted, free, cancelled). */
  private async busyBlockOf(ev: CalendarEvent): Promise<BusyBlockInput | null> {
    if (ev.removed || !ev.start || !ev.end || ev.end <= ev.start) return null;
    let showAs = ev.showAs;
    let cancelled = ev.isCancelled;
    // Occurrences in delta pages carry only identity and times: show-as comes from their series master.
    if (showAs === undefined && ev.seriesMasterId) {
      const master = await this.master(ev.seriesMasterId);
      showAs = master?.showAs;
      cancelled = cancelled || master?.isCancelled;
    }
    showAs ??= 'busy';
    if (cancelled || !BLOCKING_SHOW_AS.has(showAs)) return null;
    return { sourceId: ev.id, startsAt: ev.start, endsAt: ev.end, showAs, isAllDay: Boolean(ev.isAllDay) };
  }

  private async master(id: string): Promise<CalendarEvent | null> {
    if (!this.masters.has(id)) this.masters.set(id, await this.deps.gateway.getEvent(this.mb.mailbox, id));
    return this.masters.get(id)!;
  }

  /** Outlook change → store updated, measured on Graph's clock (lastModifiedDateTime): only for live changes. */
  private latency(ev: CalendarEvent): void {
    if (this.full || !ev.lastModified) return;
    const seconds = (Date.now() - ev.lastModified.getTime()) / 1000;
    if (seconds >= 0 && seconds < 86_400) this.deps.metrics.inboundLatency(seconds);
  }
}
