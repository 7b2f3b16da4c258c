/**
 * Data access of the Outlook sync: connected mailboxes, the (RDV, agent) ↔ event links, the outbox of changes to
 * write, and busy blocks imported from Outlook. Every statement as a named function taking its connection.
 */
import type { Db } from './db';

// ---------------------------------------------------------------- mailboxes

export interface MailboxRow {
  agentId: number;
  mailbox: string;
  state: 'connecting' | 'connected' | 'disconnecting';
  deltaLink: string | null;
  subscriptionId: string | null;
  subscriptionExpiresAt: Date | null;
  clientState: string;
  importDone: number;
  importTotal: number | null;
  lastSuccessAt: Date | null;
  lastError: string | null;
  lastErrorAt: Date | null;
  connectedAt: Date | null;
}

function toMailbox(r: any): MailboxRow {
  return {
    agentId: Number(r.agent_id), mailbox: r.mailbox, state: r.state, deltaLink: r.delta_link, subscriptionId: r.subscription_id,
    subscriptionExpiresAt: r.subscription_expires_at, clientState: r.client_state, importDone: r.import_done, importTotal: r.import_total,
    lastSuccessAt: r.last_success_at, lastError: r.last_error, lastErrorAt: r.last_error_at, connectedAt: r.connected_at,
  };
}

export async function getMailbox(db: Db, agentId: number, opts: { forUpdate?: boolean } = {}): Promise<MailboxRow | null> {
  const { rows } = await db.query(`select * from sync_mailboxes where agent_id = $1${opts.forUpdate ? ' for update' : ''}`, [agentId]);
  return rows[0] ? toMailbox(rows[0]) : null;
}

export async function mailboxBySubscription(db: Db, subscriptionId: string): Promise<MailboxRow | null> {
  const { rows } = await db.query(`select * from sync_mailboxes where subscription_id = $1`, [subscriptionId]);
  return rows[0] ? toMailbox(rows[0]) : null;
}

export async function listMailboxes(db: Db, opts: { state?: MailboxRow['state'] } = {}): Promise<MailboxRow[]> {
  const { rows } = await db.query(`select * from sync_mailboxes where ($1::text is null or state = $1) order by agent_id`, [opts.state ?? null]);
  return rows.map(toMailbox);
}

/** Creates the row (state connecting) or, for a row being disconnected, starts connecting it again. */
export async function upsertMailbox(db: Db, agentId: number, mailbox: string, clientState: string): Promise<MailboxRow> {
  const { rows } = await db.query(
    `insert into sync_mailboxes (agent_id, mailbox, client_state) values ($1, $2, $3)
     on conflict (agent_id) do update set mailbox = excluded.mailbox,
        state = case when sync_mailboxes.state = 'disconnecting' then 'connecting' else sync_mailboxes.state end,
        updated_at = clock_timestamp()
     returning *`,
    [agentId, mailbox, clientState]);
  return toMailbox(rows[0]);
}

export type MailboxPatch = Partial<Pick<MailboxRow, 'state' | 'deltaLink' | 'subscriptionId' | 'subscriptionExpiresAt' | 'importDone' | 'importTotal' | 'lastSuccessAt' | 'lastError' | 'lastErrorAt' | 'connectedAt'>>;

const MAILBOX_COLUMNS: Record<keyof MailboxPatch, string> = {
  state: 'state', deltaLink: 'delta_link', subscriptionId: 'subscription_id', subscriptionExpiresAt: 'subscription_expires_at',
  importDone: 'import_done', importTotal: 'import_total', lastSuccessAt: 'last_success_at', lastError: 'last_error',
  lastErrorAt: 'last_error_at', connectedAt: 'connected_at',
};

export async function updateMailbox(db: Db, agentId: number, patch: MailboxPatch): Promise<void> {
  const entries = Object.entries(patch).filter(([, v]) => v !== undefined) as [keyof MailboxPatch, unknown][];
  if (!entries.length) return;
  await db.query(
    `update sync_mailboxes set ${entries.map(([k], i) => `${MAILBOX_COLUMNS[k]} = $${i + 2}`).join(', ')}, updated_at = clock_timestamp() where agent_id = $1`,
    [agentId, ...entries.map(([, v]) => v)]);
}

