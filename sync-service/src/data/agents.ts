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

export async function findAgentForToken(db: Db, claims: { oid?: string; username?: string }): Promise<AgentIdentity | null> {
  const { rows } = await db.query(
    `select a.id, a.email, a.first_name, a.last_name,
            coalesce(json_agg(json_build_object('org', r.organisation_id, 'role', r.role, 'territory', o.territory_id))
                     filter (where r.organisation_id is not null), '[]') as roles
       from agents a
       left join agent_roles r on r.agent_id = a.id
       left join organisations o on o.id = r.organisation_id
      where ($1::text is not null and a.entra_oid = $1) or ($2::text is not null and lower(a.email) = lower($2))
      group by a.id
      order by (a.entra_oid = $1) desc nulls last
      limit 1`,
    [claims.oid ?? null, claims.username ?? null],
  );
  const r = rows[0];
  if (!r) return null;
  const roles = new Map<number, AgentRole>();
  const orgTerritory = new Map<number, number>();
  for (const x of r.roles as Array<{ org: number; role: AgentRole; territory: number }>) {
    roles.set(Number(x.org), x.role);
    orgTerritory.set(Number(x.org), Number(x.territory));
  }
  return { id: r.id, email: r.email, firstName: r.first_name, lastName: r.last_name, roles, orgTerritory };
}
