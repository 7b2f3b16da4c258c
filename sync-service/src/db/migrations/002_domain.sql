-- The central appointment store: the domain of DESIGN.md section 2.
-- Times are timestamptz (UTC instants); plages and absences are local wall-clock times in the territory's zone.

-- Accent- and case-insensitive search key. unaccent() is only STABLE; this wrapper pins the dictionary so it can
-- be used in indexes.
create function f_search_key(t text) returns text
  language sql immutable parallel safe strict
  as $$ select lower(public.unaccent('public.unaccent'::regdictionary, t)) $$;

create table territories (
  id bigint generated always as identity primary key,
  name text not null,
  departement_code text not null check (departement_code ~ '^(\d{2}|2A|2B|97\d)$'),
  time_zone text not null default 'Europe/Paris',
  whit_monday_is_holiday boolean not null default true,
  works_on_public_holidays boolean not null default false,
  -- What an Outlook event says about an RDV (privacy): by default motif and place, never the usager.
  outlook_event_detail text not null default 'motif_and_lieu'
    check (outlook_event_detail in ('motif_and_lieu', 'motif_lieu_and_usager_initials', 'full')),
  -- What happens when an agent deletes one of our events in Outlook.
  outlook_deletion_policy text not null default 'restore_and_flag'
    check (outlook_deletion_policy in ('restore_and_flag', 'cancel_and_notify')),
  outlook_tentative_blocks boolean not null default false,
  created_at timestamptz not null default now()
);

create table organisations (
  id bigint generated always as identity primary key,
  territory_id bigint not null references territories on delete restrict,
  name text not null,
  phone text,
  email text,
  address text,
  created_at timestamptz not null default now()
);
create index on organisations (territory_id);

create table services (
  id bigint generated always as identity primary key,
  territory_id bigint not null references territories on delete restrict,
  name text not null,
  short_name text not null,
  unique (territory_id, short_name)
);

create table lieux (
  id bigint generated always as identity primary key,
  organisation_id bigint not null references organisations on delete restrict,
  name text not null,
  address text not null,
  phone text,
  availability text not null default 'enabled' check (availability in ('enabled', 'disabled', 'single_use'))
);
create index on lieux (organisation_id);

create table agents (
  id bigint generated always as identity primary key,
  first_name text not null,
  last_name text not null,
  email text not null,
  -- Entra ID object id of the agent's account (the `oid` claim of their tokens), when known.
  entra_oid text unique,
  -- Mailbox (UPN) whose calendar is synced; null = not synced.
  outlook_mailbox text,
  outlook_sync_opt_out boolean not null default false,
  created_at timestamptz not null default now()
);
create unique index agents_email_key on agents (lower(email));

create table agent_roles (
  agent_id bigint not null references agents on delete cascade,
  organisation_id bigint not null references organisations on delete cascade,
  role text not null check (role in ('admin', 'basic', 'intervenant')),
  primary key (agent_id, organisation_id)
);
create index on agent_roles (organisation_id);

create table agent_services (
  agent_id bigint not null references agents on delete cascade,
  service_id bigint not null references services on delete cascade,
  primary key (agent_id, service_id)
);

create table motifs (
  id bigint generated always as identity primary key,
  organisation_id bigint not null references organisations on delete restrict,
  service_id bigint not null references services on delete restrict,
  name text not null,
  color text not null default '#1f6feb' check (color ~ '^#[0-9a-fA-F]{6}$'),
  duration_minutes integer not null check (duration_minutes between 5 and 1440),
  buffer_minutes integer not null default 0 check (buffer_minutes between 0 and 240),
  location_type text not null check (location_type in ('public_office', 'phone', 'home', 'visio')),
  min_booking_delay_minutes integer not null default 30 check (min_booking_delay_minutes >= 0),
  max_booking_delay_minutes integer not null default 129600 check (max_booking_delay_minutes > 0),
  bookable_by text not null default 'agents' check (bookable_by in ('agents', 'agents_and_prescripteurs', 'everyone')),
  reminders_enabled boolean not null default true,
  visibility text not null default 'visible_and_notified'
    check (visibility in ('visible_and_notified', 'visible_and_not_notified', 'invisible')),
  collective boolean not null default false,
  default_capacity integer check (default_capacity > 0),
  archived_at timestamptz,
  check (max_booking_delay_minutes > min_booking_delay_minutes)
);
create index on motifs (organisation_id);

