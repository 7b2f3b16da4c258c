/** Data access: usagers (citizens), their relatives and the organisations that follow them. */
import type { Db } from './db';
import { toCamel } from './config';

const COLUMNS = `u.id, u.territory_id, u.first_name, u.last_name, u.birth_name, u.birth_date, u.phone, u.email, u.address,
  u.commune_code, u.notify_by_sms, u.notify_by_email, u.responsible_id, u.created_at, u.updated_at`;

/** Usagers followed by one of `organisationIds`, matching every given criterion; accent- and case-insensitive. */
export async function searchUsagers(db: Db, q: { organisationIds: number[]; text?: string; phoneDigits?: string; birthDate?: string; limit: number }) {
  const words = (q.text ?? '').split(/\s+/).filter(Boolean);
  const { rows } = await db.query(
    `select ${COLUMNS} from usagers u
      where exists (select 1 from usager_organisations uo where uo.usager_id = u.id and uo.organisation_id = any($1::bigint[]))
        and (cardinality($2::text[]) = 0 or (
              select bool_and(f_search_key(u.last_name || ' ' || u.first_name || ' ' || coalesce(u.birth_name, '')) like '%' || f_search_key(w) || '%')
                from unnest($2::text[]) w))
        and ($3::text is null or regexp_replace(u.phone, '\\D', '', 'g') like '%' || $3)
        and ($4::date is null or u.birth_date = $4)
      order by f_search_key(u.last_name), f_search_key(u.first_name), u.id
      limit $5`,
    [q.organisationIds, words, q.phoneDigits ?? null, q.birthDate ?? null, q.limit],
  );
  return rows.map(toCamel);
}

export async function getUsager(db: Db, id: number) {
  const { rows } = await db.query(`select ${COLUMNS} from usagers u where u.id = $1`, [id]);
  return rows[0] ? toCamel(rows[0]) : null;
}

export async function usagerOrganisations(db: Db, id: number): Promise<number[]> {
  const { rows } = await db.query('select organisation_id from usager_organisations where usager_id = $1', [id]);
  return rows.map((r) => r.organisation_id);
}

/**
 * The organisation starts following the usager's household (the responsible usager and every relative of theirs):
 * reminders of a relative go to the responsible one, and an individual RDV may gather a household. Returns the ids
 * newly followed.
 */
export async function followHousehold(db: Db, usagerId: number, organisationId: number): Promise<number[]> {
  const { rows } = await db.query(
    `insert into usager_organisations (usager_id, organisation_id)
     select h.id, $2 from usagers u join usagers h on h.id = coalesce(u.responsible_id, u.id) or h.responsible_id = coalesce(u.responsible_id, u.id)
      where u.id = $1
     on conflict do nothing returning usager_id`,
    [usagerId, organisationId]);
  return rows.map((r) => Number(r.usager_id)).sort((a, b) => a - b);
}

export async function relativesOf(db: Db, id: number) {
  const { rows } = await db.query(`select ${COLUMNS} from usagers u where u.responsible_id = $1 order by u.birth_date nulls last, u.id`, [id]);
  return rows.map(toCamel);
}

const FIELDS: Record<string, string> = {
  firstName: 'first_name', lastName: 'last_name', birthName: 'birth_name', birthDate: 'birth_date', phone: 'phone', email: 'email',
  address: 'address', communeCode: 'commune_code', notifyBySms: 'notify_by_sms', notifyByEmail: 'notify_by_email', responsibleId: 'responsible_id',
};

export async function insertUsager(db: Db, territoryId: number, organisationId: number, values: Record<string, unknown>) {
  const cols = Object.entries(values).filter(([k, v]) => FIELDS[k] && v !== undefined);
  const { rows } = await db.query(
    `insert into usagers (territory_id, ${cols.map(([k]) => FIELDS[k]).join(', ')})
     values ($1, ${cols.map((_, i) => `$${i + 2}`).join(', ')}) returning id`,
    [territoryId, ...cols.map(([, v]) => v)],
  );
  const id = rows[0].id as number;
  await db.query('insert into usager_organisations (usager_id, organisation_id) values ($1, $2)', [id, organisationId]);
  return id;
}

export async function updateUsager(db: Db, id: number, values: Record<string, unknown>) {
  const cols = Object.entries(values).filter(([k, v]) => FIELDS[k] && v !== undefined);
  if (cols.length === 0) return;
  await db.query(
    `update usagers set ${cols.map(([k], i) => `${FIELDS[k]} = $${i + 2}`).join(', ')}, updated_at = now() where id = $1`,
    [id, ...cols.map(([, v]) => v)],
  );
}

export async function rdvsOfUsager(db: Db, usagerId: number, organisationIds: number[]) {
  const { rows } = await db.query(
    `select r.id, r.starts_at, r.ends_at, r.status, m.name as motif_name, p.status as participation_status
       from participations p join rdvs r on r.id = p.rdv_id join motifs m on m.id = r.motif_id
      where p.usager_id = $1 and r.organisation_id = any($2::bigint[]) order by r.starts_at desc limit 50`,
    [usagerId, organisationIds],
  );
  return rows.map(toCamel);
}