export async function deleteMailbox(db: Db, agentId: number): Promise<void> {
  await db.query(`delete from sync_mailboxes where agent_id = $1`, [agentId]);
}

/** Subscriptions that expire before `before` (renewal). */
export async function mailboxesToRenew(db: Db, before: Date): Promise<MailboxRow[]> {
  const { rows } = await db.query(
    `select * from sync_mailboxes where state = 'connected' and subscription_id is not null and subscription_expires_at < $1 order by subscription_expires_at`, [before]);
  return rows.map(toMailbox);
}

// ---------------------------------------------------------------- (RDV, agent) ↔ event links

export interface EventLinkRow {
  rdvId: number;
  agentId: number;
  eventId: string | null;
  changeKey: string | null;
  contentHash: string | null;
  generation: number;
  notice: string | null;
  noticeAt: Date | null;
}

function toLink(r: any): EventLinkRow {
  return {
    rdvId: Number(r.rdv_id), agentId: Number(r.agent_id), eventId: r.event_id, changeKey: r.change_key, contentHash: r.content_hash,
    generation: r.generation, notice: r.notice, noticeAt: r.notice_at,
  };
}

export async function getEventLink(db: Db, rdvId: number, agentId: number, opts: { forUpdate?: boolean } = {}): Promise<EventLinkRow | null> {
  const { rows } = await db.query(`select * from outlook_events where rdv_id = $1 and agent_id = $2${opts.forUpdate ? ' for update' : ''}`, [rdvId, agentId]);
  return rows[0] ? toLink(rows[0]) : null;
}

export async function eventLinkByEventId(db: Db, agentId: number, eventId: string): Promise<EventLinkRow | null> {
  const { rows } = await db.query(`select * from outlook_events where agent_id = $1 and event_id = $2`, [agentId, eventId]);
  return rows[0] ? toLink(rows[0]) : null;
}

export async function eventLinksOfRdv(db: Db, rdvId: number): Promise<EventLinkRow[]> {
  const { rows } = await db.query(`select * from outlook_events where rdv_id = $1 order by agent_id`, [rdvId]);
  return rows.map(toLink);
}

export async function eventLinksOfAgent(db: Db, agentId: number): Promise<EventLinkRow[]> {
  const { rows } = await db.query(`select * from outlook_events where agent_id = $1 order by rdv_id`, [agentId]);
  return rows.map(toLink);
}

export type EventLinkPatch = Partial<Pick<EventLinkRow, 'eventId' | 'changeKey' | 'contentHash' | 'generation' | 'notice' | 'noticeAt'>>;

const LINK_COLUMNS: Record<keyof EventLinkPatch, string> = {
  eventId: 'event_id', changeKey: 'change_key', contentHash: 'content_hash', generation: 'generation', notice: 'notice', noticeAt: 'notice_at',
};

/** Creates or updates the link row with the given fields. */
export async function saveEventLink(db: Db, rdvId: number, agentId: number, patch: EventLinkPatch): Promise<EventLinkRow> {
  const entries = Object.entries(patch).filter(([, v]) => v !== undefined) as [keyof EventLinkPatch, unknown][];
  const cols = entries.map(([k]) => LINK_COLUMNS[k]);
  const { rows } = await db.query(
    `insert into outlook_events (rdv_id, agent_id${cols.map((c) => `, ${c}`).join('')}) values ($1, $2${entries.map((_, i) => `, $${i + 3}`).join('')})
     on conflict (rdv_id, agent_id) do update set ${[...cols.map((c) => `${c} = excluded.${c}`), 'updated_at = clock_timestamp()'].join(', ')}
     returning *`,
    [rdvId, agentId, ...entries.map(([, v]) => v)]);
  return toLink(rows[0]);
}

export async function deleteEventLink(db: Db, rdvId: number, agentId: number): Promise<void> {
  await db.query(`delete from outlook_events where rdv_id = $1 and agent_id = $2`, [rdvId, agentId]);
}

// ---------------------------------------------------------------- outbox