-- Plage d'ouverture: an agent is available at a lieu for some motifs, on a recurrence, between local times.
create table plages (
  id bigint generated always as identity primary key,
  organisation_id bigint not null references organisations on delete restrict,
  agent_id bigint not null references agents on delete cascade,
  lieu_id bigint references lieux on delete restrict,
  title text not null default '',
  first_day date not null,
  start_time time not null,
  end_time time not null,
  start_time_2 time,
  end_time_2 time,
  recurrence jsonb,
  buffer_minutes_override integer check (buffer_minutes_override between 0 and 240),
  check (end_time > start_time),
  check ((start_time_2 is null) = (end_time_2 is null)),
  check (start_time_2 is null or (start_time_2 >= end_time and end_time_2 > start_time_2))
);
create index on plages (agent_id);
create index on plages (organisation_id);

create table plage_motifs (
  plage_id bigint not null references plages on delete cascade,
  motif_id bigint not null references motifs on delete cascade,
  primary key (plage_id, motif_id)
);
create index on plage_motifs (motif_id);

-- Absence: one-off (first_day start_time → end_day end_time, continuously) or recurring (each occurrence
-- from start_time to end_time).
create table absences (
  id bigint generated always as identity primary key,
  organisation_id bigint not null references organisations on delete restrict,
  agent_id bigint not null references agents on delete cascade,
  title text not null default '',
  first_day date not null,
  start_time time not null,
  end_day date not null,
  end_time time not null,
  recurrence jsonb,
  check ((end_day, end_time) > (first_day, start_time))
);
create index on absences (agent_id);

-- Time taken in the agent's Outlook calendar by something that is not one of our RDVs.
-- Times and show-as only: never the subject or body of the Outlook event.
create table busy_blocks (
  id bigint generated always as identity primary key,
  agent_id bigint not null references agents on delete cascade,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  show_as text not null check (show_as in ('free', 'tentative', 'busy', 'oof', 'workingElsewhere', 'unknown')),
  is_all_day boolean not null default false,
  source text not null default 'outlook',
  source_id text not null,
  updated_at timestamptz not null default now(),
  check (ends_at > starts_at),
  unique (agent_id, source, source_id)
);
create index on busy_blocks using gist (agent_id, tstzrange(starts_at, ends_at));

create table usagers (
  id bigint generated always as identity primary key,
  territory_id bigint not null references territories on delete restrict,
  first_name text not null,
  last_name text not null,
  birth_name text,
  birth_date date,
  phone text,             -- E.164
  email text,
  address text,
  commune_code text check (commune_code ~ '^(\d{5}|2[AB]\d{3})$'),
  notify_by_sms boolean not null default true,
  notify_by_email boolean not null default true,
  -- A relative (e.g. a child) has a responsible usager, who is the one notified.
  responsible_id bigint references usagers on delete restrict,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (responsible_id is null or responsible_id <> id)
);
create index usagers_search_name on usagers (territory_id, f_search_key(last_name || ' ' || first_name) text_pattern_ops);
create index usagers_search_phone on usagers (phone);
create index on usagers (responsible_id);

-- Which organisations follow an usager: an agent sees usagers of the organisations where they have a role.
create table usager_organisations (
  usager_id bigint not null references usagers on delete cascade,
  organisation_id bigint not null references organisations on delete cascade,
  primary key (usager_id, organisation_id)
);
create index on usager_organisations (organisation_id);

create table rdvs (
  id bigint generated always as identity primary key,
  uuid uuid not null unique default gen_random_uuid(), -- ICS UID
  organisation_id bigint not null references organisations on delete restrict,
  motif_id bigint not null references motifs on delete restrict,
  lieu_id bigint references lieux on delete restrict,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  status text not null default 'unknown' check (status in ('unknown', 'seen', 'excused', 'revoked', 'noshow')),
  collective boolean not null default false,
  capacity integer check (capacity > 0),
  address text,          -- for home visits
  context text,          -- notes for agents; never sent to Microsoft by default
  cancel_reason text,
  cancelled_at timestamptz,
  created_by_agent_id bigint references agents on delete set null,
  created_by_usager_id bigint references usagers on delete set null,
  channel text not null check (channel in ('addin', 'api', 'outlook', 'online', 'waitlist', 'sync', 'reminder', 'seed')),
  -- ICS SEQUENCE: bumped on every change an usager would see.
  sequence integer not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (ends_at > starts_at),
  check (collective = (capacity is not null))
);
create index on rdvs (organisation_id, starts_at);
create index on rdvs (motif_id, starts_at);

