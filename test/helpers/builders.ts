/**
 * Small readable builders that arrange a test world directly in the store (SQL), so that API tests start
 * from a known state: aWorld() gives a territory with two organisations, their admins and agents, a lieu,
 * a 30-minute motif and weekday plages.
 */
import type { Pool } from 'pg';

export async function insertTerritory(pool: Pool, t: { name?: string; departementCode?: string; timeZone?: string } = {}) {
  const { rows } = await pool.query(
    `insert into territories (name, departement_code, time_zone) values ($1, $2, $3) returning id`,
    [t.name ?? 'Territoire de test', t.departementCode ?? '86', t.timeZone ?? 'Europe/Paris']);
  return Number(rows[0].id);
}

export async function insertOrganisation(pool: Pool, territoryId: number, name = 'MDS de test') {
  const { rows } = await pool.query('insert into organisations (territory_id, name) values ($1, $2) returning id', [territoryId, name]);
  return Number(rows[0].id);
}

export async function insertService(pool: Pool, territoryId: number, shortName = 'PMI') {
  const { rows } = await pool.query('insert into services (territory_id, name, short_name) values ($1, $2, $2) returning id', [territoryId, shortName]);
  return Number(rows[0].id);
}

export async function insertLieu(pool: Pool, organisationId: number, name = 'Centre de test') {
  const { rows } = await pool.query(`insert into lieux (organisation_id, name, address, phone) values ($1, $2, '1 rue de la Paix 86000 Poitiers', '0549000000') returning id`, [organisationId, name]);
  return Number(rows[0].id);
}

export async function insertAgent(pool: Pool, a: { email: string; organisationId: number; role?: string; serviceId?: number; oid?: string }) {
  const [first, last] = a.email.split('@')[0].split('.');
  const { rows } = await pool.query(
    'insert into agents (first_name, last_name, email, entra_oid) values ($1, $2, $3, $4) returning id', [first ?? 'Agent', last ?? 'Test', a.email, a.oid ?? null]);
  const id = Number(rows[0].id);
  await pool.query('insert into agent_roles (agent_id, organisation_id, role) values ($1, $2, $3)', [id, a.organisationId, a.role ?? 'basic']);
  if (a.serviceId) await pool.query('insert into agent_services (agent_id, service_id) values ($1, $2)', [id, a.serviceId]);
  return id;
}

export async function insertMotif(pool: Pool, m: { organisationId: number; serviceId: number; name?: string; durationMinutes?: number; locationType?: string; collective?: boolean; defaultCapacity?: number; bufferMinutes?: number }) {
  const { rows } = await pool.query(
    `insert into motifs (organisation_id, service_id, name, duration_minutes, location_type, collective, default_capacity, buffer_minutes, min_booking_delay_minutes)
     values ($1, $2, $3, $4, $5, $6, $7, $8, 0) returning id`,
    [m.organisationId, m.serviceId, m.name ?? 'Consultation', m.durationMinutes ?? 30, m.locationType ?? 'public_office', m.collective ?? false, m.defaultCapacity ?? null, m.bufferMinutes ?? 0]);
  return Number(rows[0].id);
}

/** A weekly plage, Monday to Friday by default, from `firstDay` for `weeks` weeks. */
export async function insertPlage(pool: Pool, p: { organisationId: number; agentId: number; lieuId: number | null; motifIds: number[]; firstDay: string; startTime?: string; endTime?: string; weekdays?: number[]; until?: string }) {
  const { rows } = await pool.query(
    `insert into plages (organisation_id, agent_id, lieu_id, first_day, start_time, end_time, recurrence)
     values ($1, $2, $3, $4, $5, $6, $7) returning id`,
    [p.organisationId, p.agentId, p.lieuId, p.firstDay, p.startTime ?? '09:00', p.endTime ?? '17:00',
      JSON.stringify({ frequency: 'weekly', interval: 1, weekdays: p.weekdays ?? [1, 2, 3, 4, 5], until: p.until ?? null })]);
  const id = Number(rows[0].id);
  await pool.query('insert into plage_motifs (plage_id, motif_id) select $1, m from unnest($2::bigint[]) m', [id, p.motifIds]);
  return id;
}

