-- Answers to creating POST requests that carried an Idempotency-Key (issue 9): a client cut off mid-request retries
-- with the same key and gets the first answer instead of a second RDV or usager.
--
-- A row is written in the SAME transaction as the creation it answers, so the two commit together: a crash leaves
-- either both or neither, never a creation a retry would repeat. Concurrent requests with one key meet on the
-- primary key: the second waits for the first to commit, finds the row, rolls its own work back and replays.
-- Only successful answers are kept (a refused request stored nothing, so running it again is harmless).
create table idempotency_keys (
  agent_id bigint not null references agents (id) on delete cascade,
  key text not null check (length(key) between 1 and 255),
  -- SHA-256 of method, path and canonical JSON body: the same key with another body is refused (422).
  request_hash text not null,
  status_code smallint not null,
  -- The JSON exactly as first sent (text, not jsonb, which would reorder keys), so a replay is byte-identical.
  response_body text not null,
  created_at timestamptz not null,
  primary key (agent_id, key)
);

-- Keys live 24 hours; the periodic purge deletes by age.
create index idempotency_keys_created_at on idempotency_keys (created_at);
