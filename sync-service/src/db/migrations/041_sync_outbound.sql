-- Outbound sync (store → Outlook): what the outbox and the event links need beyond migration 040.

-- Bumped by every change that marks an already pending (RDV, agent) pair: a worker clears the row only if no
-- change arrived while it wrote (changed_at keeps the FIRST unwritten change, for the latency figure, so it cannot
-- tell a newer change apart).
alter table sync_outbox add column version bigint not null default 1;

-- A short lease on one (RDV, agent) link while a worker writes its event: creates, updates and deletes of one
-- pair never run at once, even across processes, without holding a database connection during the Graph call.
alter table outlook_events add column claim_token uuid, add column claimed_until timestamptz;
