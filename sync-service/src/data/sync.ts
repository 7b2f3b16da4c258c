/**
 * Data access of the Outlook sync: connected mailboxes, the (RDV, agent) ↔ event links, the outbox of changes to
 * write, and busy blocks imported from Outlook. Every statement as a named function taking its connection.
 */
import type { AgentRole } from '../../../shared/src/domain';
import type { AgentIdentity } from './agents';
import type { Db } from './db';

// ---------------------------------------------------------------- mailboxes

export interface MailboxRow {
  agentId: number;
  mailbox: string;
  state: 'connecting' | 'connected' | 'disconnecting';
  deltaLink: string | null;
  /** The next page of an incremental round in progress (migration 043): where an interrupted round resumes. */
  deltaNextLink: string | null;
  /** Start of the round in progress, and of the round behind `deltaLink` (database clock, migration 044). */
  deltaRoundStartedAt: Date | null;
  deltaSince: Date | null;
  /** Start of the window `deltaLink` covers (migration 042): the rolling window is re-based from it. */
  deltaWindowStart: Date | null;
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
    agentId: Number(r.agent_id), mailbox: r.mailbox, state: r.state, deltaLink: r.delta_link, deltaNextLink: r.delta_next_link, deltaRoundStartedAt: r.delta_round_started_at, deltaSince: r.delta_since, deltaWindowStart: r.delta_window_start, subscriptionId: r.subscription_id,
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

export type MailboxPatch = Partial<Pick<MailboxRow, 'state' | 'deltaLink' | 'deltaNextLink' | 'deltaSince' | 'deltaWindowStart' | 'subscriptionId' | 'subscriptionExpiresAt' | 'importDone' | 'importTotal' | 'lastSuccessAt' | 'lastError' | 'lastErrorAt' | 'connectedAt'>>;

const MAILBOX_COLUMNS: Record<keyof MailboxPatch, string> = {
  state: 'state', deltaLink: 'delta_link', deltaNextLink: 'delta_next_link', deltaSince: 'delta_since', deltaWindowStart: 'delta_window_start', subscriptionId: 'subscription_id', subscriptionExpiresAt: 'subscription_expires_at',
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

/** The agent as the sync acts for them (booking rules check their roles): the RDV moves they make in Outlook. */
export async function agentIdentityOf(db: Db, agentId: number): Promise<AgentIdentity | null> {
  const { rows } = await db.query(
    `select a.id, a.email, a.first_name, a.last_name, r.organisation_id, r.role, o.territory_id
       from agents a left join agent_roles r on r.agent_id = a.id left join organisations o on o.id = r.organisation_id
      where a.id = $1`, [agentId]);
  if (!rows.length) return null;
  const roles = new Map<number, AgentRole>();
  const orgTerritory = new Map<number, number>();
  for (const r of rows) {
    if (r.organisation_id == null) continue;
    roles.set(Number(r.organisation_id), r.role);
    orgTerritory.set(Number(r.organisation_id), Number(r.territory_id));
  }
  const a = rows[0];
  // No territory-level rights: what the sync does for an agent needs only their roles in the RDV's organisation.
  return Object.assign({ id: Number(a.id), email: a.email, firstName: a.first_name, lastName: a.last_name, roles, orgTerritory }, { territoryRights: new Map() });
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
  /**
   * Booked from an appointment being composed: the link waits until then for the add-in's item (migration 050).
   * Kept once the link has its event, as the mark of such a link: the add-in's item may still turn up beside it.
   */
  addinItemUntil: Date | null;
}

function toLink(r: any): EventLinkRow {
  return {
    rdvId: Number(r.rdv_id), agentId: Number(r.agent_id), eventId: r.event_id, changeKey: r.change_key, contentHash: r.content_hash,
    generation: r.generation, notice: r.notice, noticeAt: r.notice_at, addinItemUntil: r.addin_item_until,
  };
}

export async function getEventLink(db: Db, rdvId: number, agentId: number, opts: { forUpdate?: boolean } = {}): Promise<EventLinkRow | null> {
  const { rows } = await db.query(`select * from outlook_events where rdv_id = $1 and agent_id = $2${opts.forUpdate ? ' for update' : ''}`, [rdvId, agentId]);
  return rows[0] ? toLink(rows[0]) : null;
}

export async function eventLinksOfAgent(db: Db, agentId: number): Promise<EventLinkRow[]> {
  const { rows } = await db.query(`select * from outlook_events where agent_id = $1 order by rdv_id`, [agentId]);
  return rows.map(toLink);
}

export type EventLinkPatch = Partial<Pick<EventLinkRow, 'eventId' | 'changeKey' | 'contentHash' | 'generation' | 'notice' | 'noticeAt' | 'addinItemUntil'>>;

const LINK_COLUMNS: Record<keyof EventLinkPatch, string> = {
  eventId: 'event_id', changeKey: 'change_key', contentHash: 'content_hash', generation: 'generation', notice: 'notice', noticeAt: 'notice_at',
  addinItemUntil: 'addin_item_until',
};

/** A link given a new event records when (migration 044): the inbound part asks Graph about events no round saw. */
const BORN = 'event_born_at = case when outlook_events.event_id is distinct from excluded.event_id then clock_timestamp() else outlook_events.event_born_at end';

/**
 * Records the event a create made, unless the link got another event meanwhile (the add-in's item, adopted without
 * the link's lease): then returns null, and the event just made is a duplicate.
 */
export async function saveCreatedEvent(db: Db, rdvId: number, agentId: number, e: { eventId: string; changeKey: string | null; contentHash: string }): Promise<EventLinkRow | null> {
  const { rows } = await db.query(
    `update outlook_events set event_id = $3, change_key = $4, content_hash = $5, updated_at = clock_timestamp(),
            event_born_at = case when event_id is distinct from $3 then clock_timestamp() else event_born_at end
      where rdv_id = $1 and agent_id = $2 and (event_id is null or event_id = $3)
      returning *`,
    [rdvId, agentId, e.eventId, e.changeKey, e.contentHash]);
  return rows[0] ? toLink(rows[0]) : null;
}

/** Creates or updates the link row with the given fields. */
export async function saveEventLink(db: Db, rdvId: number, agentId: number, patch: EventLinkPatch): Promise<EventLinkRow> {
  const entries = Object.entries(patch).filter(([, v]) => v !== undefined) as [keyof EventLinkPatch, unknown][];
  const cols = entries.map(([k]) => LINK_COLUMNS[k]);
  const born = typeof patch.eventId === 'string';
  const { rows } = await db.query(
    `insert into outlook_events (rdv_id, agent_id${cols.map((c) => `, ${c}`).join('')}${born ? ', event_born_at' : ''})
     values ($1, $2${entries.map((_, i) => `, $${i + 3}`).join('')}${born ? ', clock_timestamp()' : ''})
     on conflict (rdv_id, agent_id) do update set ${[...cols.map((c) => `${c} = excluded.${c}`), ...(born ? [BORN] : []), 'updated_at = clock_timestamp()'].join(', ')}
     returning *`,
    [rdvId, agentId, ...entries.map(([, v]) => v)]);
  return toLink(rows[0]);
}

/**
 * Takes the short write lease on one (RDV, agent) link (migration 041), creating the row if needed. Null when
 * another worker holds it: that pair is being written right now.
 */
export async function claimEventLink(db: Db, rdvId: number, agentId: number, token: string, leaseSeconds: number): Promise<EventLinkRow | null> {
  const { rows } = await db.query(
    `insert into outlook_events (rdv_id, agent_id, claim_token, claimed_until) values ($1, $2, $3, clock_timestamp() + make_interval(secs => $4))
     on conflict (rdv_id, agent_id) do update set claim_token = excluded.claim_token, claimed_until = excluded.claimed_until
      where outlook_events.claimed_until is null or outlook_events.claimed_until < clock_timestamp()
     returning *`,
    [rdvId, agentId, token, leaseSeconds]);
  return rows[0] ? toLink(rows[0]) : null;
}

/** Gives the lease back (only the holder's token can). */
export async function releaseEventLink(db: Db, rdvId: number, agentId: number, token: string): Promise<void> {
  await db.query(`update outlook_events set claim_token = null, claimed_until = null where rdv_id = $1 and agent_id = $2 and claim_token = $3`, [rdvId, agentId, token]);
}

/** The agent's event links whose RDV overlaps [start, end) and whose event exists: what a full resync must see again. */
export async function eventLinksInWindow(db: Db, agentId: number, start: Date, end: Date): Promise<EventLinkRow[]> {
  const { rows } = await db.query(
    `select e.* from outlook_events e join rdvs r on r.id = e.rdv_id
      where e.agent_id = $1 and e.event_id is not null and r.starts_at < $3 and r.ends_at > $2 order by e.rdv_id`,
    [agentId, start, end]);
  return rows.map(toLink);
}

/** The agent's links whose event was made (or adopted) in (after, until]: events a delta link may not know. */
export async function eventLinksBornBetween(db: Db, agentId: number, after: Date, until: Date): Promise<EventLinkRow[]> {
  const { rows } = await db.query(
    `select * from outlook_events where agent_id = $1 and event_id is not null and event_born_at > $2 and event_born_at <= $3 order by rdv_id`,
    [agentId, after, until]);
  return rows.map(toLink);
}

/** Marks a delta round of the mailbox as begun now (database clock, migration 044) and returns that instant. */
export async function beginDeltaRound(db: Db, agentId: number): Promise<Date> {
  const { rows } = await db.query(
    `update sync_mailboxes set delta_round_started_at = clock_timestamp() where agent_id = $1 returning delta_round_started_at`, [agentId]);
  return rows[0].delta_round_started_at;
}

/** The agent's links of these events (one delta page at a time). */
export async function eventLinksByEventIds(db: Db, agentId: number, eventIds: string[]): Promise<EventLinkRow[]> {
  if (!eventIds.length) return [];
  const { rows } = await db.query(`select * from outlook_events where agent_id = $1 and event_id = any($2::text[])`, [agentId, eventIds]);
  return rows.map(toLink);
}

/**
 * Links of the agent an unknown event may belong to, with their RDV's times: those still waiting for their event,
 * and those booked from an appointment being composed (`addin_item_until` set) whose RDV ends after `since` — the
 * add-in's item may turn up beside the event the link already has.
 */
export async function linksForUnknownEvents(db: Db, agentId: number, since: Date): Promise<Array<EventLinkRow & { startsAt: Date; endsAt: Date }>> {
  const { rows } = await db.query(
    `select e.*, r.starts_at, r.ends_at from outlook_events e join rdvs r on r.id = e.rdv_id
      where e.agent_id = $1 and r.status not in ('excused', 'revoked')
        and (e.event_id is null or (e.addin_item_until is not null and r.ends_at > $2))`, [agentId, since]);
  return rows.map((r) => ({ ...toLink(r), startsAt: r.starts_at, endsAt: r.ends_at }));
}

/** What the inbound rules need to know of the RDV behind an event: its times, status, agents and territory policy. */
export interface RdvForInbound {
  rdvId: number; startsAt: Date; endsAt: Date; status: string; agentIds: number[]; organisationId: number;
  timeZone: string; deletionPolicy: 'restore_and_flag' | 'cancel_and_notify';
}

export async function rdvForInbound(db: Db, rdvId: number): Promise<RdvForInbound | null> {
  const { rows } = await db.query(
    `select r.id, r.starts_at, r.ends_at, r.status, r.organisation_id, t.time_zone, t.outlook_deletion_policy,
            coalesce((select array_agg(ra.agent_id order by ra.agent_id) from rdv_agents ra where ra.rdv_id = r.id), '{}') as agent_ids
       from rdvs r join organisations o on o.id = r.organisation_id join territories t on t.id = o.territory_id
      where r.id = $1`, [rdvId]);
  const r = rows[0];
  if (!r) return null;
  return {
    rdvId: Number(r.id), startsAt: r.starts_at, endsAt: r.ends_at, status: r.status, organisationId: Number(r.organisation_id),
    agentIds: (r.agent_ids as Array<number | string>).map(Number), timeZone: r.time_zone, deletionPolicy: r.outlook_deletion_policy,
  };
}

// ---------------------------------------------------------------- outbox

/** Marks (RDV, agent) pairs as to be written; an unwritten earlier change keeps its time (latency from there). */
export async function markOutbox(db: Db, pairs: Array<{ rdvId: number; agentId: number }>): Promise<void> {
  if (!pairs.length) return;
  await db.query(
    `insert into sync_outbox (rdv_id, agent_id) select * from unnest($1::bigint[], $2::bigint[])
     on conflict (rdv_id, agent_id) do update set version = sync_outbox.version + 1`,
    [pairs.map((p) => p.rdvId), pairs.map((p) => p.agentId)]);
}

export interface OutboxRow { rdvId: number; agentId: number; changedAt: Date; version: number }

/** The oldest pending changes of one mailbox. */
export async function outboxOfAgent(db: Db, agentId: number, limit: number): Promise<OutboxRow[]> {
  const { rows } = await db.query(
    `select rdv_id, agent_id, changed_at, version from sync_outbox where agent_id = $1 order by changed_at, rdv_id limit $2`, [agentId, limit]);
  return rows.map((r) => ({ rdvId: Number(r.rdv_id), agentId: Number(r.agent_id), changedAt: r.changed_at, version: Number(r.version) }));
}

/** Removes a written change, unless a newer one arrived meanwhile (its version moved on: migration 041). */
export async function clearOutbox(db: Db, row: Pick<OutboxRow, 'rdvId' | 'agentId' | 'version'>): Promise<boolean> {
  const { rowCount } = await db.query(`delete from sync_outbox where rdv_id = $1 and agent_id = $2 and version = $3`, [row.rdvId, row.agentId, row.version]);
  return rowCount === 1;
}

export async function outboxDepth(db: Db, agentId: number): Promise<number> {
  const { rows } = await db.query(`select count(*)::int as n from sync_outbox where agent_id = $1`, [agentId]);
  return rows[0].n;
}

/** Pending changes of a mailbox that no longer exists (disconnected): nothing will write them. */
export async function dropOutboxOfAgent(db: Db, agentId: number): Promise<number> {
  const { rowCount } = await db.query(`delete from sync_outbox where agent_id = $1`, [agentId]);
  return rowCount ?? 0;
}

/**
 * The agents whose event of this RDV must be brought up to date: the RDV's agents and the agents that have an
 * event link for it (an agent taken off the RDV still has an event to delete), among the agents with a mailbox row.
 */
export async function agentsToSyncForRdv(db: Db, rdvId: number): Promise<number[]> {
  const { rows } = await db.query(
    `select m.agent_id from sync_mailboxes m
      where m.agent_id in (select agent_id from rdv_agents where rdv_id = $1 union select agent_id from outlook_events where rdv_id = $1)
      order by m.agent_id`, [rdvId]);
  return rows.map((r) => Number(r.agent_id));
}

/** What the outbound sync needs to write an RDV's event in one agent's calendar (null: the RDV is gone). */
export interface RdvEventSource {
  rdvId: number;
  uuid: string;
  status: string;
  startsAt: Date;
  endsAt: Date;
  /** The agent is (still) one of the RDV's agents. */
  onAgent: boolean;
  motifName: string;
  locationType: 'public_office' | 'phone' | 'home' | 'visio';
  lieu: { name: string; address: string } | null;
  address: string | null;
  collective: boolean;
  context: string | null;
  detail: 'motif_and_lieu' | 'motif_lieu_and_usager_initials' | 'full';
  /** Live participants, by usager id. */
  usagers: Array<{ firstName: string; lastName: string; phone: string | null }>;
}

export async function rdvEventSource(db: Db, rdvId: number, agentId: number): Promise<RdvEventSource | null> {
  const { rows } = await db.query(
    `select r.id, r.uuid, r.status, r.starts_at, r.ends_at, r.collective, r.address, r.context,
            exists (select 1 from rdv_agents ra where ra.rdv_id = r.id and ra.agent_id = $2) as on_agent,
            m.name as motif_name, m.location_type, l.name as lieu_name, l.address as lieu_address, t.outlook_event_detail,
            coalesce((select json_agg(json_build_object('firstName', u.first_name, 'lastName', u.last_name, 'phone', u.phone) order by u.id)
                        from participations p join usagers u on u.id = p.usager_id
                       where p.rdv_id = r.id and p.status not in ('excused', 'revoked')), '[]') as usagers
       from rdvs r
       join motifs m on m.id = r.motif_id
       join organisations o on o.id = r.organisation_id
       join territories t on t.id = o.territory_id
       left join lieux l on l.id = r.lieu_id
      where r.id = $1`, [rdvId, agentId]);
  const r = rows[0];
  if (!r) return null;
  return {
    rdvId: Number(r.id), uuid: r.uuid, status: r.status, startsAt: r.starts_at, endsAt: r.ends_at, onAgent: r.on_agent,
    motifName: r.motif_name, locationType: r.location_type, lieu: r.lieu_name ? { name: r.lieu_name, address: r.lieu_address } : null,
    address: r.address, collective: r.collective, context: r.context, detail: r.outlook_event_detail, usagers: r.usagers,
  };
}

/** Whether a store change of this pair is still waiting to be written (the store's version then wins). */
export async function outboxPending(db: Db, rdvId: number, agentId: number): Promise<boolean> {
  const { rows } = await db.query(`select exists (select 1 from sync_outbox where rdv_id = $1 and agent_id = $2) as x`, [rdvId, agentId]);
  return rows[0].x;
}

// ---------------------------------------------------------------- busy blocks (Outlook events that are not ours)

export interface BusyBlockInput { sourceId: string; startsAt: Date; endsAt: Date; showAs: string; isAllDay: boolean }

/** Upserts many blocks of one agent in one statement (a delta page). */
export async function upsertBusyBlocks(db: Db, agentId: number, blocks: BusyBlockInput[]): Promise<void> {
  if (!blocks.length) return;
  await db.query(
    `insert into busy_blocks (agent_id, starts_at, ends_at, show_as, is_all_day, source, source_id)
     select $1, s, e, a, d, 'outlook', i from unnest($2::timestamptz[], $3::timestamptz[], $4::text[], $5::boolean[], $6::text[]) as b(s, e, a, d, i)
     on conflict (agent_id, source, source_id) do update
        set starts_at = excluded.starts_at, ends_at = excluded.ends_at, show_as = excluded.show_as, is_all_day = excluded.is_all_day, updated_at = clock_timestamp()`,
    [agentId, blocks.map((b) => b.startsAt), blocks.map((b) => b.endsAt), blocks.map((b) => b.showAs), blocks.map((b) => b.isAllDay), blocks.map((b) => b.sourceId)]);
}

/** Removes the blocks of these events, if any; returns how many there were. */
export async function deleteBusyBlocks(db: Db, agentId: number, sourceIds: string[]): Promise<number> {
  if (!sourceIds.length) return 0;
  const { rowCount } = await db.query(`delete from busy_blocks where agent_id = $1 and source = 'outlook' and source_id = any($2::text[])`, [agentId, sourceIds]);
  return rowCount ?? 0;
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
  /**
   * `outlook_sync` is on for the agent in one of their organisations: the most specific switch wins, as in
   * effectiveFeatures, looked up for each of the agent's services there (or for none when they have none).
   */
  switchedOn: boolean;
}

export async function agentSyncProfiles(db: Db, agentIds: number[]): Promise<AgentSyncProfile[]> {
  const { rows } = await db.query(
    `select a.id, a.email, a.outlook_mailbox, a.outlook_sync_opt_out,
            coalesce((select array_agg(r.organisation_id order by r.organisation_id) from agent_roles r where r.agent_id = a.id), '{}') as orgs,
            exists (
              select 1 from agent_roles r join organisations o on o.id = r.organisation_id
                left join lateral (select s.id from agent_services x join services s on s.id = x.service_id
                                    where x.agent_id = a.id and s.territory_id = o.territory_id) s on true
               where r.agent_id = a.id
                 and coalesce((select f.enabled from feature_switches f
                                where f.feature = 'outlook_sync' and f.territory_id = o.territory_id
                                  and (f.organisation_id is null or f.organisation_id = o.id)
                                  and (f.service_id is null or f.service_id = s.id)
                                order by (f.organisation_id is not null) desc, (f.service_id is not null) desc limit 1), false)
            ) as switched_on
       from agents a where a.id = any($1::bigint[]) order by a.id`, [agentIds]);
  return rows.map((r) => ({
    agentId: Number(r.id), email: r.email, outlookMailbox: r.outlook_mailbox, optOut: r.outlook_sync_opt_out,
    organisationIds: r.orgs.map(Number), switchedOn: r.switched_on,
  }));
}

export async function agentSyncProfile(db: Db, agentId: number): Promise<AgentSyncProfile | null> {
  return (await agentSyncProfiles(db, [agentId]))[0] ?? null;
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
