/** Data access: RDVs, their agents and participants. */
import type { RdvStatus } from '../../../shared/src/domain';
import type { Db } from './db';

export interface MotifRow {
  id: number; organisationId: number; serviceId: number; territoryId: number; timeZone: string; name: string;
  durationMinutes: number; bufferMinutes: number; locationType: string; collective: boolean; defaultCapacity: number | null;
  minBookingDelayMinutes: number; maxBookingDelayMinutes: number; archived: boolean;
  /** Settings of the motif's territory that availability depends on. */
  territory: { timeZone: string; departementCode: string; whitMondayIsHoliday: boolean; worksOnPublicHolidays: boolean; tentativeBlocks: boolean };
}

export async function getMotif(db: Db, id: number): Promise<MotifRow | null> {
  const { rows } = await db.query(
    `select m.*, o.territory_id, t.time_zone, t.departement_code, t.whit_monday_is_holiday, t.works_on_public_holidays,
            t.outlook_tentative_blocks from motifs m join organisations o on o.id = m.organisation_id
       join territories t on t.id = o.territory_id where m.id = $1`, [id]);
  const m = rows[0];
  if (!m) return null;
  return {
    id: m.id, organisationId: m.organisation_id, serviceId: m.service_id, territoryId: m.territory_id, timeZone: m.time_zone, name: m.name,
    durationMinutes: m.duration_minutes, bufferMinutes: m.buffer_minutes, locationType: m.location_type, collective: m.collective,
    defaultCapacity: m.default_capacity, minBookingDelayMinutes: m.min_booking_delay_minutes, maxBookingDelayMinutes: m.max_booking_delay_minutes,
    archived: m.archived_at !== null,
    territory: {
      timeZone: m.time_zone, departementCode: m.departement_code, whitMondayIsHoliday: m.whit_monday_is_holiday,
      worksOnPublicHolidays: m.works_on_public_holidays, tentativeBlocks: m.outlook_tentative_blocks,
    },
  };
}

export interface RdvRow {
  id: number; uuid: string; organisationId: number; motifId: number; lieuId: number | null; startsAt: Date; endsAt: Date;
  status: RdvStatus; collective: boolean; capacity: number | null; address: string | null; context: string | null;
  cancelReason: string | null; cancelledAt: Date | null; createdByAgentId: number | null; channel: string; sequence: number;
  createdAt: Date; updatedAt: Date; agentIds: number[];
}

const RDV_COLUMNS = `r.id, r.uuid, r.organisation_id, r.motif_id, r.lieu_id, r.starts_at, r.ends_at, r.status, r.collective, r.capacity,
  r.address, r.context, r.cancel_reason, r.cancelled_at, r.created_by_agent_id, r.channel, r.sequence, r.created_at, r.updated_at,
  coalesce((select array_agg(ra.agent_id order by ra.agent_id) from rdv_agents ra where ra.rdv_id = r.id), '{}') as agent_ids`;

function toRdv(r: any): RdvRow {
  return {
    id: r.id, uuid: r.uuid, organisationId: r.organisation_id, motifId: r.motif_id, lieuId: r.lieu_id, startsAt: r.starts_at,
    endsAt: r.ends_at, status: r.status, collective: r.collective, capacity: r.capacity, address: r.address, context: r.context,
    cancelReason: r.cancel_reason, cancelledAt: r.cancelled_at, createdByAgentId: r.created_by_agent_id, channel: r.channel,
    sequence: r.sequence, createdAt: r.created_at, updatedAt: r.updated_at, agentIds: (r.agent_ids as Array<number | string>).map(Number),
  };
}

export async function getRdv(db: Db, id: number, opts: { forUpdate?: boolean } = {}): Promise<RdvRow | null> {
  const { rows } = await db.query(`select ${RDV_COLUMNS} from rdvs r where r.id = $1 ${opts.forUpdate ? 'for update of r' : ''}`, [id]);
  return rows[0] ? toRdv(rows[0]) : null;
}