export async function insertUsager(pool: Pool, u: { territoryId: number; organisationId: number; firstName: string; lastName: string; phone?: string; birthDate?: string; email?: string }) {
  const { rows } = await pool.query(
    `insert into usagers (territory_id, first_name, last_name, phone, birth_date, email) values ($1, $2, $3, $4, $5, $6) returning id`,
    [u.territoryId, u.firstName, u.lastName, u.phone ?? null, u.birthDate ?? null, u.email ?? null]);
  const id = Number(rows[0].id);
  await pool.query('insert into usager_organisations (usager_id, organisation_id) values ($1, $2)', [id, u.organisationId]);
  return id;
}

export interface World {
  territoryId: number; orgA: number; orgB: number; serviceId: number; lieuA: number; lieuB: number;
  motifA: number; motifB: number; collectiveMotifA: number;
  adminA: { id: number; email: string }; agentA: { id: number; email: string }; agentA2: { id: number; email: string }; adminB: { id: number; email: string };
  usagerA: number; usagerB: number;
}

/** Two organisations of one territory; agents of A work Mon–Fri 09:00–17:00 from `firstDay` (a Monday). */
export async function aWorld(pool: Pool, firstDay = '2026-03-02'): Promise<World> {
  const territoryId = await insertTerritory(pool);
  const orgA = await insertOrganisation(pool, territoryId, 'MDS Nord');
  const orgB = await insertOrganisation(pool, territoryId, 'MDS Sud');
  const serviceId = await insertService(pool, territoryId);
  const lieuA = await insertLieu(pool, orgA, 'Centre Nord');
  const lieuB = await insertLieu(pool, orgB, 'Centre Sud');
  const adminA = { email: 'admin.nord@test.fr', id: 0 };
  adminA.id = await insertAgent(pool, { email: adminA.email, organisationId: orgA, role: 'admin', serviceId });
  const agentA = { email: 'agent.nord@test.fr', id: 0 };
  agentA.id = await insertAgent(pool, { email: agentA.email, organisationId: orgA, role: 'basic', serviceId });
  const agentA2 = { email: 'agente.nord@test.fr', id: 0 };
  agentA2.id = await insertAgent(pool, { email: agentA2.email, organisationId: orgA, role: 'basic', serviceId });
  const adminB = { email: 'admin.sud@test.fr', id: 0 };
  adminB.id = await insertAgent(pool, { email: adminB.email, organisationId: orgB, role: 'admin', serviceId });
  const motifA = await insertMotif(pool, { organisationId: orgA, serviceId, name: 'Consultation PMI' });
  const motifB = await insertMotif(pool, { organisationId: orgB, serviceId, name: 'Consultation Sud' });
  const collectiveMotifA = await insertMotif(pool, { organisationId: orgA, serviceId, name: 'Atelier massage bébé', collective: true, defaultCapacity: 3, durationMinutes: 60 });
  for (const a of [adminA.id, agentA.id, agentA2.id]) {
    await insertPlage(pool, { organisationId: orgA, agentId: a, lieuId: lieuA, motifIds: [motifA], firstDay });
  }
  await insertPlage(pool, { organisationId: orgB, agentId: adminB.id, lieuId: lieuB, motifIds: [motifB], firstDay });
  const usagerA = await insertUsager(pool, { territoryId, organisationId: orgA, firstName: 'Hélène', lastName: 'Lefèvre', phone: '+33612345678', birthDate: '1990-05-12' });
  const usagerB = await insertUsager(pool, { territoryId, organisationId: orgB, firstName: 'Zoé', lastName: 'Martin', phone: '+33698765432' });
  return { territoryId, orgA, orgB, serviceId, lieuA, lieuB, motifA, motifB, collectiveMotifA, adminA, agentA, agentA2, adminB, usagerA, usagerB };
}
