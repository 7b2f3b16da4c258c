-- Reminders and notifications to usagers (issue 5, DESIGN.md section 5).
--
-- reminder_jobs is both the schedule and the queue: one row per message to send, keyed by
-- (RDV, participant, kind, channel, slot). Scheduling writes it inside the RDV change's own transaction, so a
-- move or a cancellation replaces or removes pending messages atomically. Workers claim due rows with
-- FOR UPDATE SKIP LOCKED under a lease.
--
-- reminder_receipts is the send ledger and the receipts agents see: the row of an attempt is committed with
-- status 'sending' BEFORE the provider is called. A row still 'sending' when the job is claimed again means a
-- crash between the provider's answer and our commit ("in doubt"): see sync-service/src/reminders/README.md.

-- Reminder plan and SMS quiet hours per territory. No row = the default plan (48 h before, SMS + email;
-- quiet hours 20:00–08:00 local time).
create table reminder_plans (
  territory_id bigint primary key references territories on delete cascade,
  -- [{ "key": "48h", "beforeMinutes": 2880, "channels": ["sms","email"] },
  --  { "key": "jour-meme", "atLocalTime": "08:00", "channels": ["sms"] }]
  steps jsonb not null,
  quiet_start time,            -- null (with quiet_end) = no quiet hours
  quiet_end time,
  -- Alphanumeric SMS sender shown on the usager's phone (11 characters max), e.g. "CD86-PMI"; null = the
  -- service-wide SMS_SENDER.
  sms_sender text check (sms_sender ~ '^[A-Za-z0-9 -]{1,11}$'),
  updated_at timestamptz not null default now(),
  check ((quiet_start is null) = (quiet_end is null)),
  check (jsonb_typeof(steps) = 'array')
);

create table reminder_jobs (
  id bigint generated always as identity primary key,
  rdv_id bigint not null references rdvs on delete cascade,
  -- The participant the message is about, and the usager who receives it (the responsible one for a relative).
  usager_id bigint not null references usagers on delete cascade,
  recipient_id bigint not null references usagers on delete cascade,
  kind text not null check (kind in ('confirmation', 'reminder', 'modification', 'cancellation')),
  channel text not null check (channel in ('sms', 'email')),
  -- Which message of its kind: the plan step and the start it was planned for ("48h@2026-12-03T13:30:00.000Z"),
  -- the start and lieu of a modification, "once" for confirmation and cancellation.
  slot text not null,
  due_at timestamptz not null,
  state text not null default 'pending' check (state in ('pending', 'sent', 'failed', 'dropped', 'in_doubt')),
  attempts integer not null default 0,
  -- Lease of the worker that claimed the row: another worker may claim it again only once it has passed.
  lease_token uuid,
  locked_until timestamptz,
  -- Passed to the provider on every attempt (Idempotency-Key header, email Message-ID): a provider that honours
  -- it turns a retry of an in-doubt send into a no-op.
  idempotency_key uuid not null unique default gen_random_uuid(),
  drop_reason text,
  last_error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (rdv_id, usager_id, kind, channel, slot)
);
create index reminder_jobs_due on reminder_jobs (due_at) where state = 'pending';
create index on reminder_jobs (rdv_id);
create index on reminder_jobs (usager_id);
create index on reminder_jobs (recipient_id);

-- One row per attempt (and per message dropped before any attempt, with the reason). No message text, phone
-- number or address here: ids only, the content is rebuilt from the RDV if ever needed.
create table reminder_receipts (
  id bigint generated always as identity primary key,
  job_id bigint references reminder_jobs on delete set null,
  rdv_id bigint not null references rdvs on delete cascade,
  usager_id bigint not null,
  recipient_id bigint not null,
  kind text not null,
  channel text not null check (channel in ('sms', 'email')),
  attempt integer not null default 0,
  provider text,
  status text not null check (status in ('sending', 'sent', 'retrying', 'failed', 'dropped', 'in_doubt')),
  segments integer,
  provider_message_id text,
  idempotency_key uuid,
  -- Machine-readable reason of a drop (see shared/src/notifications/rules.ts) or provider error code.
  reason text,
  error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index on reminder_receipts (rdv_id, created_at);
create index on reminder_receipts (job_id);
-- At most one attempt of a job may be in flight: the ledger row is the proof that a send was started.
create unique index reminder_receipts_one_in_flight on reminder_receipts (job_id) where status = 'sending';