export async function insertRdv(db: Db, r: {
  organisationId: number; motifId: number; lieuId: number | null; startsAt: Date; endsAt: Date; collective: boolean;
  capacity: number | null; address: string | null; context: string | null; createdByAgentId: number | null; channel: string; now: Date;
}): Promise<number> {
  const { rows } = await db.query(
    `insert into rdvs (organisation_id, motif_id, lieu_id, starts_at, ends_at, collective, capacity, address, context,
                       created_by_agent_id, channel, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) returning id`,
    [r.organisationId, r.motifId, r.lieuId, r.startsAt, r.endsAt, r.collective, r.capacity, r.address, r.context, r.createdByAgentId, r.channel, r.now],
  );
  return rows[0].id;
}

/**
 * Locks the agents' rows, in id order, for the rest of the transaction. Every transaction that makes an RDV
 * occupy an agent's time (create, move, un-cancel) takes this lock after the RDV's row and before writing
 * rdv_agents, so that bookings of one agent queue here one after the other. Without it they meet inside the
 * no-overlap exclusion constraint, where two bookings waiting for a third one that rolls back (or naming the same
 * agents in another order) wait for each other: a deadlock. NO KEY UPDATE does not block the KEY SHARE locks that
 * foreign keys to agents take, so reads and unrelated inserts never wait for it.
 */
export async function lockAgents(db: Db, agentIds: number[]): Promise<void> {
  await db.query('select id from agents where id = any($1::bigint[]) order by id for no key update', [agentIds]);
}

/** Removes the agents no longer listed from an RDV. */
export async function removeRdvAgentsExcept(db: Db, rdvId: number, agentIds: number[]): Promise<void> {
  await db.query('delete from rdv_agents where rdv_id = $1 and not (agent_id = any($2::bigint[]))', [rdvId, agentIds]);
}

/** Adds these agents to an RDV (those already on it stay; `removeRdvAgentsExcept` removes the others). */
export async function setRdvAgents(db: Db, rdvId: number, agentIds: number[]): Promise<void> {
  await db.query(
    `insert into rdv_agents (rdv_id, agent_id, starts_at, ends_at, live)
     select $1, a, 'epoch', 'epoch', false from unnest($2::bigint[]) a
     on conflict (rdv_id, agent_id) do nothing`, // times filled by trigger. The conflict target matters: a bare
    // ON CONFLICT DO NOTHING would also swallow the no-overlap exclusion constraint and leave an RDV without agent.
    [rdvId, agentIds],
  );
}

export async function addParticipations(db: Db, rdvId: number, usagerIds: number[]): Promise<number[]> {
  const { rows } = await db.query(
    `insert into participations (rdv_id, usager_id) select $1, u from unnest($2::bigint[]) u
     on conflict (rdv_id, usager_id) do update set status = 'unknown' where participations.status in ('excused', 'revoked')
     returning usager_id`,
    [rdvId, usagerIds],
  );
  return rows.map((r) => r.usager_id);
}

export async function updateRdvTimes(db: Db, id: number, startsAt: Date, endsAt: Date, lieuId: number | null, now: Date): Promise<void> {
  await db.query(
    `update rdvs set starts_at = $2, ends_at = $3, lieu_id = $4, sequence = sequence + 1, updated_at = $5 where id = $1`,
    [id, startsAt, endsAt, lieuId, now],
  );
}

export async function updateRdvStatus(db: Db, id: number, status: RdvStatus, reason: string | null, now: Date): Promise<void> {
  const cancelling = status === 'excused' || status === 'revoked';
  await db.query(
    `update rdvs set status = $2, cancel_reason = $3, cancelled_at = $4, updated_at = $5,
            sequence = sequence + (case when $6 then 1 else 0 end) where id = $1`,
    [id, status, cancelling ? reason : null, cancelling ? now : null, now, cancelling],
  );
  if (cancelling) await db.query(`update participations set status = $2 where rdv_id = $1 and status = 'unknown'`, [id, status]);
}