-- The agents of an RDV, with the RDV's times copied in so that the store itself refuses double bookings:
-- an agent never holds two overlapping live RDVs (excused and revoked ones do not count).
create table rdv_agents (
  rdv_id bigint not null references rdvs on delete cascade,
  agent_id bigint not null references agents on delete restrict,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  live boolean not null,
  primary key (rdv_id, agent_id),
  constraint rdv_agents_no_overlap exclude using gist (agent_id with =, tstzrange(starts_at, ends_at) with &&) where (live)
);
create index on rdv_agents (agent_id, starts_at);

create function rdv_agents_fill() returns trigger language plpgsql as $$
begin
  select r.starts_at, r.ends_at, r.status in ('unknown', 'seen', 'noshow')
    into new.starts_at, new.ends_at, new.live
    from rdvs r where r.id = new.rdv_id;
  return new;
end $$;
create trigger rdv_agents_fill before insert on rdv_agents for each row execute function rdv_agents_fill();

create function rdvs_propagate_times() returns trigger language plpgsql as $$
begin
  update rdv_agents
     set starts_at = new.starts_at, ends_at = new.ends_at, live = new.status in ('unknown', 'seen', 'noshow')
   where rdv_id = new.id;
  return new;
end $$;
create trigger rdvs_propagate_times after update of starts_at, ends_at, status on rdvs
  for each row execute function rdvs_propagate_times();

create table participations (
  rdv_id bigint not null references rdvs on delete cascade,
  usager_id bigint not null references usagers on delete restrict,
  status text not null default 'unknown' check (status in ('unknown', 'seen', 'excused', 'revoked', 'noshow')),
  created_at timestamptz not null default now(),
  primary key (rdv_id, usager_id)
);
create index on participations (usager_id);

-- Collective RDVs: never more live participants than seats. The RDV row is locked so that concurrent
-- registrations are counted one after the other.
create function participations_check_capacity() returns trigger language plpgsql as $$
declare
  cap integer;
  taken integer;
begin
  if new.status in ('excused', 'revoked') then return new; end if;
  select capacity into cap from rdvs where id = new.rdv_id for update;
  if cap is null then return new; end if;
  select count(*) into taken from participations
   where rdv_id = new.rdv_id and usager_id <> new.usager_id and status not in ('excused', 'revoked');
  if taken + 1 > cap then
    raise exception 'collective RDV % is full (% seats)', new.rdv_id, cap
      using errcode = 'P0001', constraint = 'rdv_capacity';
  end if;
  return new;
end $$;
create trigger participations_check_capacity before insert or update of status on participations
  for each row execute function participations_check_capacity();

-- Feature switches for progressive roll-out. The most specific row wins:
-- (organisation, service) > organisation > (territory, service) > territory; nothing set = off.
create table feature_switches (
  id bigint generated always as identity primary key,
  territory_id bigint not null references territories on delete cascade,
  organisation_id bigint references organisations on delete cascade,
  service_id bigint references services on delete cascade,
  feature text not null check (feature in ('outlook_sync', 'sms_reminders', 'email_reminders', 'online_booking', 'sectorisation', 'waitlist')),
  enabled boolean not null,
  updated_at timestamptz not null default now(),
  unique nulls not distinct (territory_id, organisation_id, service_id, feature)
);

-- Append-only audit log: who changed what, when, through which channel.
create table audit_log (
  id bigint generated always as identity primary key,
  at timestamptz not null default now(),
  actor_kind text not null check (actor_kind in ('agent', 'usager', 'system')),
  actor_agent_id bigint,
  channel text not null,
  entity_type text not null,
  entity_id bigint not null,
  action text not null,
  changes jsonb not null default '{}'
);
create index on audit_log (entity_type, entity_id, at);

create function audit_log_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'audit_log is append-only' using errcode = 'P0001';
end $$;
create trigger audit_log_append_only before update or delete on audit_log
  for each statement execute function audit_log_append_only();
