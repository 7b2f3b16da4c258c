/** Data access: everything the availability engine needs for one motif over a period, in one round of queries. */
import type { Recurrence, RdvStatus } from '../../../shared/src/domain';
import type { Db } from './db';

const hhmm = (t: string | null) => (t == null ? null : t.slice(0, 5));

// `until` is compared as text (YYYY-MM-DD sorts like the date): a malformed or out-of-range value saved in the past
// must not make PostgreSQL fail the whole query on a cast. Such rows are filtered out by availability.ts.

/** Plages offering the motif (optionally at one lieu / for one agent) that may occur in [fromDay, toDay]. */
export async function plagesForMotif(db: Db, q: { motifId: number; lieuId?: number | null; agentId?: number | null; fromDay: string; toDay: string }) {
  const { rows } = await db.query(
    `select p.id, p.agent_id, p.lieu_id, p.first_day, p.start_time, p.end_time, p.start_time_2, p.end_time_2, p.recurrence,
            p.buffer_minutes_override, array_agg(pm2.motif_id) as motif_ids
       from plages p
       join plage_motifs pm on pm.plage_id = p.id and pm.motif_id = $1
       join plage_motifs pm2 on pm2.plage_id = p.id
       left join lieux l on l.id = p.lieu_id
      where ($2::bigint is null or p.lieu_id = $2) and ($3::bigint is null or p.agent_id = $3)
        and p.first_day <= $5::date
        and (p.recurrence is null and p.first_day >= $4::date
             or p.recurrence is not null and coalesce(p.recurrence->>'until', '9999-12-31') >= $4::text)
        and (l.id is null or l.availability <> 'disabled')
      group by p.id`,
    [q.motifId, q.lieuId ?? null, q.agentId ?? null, q.fromDay, q.toDay],
  );
  return rows.map((p) => ({
    id: p.id as number, agentId: p.agent_id as number, lieuId: p.lieu_id as number | null, motifIds: (p.motif_ids as number[]).map(Number),
    firstDay: p.first_day as string, startTime: hhmm(p.start_time)!, endTime: hhmm(p.end_time)!, startTime2: hhmm(p.start_time_2),
    endTime2: hhmm(p.end_time_2), recurrence: p.recurrence as Recurrence | null, bufferMinutesOverride: p.buffer_minutes_override as number | null,
  }));
}

/** The agents' absences in every organisation (busy time belongs to the agent, not to one organisation). */
export async function absencesOfAgents(db: Db, agentIds: number[], fromDay: string, toDay: string) {
  const { rows } = await db.query(
    `select id, agent_id, first_day, start_time, end_day, end_time, recurrence from absences
      where agent_id = any($1::bigint[]) and first_day <= $3::date
        and (recurrence is null and end_day >= $2::date
             or recurrence is not null and coalesce(recurrence->>'until', '9999-12-31') >= $2::text)`,
    [agentIds, fromDay, toDay],
  );
  return rows.map((a) => ({
    id: a.id as number, agentId: a.agent_id as number, firstDay: a.first_day as string, startTime: hhmm(a.start_time)!, endDay: a.end_day as string,
    endTime: hhmm(a.end_time)!, recurrence: a.recurrence as Recurrence | null,
  }));
}

/** Outlook busy time that blocks booking: busy and out-of-office, and tentative where the territory says so. */
export async function busyBlocksOfAgents(db: Db, agentIds: number[], from: Date, to: Date, tentativeBlocks: boolean) {
  const { rows } = await db.query(
    // Epoch milliseconds parse much faster than timestamptz text: this query may return thousands of rows per search.
    `select agent_id, (extract(epoch from starts_at) * 1000)::float8 as s, (extract(epoch from ends_at) * 1000)::float8 as e from busy_blocks
      where agent_id = any($1::bigint[]) and starts_at < $3 and ends_at > $2
        and (show_as in ('busy', 'oof') or ($4 and show_as = 'tentative'))`,
    [agentIds, from, to, tentativeBlocks],
  );
  return rows.map((b) => ({ agentId: b.agent_id as number, start: new Date(b.s), end: new Date(b.e) }));
}

/**
 * The agents' live RDVs in every organisation, with the buffer of their motif. Excused and revoked RDVs free their
 * time, so they are not even loaded. Reads rdv_agents (indexed by agent and start) and groups agents per RDV here.
 */
export async function rdvsOfAgents(db: Db, agentIds: number[], from: Date, to: Date, ignoreRdvId?: number) {
  const { rows } = await db.query(
    `select ra.rdv_id, ra.agent_id, (extract(epoch from ra.starts_at) * 1000)::float8 as s, (extract(epoch from ra.ends_at) * 1000)::float8 as e,
            r.status, m.buffer_minutes
       from rdv_agents ra join rdvs r on r.id = ra.rdv_id join motifs m on m.id = r.motif_id
      where ra.live and ra.agent_id = any($1::bigint[]) and ra.starts_at < $3 and ra.ends_at > $2::timestamptz - interval '4 hours'
        and ra.rdv_id <> coalesce($4, -1)`,
    [agentIds, from, to, ignoreRdvId ?? null],
  );
  const byRdv = new Map<number, { id: number; agentIds: number[]; start: Date; end: Date; status: RdvStatus; bufferMinutes: number }>();
  for (const r of rows) {
    const known = byRdv.get(r.rdv_id);
    if (known) known.agentIds.push(r.agent_id);
    else byRdv.set(r.rdv_id, { id: r.rdv_id, agentIds: [r.agent_id], start: new Date(r.s), end: new Date(r.e), status: r.status, bufferMinutes: r.buffer_minutes });
  }
  return [...byRdv.values()];
}

/** Upcoming collective RDVs of a motif with seats left (collective motifs offer these instead of computed slots). */
export async function openCollectiveRdvs(db: Db, q: { motifId: number; lieuId?: number | null; from: Date; to: Date; now: Date }) {
  const { rows } = await db.query(
    `select r.id, r.starts_at, r.ends_at, r.lieu_id, r.capacity,
            r.capacity - (select count(*) from participations p where p.rdv_id = r.id and p.status not in ('excused', 'revoked')) as seats_left,
            coalesce((select array_agg(agent_id) from rdv_agents where rdv_id = r.id), '{}') as agent_ids
       from rdvs r
      where r.motif_id = $1 and r.collective and r.status not in ('revoked', 'excused') and ($2::bigint is null or r.lieu_id = $2)
        and r.starts_at >= greatest($3::timestamptz, $5::timestamptz) and r.starts_at < $4::timestamptz
      order by r.starts_at`,
    [q.motifId, q.lieuId ?? null, q.from, q.to, q.now],
  );
  return rows.filter((r) => Number(r.seats_left) > 0).map((r) => ({
    rdvId: r.id as number, start: r.starts_at as Date, end: r.ends_at as Date, lieuId: r.lieu_id as number | null,
    capacity: r.capacity as number, seatsLeft: Number(r.seats_left), agentIds: (r.agent_ids as number[]).map(Number),
  }));
}