/** Marks (RDV, agent) pairs as to be written; an unwritten earlier change keeps its time (latency from there). */
export async function markOutbox(db: Db, pairs: Array<{ rdvId: number; agentId: number }>): Promise<void> {
  if (!pairs.length) return;
  await db.query(
    `insert into sync_outbox (rdv_id, agent_id) select * from unnest($1::bigint[], $2::bigint[]) on conflict do nothing`,
    [pairs.map((p) => p.rdvId), pairs.map((p) => p.agentId)]);
}

export interface OutboxRow { rdvId: number; agentId: number; changedAt: Date }

/** The oldest pending changes of one mailbox. */
export async function outboxOfAgent(db: Db, agentId: number, limit: number): Promise<OutboxRow[]> {
  const { rows } = await db.query(
    `select rdv_id, agent_id, changed_at from sync_outbox where agent_id = $1 order by changed_at, rdv_id limit $2`, [agentId, limit]);
  return rows.map((r) => ({ rdvId: Number(r.rdv_id), agentId: Number(r.agent_id), changedAt: r.changed_at }));
}

/** Removes a written change, unless a newer one arrived meanwhile (its time moved on). */
export async function clearOutbox(db: Db, row: OutboxRow): Promise<boolean> {
  const { rowCount } = await db.query(`delete from sync_outbox where rdv_id = $1 and agent_id = $2 and changed_at = $3`, [row.rdvId, row.agentId, row.changedAt]);
  return rowCount === 1;
}

export async function outboxDepth(db: Db, agentId: number): Promise<number> {
  const { rows } = await db.query(`select count(*)::int as n from sync_outbox where agent_id = $1`, [agentId]);
  return rows[0].n;
}

// ---------------------------------------------------------------- busy blocks (Outlook events that are not ours)

export interface BusyBlockInput { sourceId: string; startsAt: Date; endsAt: Date; showAs: string; isAllDay: boolean }

export async function upsertBusyBlock(db: Db, agentId: number, b: BusyBlockInput): Promise<void> {
  await db.query(
    `insert into busy_blocks (agent_id, starts_at, ends_at, show_as, is_all_day, source, source_id)
     values ($1, $2, $3, $4, $5, 'outlook', $6)
     on conflict (agent_id, source, source_id) do update
        set starts_at = excluded.starts_at, ends_at = excluded.ends_at, show_as = excluded.show_as, is_all_day = excluded.is_all_day, updated_at = clock_timestamp()`,
    [agentId, b.startsAt, b.endsAt, b.showAs, b.isAllDay, b.sourceId]);
}

export async function deleteBusyBlock(db: Db, agentId: number, sourceId: string): Promise<void> {
  await db.query(`delete from busy_blocks where agent_id = $1 and source = 'outlook' and source_id = $2`, [agentId, sourceId]);
}

/** After a full resync: removes the blocks of events that were not seen (deleted while we were not told). */
export async function deleteBusyBlocksNotIn(db: Db, agentId: number, seenSourceIds: string[]): Promise<number> {
  const { rowCount } = await db.query(
    `delete from busy_blocks where agent_id = $1 and source = 'outlook' and not (source_id = any($2::text[]))`, [agentId, seenSourceIds]);
  return rowCount ?? 0;
}

export async function deleteAllBusyBlocks(db: Db, agentId: number): Promise<void> {
  await db.query(`delete from busy_blocks where agent_id = $1 and source = 'outlook'`, [agentId]);
}

// ---------------------------------------------------------------- connecting mailboxes (agents, their RDVs, their jobs)

export interface AgentSyncProfile {
  agentId: number;
  email: string;
  outlookMailbox: string | null;
  optOut: boolean;
  /** Organisations where the agent has a role. */
  organisationIds: number[];
}

