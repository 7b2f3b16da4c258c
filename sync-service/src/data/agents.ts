/** Data access: agents and their roles (who the caller is, what they may see). */
import type { AgentRole } from '../../../shared/src/domain';
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
}

/**
 * The agent a token speaks for. The Entra object id (`oid`) is the identity; the sign-in name only finds an agent
 * whose object id is not known yet (first sign-in: the caller then binds it with `bindEntraOid`). A token whose
 * name matches an agent already bound to another object id is nobody: names can be reassigned, object ids cannot.
 */
export async function findAgentForToken(db: Db, claims: { oid: string; username?: string }): Promise<(AgentIdentity & { entraOid: string | null }) | null> {
  const { rows } = await db.query(
    `select a.id, a.email, a.first_name, a.last_name, a.entra_oid,
            coalesce(json_agg(json_build_object('org', r.organisation_id, 'role', r.role, 'territory', o.territory_id))
                     filter (where r.organisation_id is not null), '[]') as roles
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
  return { id: r.id, email: r.email, firstName: r.first_name, lastName: r.last_name, roles, orgTerritory, entraOid: r.entra_oid };
}

/** Records the agent's Entra object id at their first sign-in (never overwrites one already known). */
export async function bindEntraOid(db: Db, agentId: number, oid: string): Promise<void> {
  await db.query('update agents set entra_oid = $2 where id = $1 and entra_oid is null', [agentId, oid]);
}
