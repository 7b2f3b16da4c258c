-- Two-way sync between agents' Outlook calendars and the store (DESIGN.md section 4), and the one durable job
-- queue of the service's background work.

-- Background work: outbound drains, delta rounds, resyncs, subscription renewals, reconciliations.
-- Claimed with FOR UPDATE SKIP LOCKED and a lease (sync-service/src/queue). A singleton key allows one waiting
-- job per key: enqueuing the key again while it waits coalesces into it; while it runs, `rerun` asks for one
-- more run after it, so a burst of notifications for one mailbox makes one round, and none is lost.
create table jobs (
  id bigint generated always as identity primary key,
  kind text not null,
  singleton_key text,
  payload jsonb not null default '{}',
  run_at timestamptz not null,
  attempts integer not null default 0,
  max_attempts integer not null default 10,
  rerun boolean not null default false,
  lease_token uuid,
  locked_until timestamptz,
  last_error text,
  -- When the oldest request this job stands for was made: queue age and propagation latency.
  requested_at timestamptz not null default clock_timestamp(),
  created_at timestamptz not null default clock_timestamp()
);
create unique index jobs_singleton on jobs (singleton_key) where singleton_key is not null;
create index jobs_due on jobs (run_at);
create index jobs_kind on jobs (kind);

-- A failed job (attempts exhausted) leaves the queue and is kept here for operators.
create table jobs_failed (
  id bigint primary key,
  kind text not null,
  singleton_key text,
  payload jsonb not null,
  attempts integer not null,
  last_error text,
  failed_at timestamptz not null default clock_timestamp()
);

-- One row per agent whose Outlook calendar is connected (or being connected / disconnected).
create table sync_mailboxes (
  agent_id bigint primary key references agents on delete cascade,
  -- Graph user id or UPN of the mailbox.
  mailbox text not null,
  state text not null default 'connecting' check (state in ('connecting', 'connected', 'disconnecting')),
  delta_link text,
  subscription_id text unique,
  subscription_expires_at timestamptz,
  -- Secret Graph echoes in every notification (compared in constant time).
  client_state text not null,
  -- Initial import / resync progress, for the CLI's progress bar and the status API.
  import_done integer not null default 0,
  import_total integer,
  last_success_at timestamptz,
  last_error text,
  last_error_at timestamptz,
  connected_at timestamptz,
  updated_at timestamptz not null default clock_timestamp()
);

-- The link between an RDV and its event in one agent's calendar (a collective RDV has one per agent).
create table outlook_events (
  rdv_id bigint not null references rdvs on delete cascade,
  agent_id bigint not null references agents on delete cascade,
  -- Immutable Graph id, null until the event exists.
  event_id text,
  change_key text,
  -- Hash of what we last wrote (times, subject, location, body): recognises echoes of our own writes.
  content_hash text,
  -- Bumped each time a new event must be made (after a deletion in Outlook): part of the transactionId.
  generation integer not null default 0,
  -- Something the agent must know about this RDV in Outlook (French, shown in the add-in), e.g. a refused move.
  notice text,
  notice_at timestamptz,
  updated_at timestamptz not null default clock_timestamp(),
  primary key (rdv_id, agent_id)
);
create unique index outlook_events_event on outlook_events (agent_id, event_id) where event_id is not null;

-- Store → Outlook changes waiting to be written: (RDV, agent) pairs whose event must be brought to the RDV's
-- current state. Written in the RDV change's own transaction; one row per pair (later changes coalesce).
create table sync_outbox (
  rdv_id bigint not null references rdvs on delete cascade,
  agent_id bigint not null references agents on delete cascade,
  -- First unwritten change: propagation latency is measured from here.
  changed_at timestamptz not null default clock_timestamp(),
  primary key (rdv_id, agent_id)
);
create index on sync_outbox (agent_id, changed_at);
