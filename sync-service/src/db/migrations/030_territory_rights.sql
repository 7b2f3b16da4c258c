-- Territory-level rights (issue 9): a few agents of a département hold rights above any organisation's admin.
--   agent_identities: bind an agent to an Entra account (entra_oid) or an Outlook mailbox, and grant or revoke
--                     these rights. An organisation's admin cannot: an agent may also work for other
--                     organisations, and rebinding them would take over their access there.
--   usager_follow:    make one's organisation follow an usager already followed by another organisation of the
--                     territory (only where the territory allows it at all).
-- Every grant, revocation and use is written to audit_log by the service.
create table territory_rights (
  territory_id bigint not null references territories on delete cascade,
  agent_id bigint not null references agents on delete cascade,
  right_code text not null check (right_code in ('agent_identities', 'usager_follow')),
  granted_at timestamptz not null default now(),
  primary key (territory_id, agent_id, right_code)
);
create index on territory_rights (agent_id);

-- Whether organisations of the territory may follow each other's usagers at all (PMI, family planning and social
-- services of one département may keep their usagers apart). Off by default.
alter table territories add column usager_follow_across_organisations boolean not null default false;
