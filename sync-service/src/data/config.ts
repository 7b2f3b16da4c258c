/**
 * Data access: the configuration tables (territories, organisations, services, lieux, agents, motifs, plages,
 * absences, feature switches). Rows travel as camelCase objects; table and column names come only from
 * this file's whitelists, values only as $n parameters.
 */
import type { Db } from './db';

export const CONFIG_TABLES = {
  territories: ['name', 'departement_code', 'time_zone', 'whit_monday_is_holiday', 'works_on_public_holidays', 'outlook_event_detail', 'outlook_deletion_policy', 'outlook_tentative_blocks',
    'usager_follow_across_organisations'],
  organisations: ['territory_id', 'name', 'phone', 'email', 'address'],
  services: ['territory_id', 'name', 'short_name'],
  lieux: ['organisation_id', 'name', 'address', 'phone', 'availability'],
  motifs: ['organisation_id', 'service_id', 'name', 'color', 'duration_minutes', 'buffer_minutes', 'location_type', 'min_booking_delay_minutes',
    'max_booking_delay_minutes', 'bookable_by', 'reminders_enabled', 'visibility', 'collective', 'default_capacity'],
  plages: ['organisation_id', 'agent_id', 'lieu_id', 'title', 'first_day', 'start_time', 'end_time', 'start_time_2', 'end_time_2', 'recurrence', 'buffer_minutes_override'],
  absences: ['organisation_id', 'agent_id', 'title', 'first_day', 'start_time', 'end_day', 'end_time', 'recurrence'],
  agents: ['first_name', 'last_name', 'email', 'entra_oid', 'outlook_mailbox', 'outlook_sync_opt_out'],
} as const;
export type ConfigTable = keyof typeof CONFIG_TABLES;

const JSON_COLUMNS = new Set(['recurrence']);
const snake = (k: string) => k.replace(/[A-Z0-9]+/g, (m) => `_${m.toLowerCase()}`).replace(/_(\d)/, '$1');
const camel = (k: string) => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

export function toCamel(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[camel(k)] = typeof v === 'string' && /^\d\d:\d\d:\d\d$/.test(v) ? v.slice(0, 5) : v;
  return out;
}

/** Picks the whitelisted columns present in a camelCase object. */
function columnsOf(table: ConfigTable, values: Record<string, unknown>): Array<[string, unknown]> {
  const allowed = new Set<string>(CONFIG_TABLES[table]);
  return Object.entries(values)
    .map(([k, v]) => [k === 'startTime2' ? 'start_time_2' : k === 'endTime2' ? 'end_time_2' : snake(k), v] as [string, unknown])
    .filter(([c, v]) => allowed.has(c) && v !== undefined)
    .map(([c, v]) => [c, JSON_COLUMNS.has(c) && v !== null ? JSON.stringify(v) : v]);
}

export async function insertRow(db: Db, table: ConfigTable, values: Record<string, unknown>): Promise<Record<string, unknown>> {
  const cols = columnsOf(table, values);
  const { rows } = await db.query(
    `insert into ${table} (${cols.map(([c]) => c).join(', ')}) values (${cols.map((_, i) => `$${i + 1}`).join(', ')}) returning *`,
    cols.map(([, v]) => v),
  );
  return toCamel(rows[0]);
}

export async function updateRow(db: Db, table: ConfigTable, id: number, values: Record<string, unknown>): Promise<Record<string, unknown> | null> {
  const cols = columnsOf(table, values);
  if (cols.length === 0) return getRow(db, table, id);
  const { rows } = await db.query(
    `update ${table} set ${cols.map(([c], i) => `${c} = $${i + 2}`).join(', ')} where id = $1 returning *`,
    [id, ...cols.map(([, v]) => v)],
  );
  return rows[0] ? toCamel(rows[0]) : null;
}

export async function getRow(db: Db, table: ConfigTable, id: number): Promise<Record<string, unknown> | null> {
  const { rows } = await db.query(`select * from ${table} where id = $1`, [id]);
  return rows[0] ? toCamel(rows[0]) : null;
}

export async function deleteRow(db: Db, table: ConfigTable, id: number): Promise<boolean> {
  const { rowCount } = await db.query(`delete from ${table} where id = $1`, [id]);
  return (rowCount ?? 0) > 0;
}

/** Rows whose `column` is one of `ids` (e.g. every lieu of the caller's organisations). */
export async function listRows(db: Db, table: ConfigTable, column: 'id' | 'territory_id' | 'organisation_id', ids: number[]) {
  const { rows } = await db.query(`select * from ${table} where ${column} = any($1::bigint[]) order by id`, [ids]);
  return rows.map(toCamel);
}

// ---- relations ----
export async function setPlageMotifs(db: Db, plageId: number, motifIds: number[]): Promise<void> {
  await db.query('delete from plage_motifs where plage_id = $1', [plageId]);
  await db.query('insert into plage_motifs (plage_id, motif_id) select $1, m from unnest($2::bigint[]) m', [plageId, motifIds]);
}

export async function plageMotifs(db: Db, plageIds: number[]): Promise<Map<number, number[]>> {
  const { rows } = await db.query('select plage_id, motif_id from plage_motifs where plage_id = any($1::bigint[]) order by motif_id', [plageIds]);
  const m = new Map<number, number[]>();
  for (const r of rows) m.set(r.plage_id, [...(m.get(r.plage_id) ?? []), r.motif_id]);
  return m;
}

