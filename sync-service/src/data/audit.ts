/** Data access: the append-only audit log (who changed what, when, through which channel). */
import type { Db } from './db';

export interface Actor { kind: 'agent' | 'usager' | 'system'; agentId?: number | null; channel: string }

export async function appendAudit(
  db: Db, actor: Actor, entityType: string, entityId: number, action: string, changes: Record<string, unknown> = {}, at?: Date,
): Promise<void> {
  await db.query(
    `insert into audit_log (at, actor_kind, actor_agent_id, channel, entity_type, entity_id, action, changes)
     values (coalesce($1, now()), $2, $3, $4, $5, $6, $7, $8)`,
    [at ?? null, actor.kind, actor.agentId ?? null, actor.channel, entityType, entityId, action, JSON.stringify(changes)],
  );
}

export async function listAudit(db: Db, entityType: string, entityId: number) {
  const { rows } = await db.query(
    `select l.at, l.actor_kind, l.actor_agent_id, a.first_name || ' ' || a.last_name as actor_name, l.channel, l.action, l.changes
       from audit_log l left join agents a on a.id = l.actor_agent_id
      where l.entity_type = $1 and l.entity_id = $2 order by l.at, l.id`,
    [entityType, entityId],
  );
  return rows.map((r) => ({
    at: r.at, actorKind: r.actor_kind, actorAgentId: r.actor_agent_id, actorName: r.actor_name, channel: r.channel, action: r.action, changes: r.changes,
  }));
}