export async function agentSyncProfile(db: Db, agentId: number): Promise<AgentSyncProfile | null> {
  const { rows } = await db.query(
    `select a.id, a.email, a.outlook_mailbox, a.outlook_sync_opt_out,
            coalesce(array_agg(r.organisation_id order by r.organisation_id) filter (where r.organisation_id is not null), '{}') as orgs
       from agents a left join agent_roles r on r.agent_id = a.id
      where a.id = $1 group by a.id`, [agentId]);
  const r = rows[0];
  return r ? { agentId: Number(r.id), email: r.email, outlookMailbox: r.outlook_mailbox, optOut: r.outlook_sync_opt_out, organisationIds: r.orgs.map(Number) } : null;
}

export async function agentIdByEmail(db: Db, email: string): Promise<number | null> {
  const { rows } = await db.query(`select id from agents where lower(email) = lower($1)`, [email]);
  return rows[0] ? Number(rows[0].id) : null;
}

/** The agent's live RDVs ending after `since`: what connecting pushes to Outlook. */
export async function liveRdvsOfAgentSince(db: Db, agentId: number, since: Date): Promise<Array<{ rdvId: number; agentId: number }>> {
  const { rows } = await db.query(
    `select rdv_id from rdv_agents where agent_id = $1 and live and ends_at > $2 order by starts_at`, [agentId, since]);
  return rows.map((r) => ({ rdvId: Number(r.rdv_id), agentId }));
}

export interface ReconcileItem {
  rdvId: number;
  startsAt: Date;
  endsAt: Date;
  /** False for a cancelled RDV whose event link is still there. */
  live: boolean;
  eventId: string | null;
  changeKey: string | null;
}

/** What should be in the agent's calendar over the window: live RDVs, and the links of RDVs no longer live. */
export async function reconcileItems(db: Db, agentId: number, window: { start: Date; end: Date }): Promise<ReconcileItem[]> {
  const { rows } = await db.query(
    `select ra.rdv_id, ra.starts_at, ra.ends_at, ra.live, e.event_id, e.change_key
       from rdv_agents ra left join outlook_events e on e.rdv_id = ra.rdv_id and e.agent_id = ra.agent_id
      where ra.agent_id = $1 and ra.starts_at < $3 and ra.ends_at > $2 and (ra.live or e.event_id is not null)
      order by ra.starts_at`, [agentId, window.start, window.end]);
  return rows.map((r) => ({ rdvId: Number(r.rdv_id), startsAt: r.starts_at, endsAt: r.ends_at, live: r.live, eventId: r.event_id, changeKey: r.change_key }));
}

/** Jobs (waiting or running) under these singleton keys: the CLI waits for them to finish. */
export async function pendingJobCount(db: Db, singletonKeys: string[]): Promise<number> {
  const { rows } = await db.query(`select count(*)::int as n from jobs where singleton_key = any($1::text[])`, [singletonKeys]);
  return rows[0].n;
}

export interface MailboxStatusRow {
  agentId: number;
  email: string;
  firstName: string;
  lastName: string;
  outlookMailbox: string | null;
  optOut: boolean;
  mailbox: MailboxRow | null;
  outboxDepth: number;
}

/** Agents of these organisations (or these agents) with their mailbox row and outbox depth (status API). */
export async function mailboxStatuses(db: Db, filter: { organisationIds?: number[]; agentIds?: number[] }): Promise<MailboxStatusRow[]> {
  const { rows } = await db.query(
    `select a.id as a_id, a.email as a_email, a.first_name, a.last_name, a.outlook_mailbox, a.outlook_sync_opt_out, m.*,
            (select count(*)::int from sync_outbox o where o.agent_id = a.id) as outbox_depth
       from agents a left join sync_mailboxes m on m.agent_id = a.id
      where ($1::bigint[] is null or a.id in (select agent_id from agent_roles where organisation_id = any($1::bigint[])))
        and ($2::bigint[] is null or a.id = any($2::bigint[]))
      order by a.last_name, a.first_name, a.id`,
    [filter.organisationIds ?? null, filter.agentIds ?? null]);
  return rows.map((r) => ({
    agentId: Number(r.a_id), email: r.a_email, firstName: r.first_name, lastName: r.last_name, outlookMailbox: r.outlook_mailbox,
    optOut: r.outlook_sync_opt_out, mailbox: r.agent_id ? toMailbox(r) : null, outboxDepth: r.outbox_depth,
  }));
}