export async function motifsOfOrganisation(db: Db, organisationId: number, motifIds: number[]): Promise<number[]> {
  const { rows } = await db.query('select id from motifs where organisation_id = $1 and id = any($2::bigint[])', [organisationId, motifIds]);
  return rows.map((r) => r.id);
}

export async function organisationTerritory(db: Db, organisationId: number): Promise<number | null> {
  const { rows } = await db.query('select territory_id from organisations where id = $1', [organisationId]);
  return rows[0]?.territory_id ?? null;
}

/** The département code of a territory ('86', '974'…): it decides how phone numbers typed there are read. */
export async function territoryDepartementCode(db: Db, territoryId: number): Promise<string | null> {
  const { rows } = await db.query('select departement_code from territories where id = $1', [territoryId]);
  return rows[0]?.departement_code ?? null;
}

export async function serviceTerritory(db: Db, serviceId: number): Promise<number | null> {
  const { rows } = await db.query('select territory_id from services where id = $1', [serviceId]);
  return rows[0]?.territory_id ?? null;
}

export async function setAgentRole(db: Db, agentId: number, organisationId: number, role: string): Promise<void> {
  await db.query(
    `insert into agent_roles (agent_id, organisation_id, role) values ($1, $2, $3)
     on conflict (agent_id, organisation_id) do update set role = excluded.role`, [agentId, organisationId, role]);
}

export async function removeAgentRole(db: Db, agentId: number, organisationId: number): Promise<boolean> {
  const { rowCount } = await db.query('delete from agent_roles where agent_id = $1 and organisation_id = $2', [agentId, organisationId]);
  return (rowCount ?? 0) > 0;
}

export async function setAgentServices(db: Db, agentId: number, serviceIds: number[]): Promise<void> {
  await db.query('insert into agent_services (agent_id, service_id) select $1, s from unnest($2::bigint[]) s on conflict do nothing', [agentId, serviceIds]);
}

export async function agentsOfOrganisations(db: Db, organisationIds: number[]) {
  const { rows } = await db.query(
    `select a.*, r.organisation_id, r.role,
            coalesce((select array_agg(service_id order by service_id) from agent_services s where s.agent_id = a.id), '{}') as service_ids
       from agents a join agent_roles r on r.agent_id = a.id where r.organisation_id = any($1::bigint[]) order by a.last_name, a.first_name`,
    [organisationIds]);
  return rows.map(toCamel);
}

export async function agentRoleIn(db: Db, agentId: number, organisationId: number): Promise<string | null> {
  const { rows } = await db.query('select role from agent_roles where agent_id = $1 and organisation_id = $2', [agentId, organisationId]);
  return rows[0]?.role ?? null;
}

// ---- feature switches ----
export async function upsertFeatureSwitch(db: Db, s: { territoryId: number; organisationId?: number | null; serviceId?: number | null; feature: string; enabled: boolean }) {
  const { rows } = await db.query(
    `insert into feature_switches (territory_id, organisation_id, service_id, feature, enabled) values ($1, $2, $3, $4, $5)
     on conflict (territory_id, organisation_id, service_id, feature) do update set enabled = excluded.enabled, updated_at = now()
     returning *`,
    [s.territoryId, s.organisationId ?? null, s.serviceId ?? null, s.feature, s.enabled]);
  return toCamel(rows[0]);
}

export async function listFeatureSwitches(db: Db, territoryIds: number[]) {
  const { rows } = await db.query('select * from feature_switches where territory_id = any($1::bigint[]) order by id', [territoryIds]);
  return rows.map(toCamel);
}

export async function deleteFeatureSwitch(db: Db, id: number) {
  const { rows } = await db.query('delete from feature_switches where id = $1 returning territory_id, organisation_id', [id]);
  return rows[0] as { territory_id: number; organisation_id: number | null } | undefined;
}

export async function featureSwitchScope(db: Db, id: number) {
  const { rows } = await db.query('select territory_id, organisation_id, feature from feature_switches where id = $1', [id]);
  return rows[0] as { territory_id: number; organisation_id: number | null; feature: string } | undefined;
}

/**
 * Effective switches for an organisation (and optionally a service): the most specific row wins,
 * (organisation, service) > organisation > (territory, service) > territory; nothing set = off.
 */
export async function effectiveFeatures(db: Db, organisationId: number, serviceId: number | null): Promise<Record<string, boolean>> {
  const { rows } = await db.query(
    `select distinct on (f.feature) f.feature, f.enabled
       from feature_switches f join organisations o on o.territory_id = f.territory_id and o.id = $1
      where (f.organisation_id is null or f.organisation_id = $1)
        and (f.service_id is null or f.service_id = $2)
      order by f.feature, (f.organisation_id is not null) desc, (f.service_id is not null) desc`,
    [organisationId, serviceId]);
  return Object.fromEntries(rows.map((r) => [r.feature, r.enabled]));
}

/** Agents with a role in an organisation of the territory (or in that organisation): what a switch there may change. */
export async function agentIdsUnderSwitch(db: Db, territoryId: number, organisationId: number | null): Promise<number[]> {
  const { rows } = await db.query(
    `select distinct r.agent_id from agent_roles r join organisations o on o.id = r.organisation_id
      where o.territory_id = $1 and ($2::bigint is null or o.id = $2) order by r.agent_id`, [territoryId, organisationId]);
  return rows.map((r) => Number(r.agent_id));
}