/** Live RDVs of these agents overlapping [start, end), other than `exceptRdvId`: what a booking collides with. */
export async function findOverlappingRdv(db: Db, agentIds: number[], start: Date, end: Date, exceptRdvId?: number) {
  const { rows } = await db.query(
    `select ra.rdv_id, ra.agent_id, ra.starts_at, ra.ends_at from rdv_agents ra
      where ra.live and ra.agent_id = any($1::bigint[]) and tstzrange(ra.starts_at, ra.ends_at) && tstzrange($2, $3)
        and ra.rdv_id <> coalesce($4, -1) order by ra.starts_at limit 1`,
    [agentIds, start, end, exceptRdvId ?? null],
  );
  const r = rows[0];
  return r ? { rdvId: r.rdv_id as number, agentId: r.agent_id as number, startsAt: r.starts_at as Date, endsAt: r.ends_at as Date } : null;
}

export async function listRdvs(db: Db, q: { agentId?: number; organisationIds: number[]; from: Date; to: Date; status?: RdvStatus }) {
  const { rows } = await db.query(
    `select ${RDV_COLUMNS}, m.name as motif_name, m.location_type, m.color, l.name as lieu_name,
            (select count(*) from participations p where p.rdv_id = r.id and p.status not in ('excused', 'revoked')) as participants
       from rdvs r join motifs m on m.id = r.motif_id left join lieux l on l.id = r.lieu_id
      where r.organisation_id = any($1::bigint[]) and r.starts_at < $3 and r.ends_at > $2
        and ($4::bigint is null or exists (select 1 from rdv_agents ra where ra.rdv_id = r.id and ra.agent_id = $4))
        and ($5::text is null or r.status = $5)
      order by r.starts_at, r.id`,
    [q.organisationIds, q.from, q.to, q.agentId ?? null, q.status ?? null],
  );
  return rows.map((r) => ({ ...toRdv(r), motifName: r.motif_name, locationType: r.location_type, color: r.color, lieuName: r.lieu_name, participants: Number(r.participants) }));
}

export async function listParticipants(db: Db, rdvId: number) {
  const { rows } = await db.query(
    `select p.usager_id, p.status, u.first_name, u.last_name, u.birth_date, u.phone, u.email, u.responsible_id
       from participations p join usagers u on u.id = p.usager_id where p.rdv_id = $1 order by u.last_name, u.first_name`,
    [rdvId],
  );
  return rows.map((r) => ({
    usagerId: r.usager_id, status: r.status, firstName: r.first_name, lastName: r.last_name, birthDate: r.birth_date,
    phone: r.phone, email: r.email, responsibleId: r.responsible_id,
  }));
}

/** Agents that exist and have a role in the organisation (others cannot be given an RDV there). */
export async function agentsInOrganisation(db: Db, organisationId: number, agentIds: number[]): Promise<number[]> {
  const { rows } = await db.query(
    'select agent_id from agent_roles where organisation_id = $1 and agent_id = any($2::bigint[])', [organisationId, agentIds]);
  return rows.map((r) => r.agent_id);
}

export async function lieuOfOrganisation(db: Db, lieuId: number, organisationId: number) {
  const { rows } = await db.query('select id, availability from lieux where id = $1 and organisation_id = $2', [lieuId, organisationId]);
  return rows[0] as { id: number; availability: string } | undefined;
}

/**
 * The usagers among `usagerIds` that the organisation follows, with their household (the responsible usager's id
 * for a relative, else their own). An usager of another organisation is indistinguishable from a missing one.
 */
export async function usagersFollowedBy(db: Db, organisationId: number, usagerIds: number[]): Promise<Array<{ id: number; household: number }>> {
  const { rows } = await db.query(
    `select u.id, coalesce(u.responsible_id, u.id) as household from usagers u
      where u.id = any($2::bigint[]) and exists (select 1 from usager_organisations uo where uo.usager_id = u.id and uo.organisation_id = $1)`,
    [organisationId, usagerIds]);
  return rows.map((r) => ({ id: Number(r.id), household: Number(r.household) }));
}

/** Households of an RDV's participants still taking part (not excused or revoked). */
export async function participantHouseholds(db: Db, rdvId: number): Promise<number[]> {
  const { rows } = await db.query(
    `select distinct coalesce(u.responsible_id, u.id) as household from participations p join usagers u on u.id = p.usager_id
      where p.rdv_id = $1 and p.status not in ('excused', 'revoked')`, [rdvId]);
  return rows.map((r) => Number(r.household));
}
