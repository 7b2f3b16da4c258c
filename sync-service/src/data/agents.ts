/** Data access: agents and their roles (who the caller is, what they may see). */
import type { AgentRole, TerritoryRight } from '../../../shared/src/domain';
import type { Db } from './db';

export interface AgentIdentity {
  id: number;
  email: string;
  firstName: string;
  lastName: string;
  /** Role per organisation id. */
  roles: Map<number, AgentRole>;
  /** Territory of each of those organisations. */
  orgTerritory: Map<number, number>;
  /** Territory-level rights held, per territory id. */
  territoryRights: Map<number, Set<TerritoryRight>>;
}

export type { TerritoryRight };

/**
 * The agent a token speaks for. The Entra object id (`oid`) is the identity; the sign-in name only finds an agent
 * whose object id is not known yet (first sign-in: the caller then binds it with `bindEntraOid`). A token whose
 * name matches an agent already bound to another object id is nobody: names can be reassigned, object ids cannot.
 */
export async function findAgentForToken(db: Db, claims: { oid: string; username?: string }): Promise<(AgentIdentity & { entraOid: string | null }) | null> {
  const { rows } = await db.query(
    `select a.id, a.email, a.first_name, a.last_name, a.entra_oid,
            coalesce(json_agg(json_build_object('org', r.organisation_id, 'role', r.role, 'territory', o.territory_id))
                     filter (where r.organisation_id is not null), '[]') as roles,
            coalesce((select json_agg(json_build_object('territory', tr.territory_id, 'right', tr.right_code))
                        from territory_rights tr where tr.agent_id = a.id), '[]') as territory_rights
       from agents a
       left join agent_roles r on r.agent_id = a.id
       left join organisations o on o.id = r.organisation_id
      where a.entra_oid = $1
         or ($2::text is not null and lower(a.email) = lower($2) and a.entra_oid is null)
      group by a.id
      order by (a.entra_oid = $1) desc nulls last
      limit 1`,
    [claims.oid, claims.username ?? null],
  );
  const r = rows[0];
  if (!r) return null;
  const roles = new Map<number, AgentRole>();
  const orgTerritory = new Map<number, number>();
  for (const x of r.roles as Array<{ org: number; role: AgentRole; territory: number }>) {
    roles.set(Number(x.org), x.role);
    orgTerritory.set(Number(x.org), Number(x.territory));
  }
  const territoryRights = new Map<number, Set<TerritoryRight>>();
  for (const x of r.territory_rights as Array<{ territory: number; right: TerritoryRight }>) {
    const t = Number(x.territory);
    territoryRights.set(t, (territoryRights.get(t) ?? new Set()).add(x.right));
  }
  return { id: r.id, email: r.email, firstName: r.first_name, lastName: r.last_name, roles, orgTerritory, territoryRights, entraOid: r.entra_oid };
}

/**
 * Records the agent's Entra object id at their first sign-in (never overwrites one already known). Returns the id
 * the agent is bound to afterwards: another one means a concurrent first sign-in of another account won.
 */
export async function bindEntraOid(db: Db, agentId: number, oid: string): Promise<{ boundTo: string | null; changed: boolean }> {
  const { rows } = await db.query('update agents set entra_oid = $2 where id = $1 and entra_oid is null returning entra_oid', [agentId, oid]);
  if (rows[0]) return { boundTo: rows[0].entra_oid, changed: true };
  const current = await db.query('select entra_oid from agents where id = $1', [agentId]);
  return { boundTo: current.rows[0]?.entra_oid ?? null, changed: false };
}

/** Agents holding territory rights in a territory. */
export async function listTerritoryRights(db: Db, territoryId: number) {
  const { rows } = await db.query(
    `select tr.agent_id, tr.right_code, tr.granted_at, a.first_name, a.last_name, a.email
       from territory_rights tr join agents a on a.id = tr.agent_id where tr.territory_id = $1 order by tr.agent_id, tr.right_code`,
    [territoryId]);
  return rows.map((r) => ({ agentId: r.agent_id, right: r.right_code, grantedAt: r.granted_at, firstName: r.first_name, lastName: r.last_name, email: r.email }));
}

/** Grants a territory right; false when the agent already held it. */
export async function grantTerritoryRight(db: Db, territoryId: number, agentId: number, right: TerritoryRight): Promise<boolean> {
  const { rowCount } = await db.query(
    'insert into territory_rights (territory_id, agent_id, right_code) values ($1, $2, $3) on conflict do nothing',
    [territoryId, agentId, right]);
  return (rowCount ?? 0) > 0;
}

/** Revokes a territory right; false when the agent did not hold it. */
export async function revokeTerritoryRight(db: Db, territoryId: number, agentId: number, right: TerritoryRight): Promise<boolean> {
  const { rowCount } = await db.query('delete from territory_rights where territory_id = $1 and agent_id = $2 and right_code = $3', [territoryId, agentId, right]);
  return (rowCount ?? 0) > 0;
}

/** The organisations where an agent has a role, with their territory. */
export async function agentOrganisations(db: Db, agentId: number): Promise<Array<{ organisationId: number; territoryId: number }>> {
  const { rows } = await db.query(
    'select r.organisation_id, o.territory_id from agent_roles r join organisations o on o.id = r.organisation_id where r.agent_id = $1 order by 1',
    [agentId]);
  return rows.map((r) => ({ organisationId: Number(r.organisation_id), territoryId: Number(r.territory_id) }));
}

/** Locks the territory's row: serialises changes to who holds its rights (never leave it without a keeper). */
export async function lockTerritory(db: Db, territoryId: number): Promise<boolean> {
  const { rowCount } = await db.query('select 1 from territories where id = $1 for update', [territoryId]);
  return (rowCount ?? 0) > 0;
}

export async function countTerritoryRightHolders(db: Db, territoryId: number, right: TerritoryRight): Promise<number> {
  const { rows } = await db.query('select count(*)::int as n from territory_rights where territory_id = $1 and right_code = $2', [territoryId, right]);
  return rows[0].n;
}
