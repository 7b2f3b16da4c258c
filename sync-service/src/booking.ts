/**
 * Booking rules: create, move, cancel an RDV, set its status, add participants. Every operation checks the
 * caller's rights, validates references, re-checks the slot with the availability engine, and writes the
 * change, its audit entry and the in-transaction listeners (reminders, Outlook outbox) in ONE transaction.
 * The store's exclusion constraint is the last guard against concurrent double bookings.
 *
 * Lock order, the same in every transaction that touches an RDV (and in the reminders worker): the RDV's row,
 * then its agents' rows in id order (only when the RDV comes to occupy their time), then reminder jobs (written
 * by the in-transaction listeners). Transactions are run again by withTransaction if they still lose a deadlock,
 * so their callbacks compute everything from what they read inside.
 */
import type { RdvStatus } from '../../shared/src/domain';
import type { RdvCreate } from '../../shared/src/schemas';
import { assertSlotBookable } from './availability';
import type { AgentIdentity } from './data/agents';
import { appendAudit, type Actor } from './data/audit';
import { isPgError, PG, withTransaction, type Client, type Pool } from './data/db';
import * as rdvs from './data/rdvs';
import { DomainError, conflict, invalid } from './errors';
import { emitRdvChange } from './rdv-events';

const inaccessible = (what: string, field?: string) => new DomainError(403, 'forbidden', `${what} introuvable ou inaccessible.`, field);

const actorOf = (agent: AgentIdentity, channel: string): Actor => ({ kind: 'agent', agentId: agent.id, channel });

/** Awaits every promise, then throws the first failure in the order given (not in the order they failed). */
async function settledInOrder<T extends readonly unknown[]>(promises: T): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const results = await Promise.allSettled(promises);
  for (const r of results) if (r.status === 'rejected') throw r.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as { -readonly [K in keyof T]: Awaited<T[K]> };
}

/** 409 naming the live RDV that [start, end) would overlap, if there is one. */
async function assertNoOverlap(pool: Pool, agentIds: number[], start: Date, end: Date, exceptRdvId: number | undefined): Promise<void> {
  const other = await rdvs.findOverlappingRdv(pool, agentIds, start, end, exceptRdvId);
  if (other) {
    throw conflict(
      'rdv_conflict',
      `Ce créneau chevauche le rendez-vous n° ${other.rdvId} de l'agent ${other.agentId} (${other.startsAt.toISOString()} – ${other.endsAt.toISOString()}).`,
      { conflictingRdvId: other.rdvId, agentId: other.agentId },
      'startsAt',
    );
  }
}

/** Runs a booking transaction; an overlap refused by the store (a lost race) becomes a 409 naming the conflicting RDV. */
async function guardOverlap<T>(pool: Pool, agentIds: number[], start: Date, end: Date, exceptRdvId: number | undefined, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!isPgError(err, PG.exclusionViolation)) throw err;
    await assertNoOverlap(pool, agentIds, start, end, exceptRdvId);
    throw conflict('rdv_conflict', "Ce créneau chevauche un autre rendez-vous de l'agent.", {}, 'startsAt');
  }
}

async function checkLieu(db: Client | Pool, motif: rdvs.MotifRow, lieuId: number | null | undefined): Promise<number | null> {
  if (lieuId == null) {
    if (motif.locationType === 'public_office') throw invalid('lieuId', 'lieu obligatoire pour un motif sur place');
    return null;
  }
  const lieu = await rdvs.lieuOfOrganisation(db, lieuId, motif.organisationId);
  if (!lieu) throw invalid('lieuId', "lieu inconnu dans l'organisation du motif");
  if (lieu.availability === 'disabled') throw invalid('lieuId', 'ce lieu est désactivé');
  return lieu.id;
}

/**
 * The usagers of an RDV must be followed by the RDV's organisation: booking never links an usager of another
 * organisation (that is the explicit, audited "follow" action). Same 403 whether the usager exists elsewhere or not.
 */
async function checkUsagers(db: Client | Pool, organisationId: number, usagerIds: number[]) {
  const found = await rdvs.usagersFollowedBy(db, organisationId, usagerIds);
  const missing = usagerIds.filter((u) => !found.some((f) => f.id === u));
  if (missing.length) throw new DomainError(403, 'forbidden', `usager(s) ${missing.join(', ')} introuvable(s) ou inaccessible(s).`, 'usagerIds');
  return found;
}

/** An individual (non-collective) RDV is for one household: one usager, with relatives they are responsible for. */
function assertOneHousehold(households: number[]): void {
  if (new Set(households).size > 1) {
    throw invalid('usagerIds', "un rendez-vous individuel ne concerne qu'un usager et ses proches : utilisez un motif collectif pour plusieurs foyers");
  }
}

async function checkAgents(db: Client | Pool, organisationId: number, agentIds: number[]): Promise<number[]> {
  const unique = [...new Set(agentIds)];
  const found = await rdvs.agentsInOrganisation(db, organisationId, unique);
  const missing = unique.filter((a) => !found.includes(a));
  if (missing.length) throw new DomainError(403, 'forbidden', `agent(s) ${missing.join(', ')} introuvable(s) dans cette organisation.`, 'agentIds');
  return unique;
}

/** `beforeCommit` runs last inside the creation's transaction, with the new RDV (e.g. to record an idempotent answer). */
export interface CreateHooks { beforeCommit?: (client: Client, rdv: rdvs.RdvRow) => Promise<void> }

export async function createRdv(pool: Pool, agent: AgentIdentity, input: RdvCreate, now: Date, hooks: CreateHooks = {}): Promise<rdvs.RdvRow> {
  const motif = await rdvs.getMotif(pool, input.motifId);
  if (!motif || !agent.roles.has(motif.organisationId)) throw inaccessible('Motif', 'motifId');
  if (motif.archived) throw invalid('motifId', 'ce motif est archivé');
  const startsAt = input.startsAt;
  const endsAt = input.endsAt ?? new Date(startsAt.getTime() + motif.durationMinutes * 60_000);
  if (endsAt <= startsAt) throw invalid('endsAt', 'la fin doit suivre le début');
  const usagerIds = [...new Set(input.usagerIds)];
  if (!motif.collective && usagerIds.length === 0) throw invalid('usagerIds', 'au moins un usager est requis');
  if (!motif.collective && input.capacity !== undefined) throw invalid('capacity', 'la capacité ne concerne que les motifs collectifs');
  const capacity = motif.collective ? input.capacity ?? motif.defaultCapacity ?? 10 : null;
  if (capacity !== null && usagerIds.length > capacity) throw invalid('usagerIds', `plus de participants (${usagerIds.length}) que de places (${capacity})`);
  // Independent reference checks run together; their errors are reported in a fixed order.
  const [lieuId, agentIds, participants] = await settledInOrder([
    checkLieu(pool, motif, input.lieuId),
    checkAgents(pool, motif.organisationId, input.agentIds),
    checkUsagers(pool, motif.organisationId, usagerIds),
  ] as const);
  if (!motif.collective) assertOneHousehold(participants.map((p) => p.household));
  // An overlapping RDV is named first (409 rdv_conflict); otherwise the engine must offer the slot to each agent.
  await settledInOrder([
    assertNoOverlap(pool, agentIds, startsAt, endsAt, undefined),
    ...(motif.collective ? [] : agentIds.map((agentId) => assertSlotBookable(pool, { motif, agentId, lieuId, startsAt, endsAt, now }))),
  ]);

  return guardOverlap(pool, agentIds, startsAt, endsAt, undefined, () =>
    withTransaction(pool, async (client) => {
      const rdvId = await rdvs.insertRdv(client, {
        organisationId: motif.organisationId, motifId: motif.id, lieuId, startsAt, endsAt, collective: motif.collective, capacity,
        address: input.address ?? null, context: input.context ?? null, createdByAgentId: agent.id, channel: input.channel, now,
      });
      await rdvs.lockAgents(client, agentIds);
      await rdvs.setRdvAgents(client, rdvId, agentIds);
      await rdvs.addParticipations(client, rdvId, usagerIds);
      await appendAudit(client, actorOf(agent, input.channel), 'rdv', rdvId, 'created', {
        motifId: motif.id, lieuId, startsAt, endsAt, agentIds, usagerIds,
      }, now);
      await emitRdvChange(client, { kind: 'created', rdvId, at: now });
      // Read once, after every writer and listener of the transaction: what the hook records is what is answered.
      const created = (await rdvs.getRdv(client, rdvId))!;
      if (hooks.beforeCommit) await hooks.beforeCommit(client, created);
      return created;
    }));
}

/** Loads an RDV the agent may act on (locked when inside a transaction), or answers 403. */
export async function rdvForAgent(db: Client | Pool, agent: AgentIdentity, id: number, forUpdate = false): Promise<rdvs.RdvRow> {
  const rdv = await rdvs.getRdv(db, id, { forUpdate });
  if (!rdv || !agent.roles.has(rdv.organisationId)) throw inaccessible('Rendez-vous');
  return rdv;
}

export async function moveRdv(
  pool: Pool, agent: AgentIdentity, id: number,
  input: { startsAt: Date; endsAt?: Date; lieuId?: number | null; agentIds?: number[] }, now: Date, channel = 'api',
): Promise<rdvs.RdvRow> {
  const current = await rdvForAgent(pool, agent, id);
  if (current.status === 'excused' || current.status === 'revoked') throw conflict('rdv_cancelled', 'Ce rendez-vous est annulé : il ne peut pas être déplacé.');
  const motif = (await rdvs.getMotif(pool, current.motifId))!;
  const lieuId = input.lieuId === undefined ? current.lieuId : await checkLieu(pool, motif, input.lieuId);
  const agentIds = input.agentIds ? await checkAgents(pool, current.organisationId, input.agentIds) : current.agentIds;
  const startsAt = input.startsAt;
  const endsAt = input.endsAt ?? new Date(startsAt.getTime() + (current.endsAt.getTime() - current.startsAt.getTime()));
  if (endsAt <= startsAt) throw invalid('endsAt', 'la fin doit suivre le début');
  await settledInOrder([
    assertNoOverlap(pool, agentIds, startsAt, endsAt, id),
    ...(current.collective ? [] : agentIds.map((agentId) => assertSlotBookable(pool, { motif, agentId, lieuId, startsAt, endsAt, now, ignoreRdvId: id }))),
  ]);
  await guardOverlap(pool, agentIds, startsAt, endsAt, id, () =>
    withTransaction(pool, async (client) => {
      const before = await rdvForAgent(client, agent, id, true);
      await rdvs.lockAgents(client, agentIds);
      // Agents leaving the RDV go before the times change: their rows must not move with it (they may be busy at
      // the new time, and their other bookings are not ours to wait for). Newcomers come after, at the new time.
      await rdvs.removeRdvAgentsExcept(client, id, agentIds);
      await rdvs.updateRdvTimes(client, id, startsAt, endsAt, lieuId, now);
      await rdvs.setRdvAgents(client, id, agentIds);
      const changes: Record<string, unknown> = {};
      if (before.startsAt.getTime() !== startsAt.getTime() || before.endsAt.getTime() !== endsAt.getTime()) {
        Object.assign(changes, { startsAt: [before.startsAt, startsAt], endsAt: [before.endsAt, endsAt] });
      }
      if (before.lieuId !== lieuId) changes.lieuId = [before.lieuId, lieuId];
      if (before.agentIds.join() !== agentIds.join()) changes.agentIds = [before.agentIds, agentIds];
      await appendAudit(client, actorOf(agent, channel), 'rdv', id, 'moved', changes, now);
      const previous = { startsAt: before.startsAt, endsAt: before.endsAt, lieuId: before.lieuId };
      if (changes.startsAt) await emitRdvChange(client, { kind: 'moved', rdvId: id, at: now, previous });
      if (changes.lieuId) await emitRdvChange(client, { kind: 'lieu_changed', rdvId: id, at: now, previous });
      if (changes.agentIds && !changes.startsAt) await emitRdvChange(client, { kind: 'moved', rdvId: id, at: now, previous });
    }));
  return (await rdvs.getRdv(pool, id))!;
}

export async function cancelRdv(
  pool: Pool, agent: AgentIdentity, id: number, input: { status: 'excused' | 'revoked'; reason: string }, now: Date, channel = 'api',
): Promise<rdvs.RdvRow> {
  await withTransaction(pool, async (client) => {
    const before = await rdvForAgent(client, agent, id, true);
    if (before.status === 'excused' || before.status === 'revoked') throw conflict('rdv_cancelled', 'Ce rendez-vous est déjà annulé.');
    await rdvs.updateRdvStatus(client, id, input.status, input.reason, now);
    await appendAudit(client, actorOf(agent, channel), 'rdv', id, 'cancelled', { status: [before.status, input.status], reason: input.reason }, now);
    await emitRdvChange(client, { kind: 'cancelled', rdvId: id, at: now, previous: { status: before.status } });
  });
  return (await rdvs.getRdv(pool, id))!;
}

export async function setRdvStatus(pool: Pool, agent: AgentIdentity, id: number, status: RdvStatus, now: Date, channel = 'api') {
  const current = await rdvForAgent(pool, agent, id);
  const wasCancelled = current.status === 'excused' || current.status === 'revoked';
  // Un-cancelling makes the RDV occupy the agent's time again: the store re-checks overlaps.
  await guardOverlap(pool, current.agentIds, current.startsAt, current.endsAt, id, () =>
    withTransaction(pool, async (client) => {
      const before = await rdvForAgent(client, agent, id, true);
      if ((status === 'seen' || status === 'noshow') && before.startsAt > now) {
        throw invalid('status', 'un rendez-vous à venir ne peut pas être marqué honoré ou non honoré');
      }
      // Un-cancelling makes the RDV occupy its agents' time again: same lock order as a booking.
      if (before.status === 'excused' || before.status === 'revoked') await rdvs.lockAgents(client, before.agentIds);
      await rdvs.updateRdvStatus(client, id, status, null, now);
      if (wasCancelled) await client.query(`update participations set status = 'unknown' where rdv_id = $1`, [id]);
      await client.query(`update participations set status = $2 where rdv_id = $1 and status not in ('excused', 'revoked')`, [id, status]);
      await appendAudit(client, actorOf(agent, channel), 'rdv', id, 'status_changed', { status: [before.status, status] }, now);
      await emitRdvChange(client, { kind: 'status_changed', rdvId: id, at: now, previous: { status: before.status } });
    }));
  return (await rdvs.getRdv(pool, id))!;
}

export async function addParticipants(pool: Pool, agent: AgentIdentity, id: number, usagerIds: number[], now: Date, channel = 'api') {
  const current = await rdvForAgent(pool, agent, id);
  const participants = await checkUsagers(pool, current.organisationId, usagerIds);
  try {
    await withTransaction(pool, async (client) => {
      await rdvForAgent(client, agent, id, true);
      // Checked under the RDV's lock: two concurrent additions cannot each bring in another household.
      if (!current.collective) assertOneHousehold([...(await rdvs.participantHouseholds(client, id)), ...participants.map((p) => p.household)]);
      const added = await rdvs.addParticipations(client, id, usagerIds);
      await appendAudit(client, actorOf(agent, channel), 'rdv', id, 'participants_added', { usagerIds: added }, now);
      await emitRdvChange(client, { kind: 'participants_changed', rdvId: id, at: now });
    });
  } catch (err) {
    if ((err as { constraint?: string }).constraint === 'rdv_capacity' || /is full/.test(String((err as Error).message))) {
      throw conflict('rdv_full', `Ce rendez-vous collectif est complet (${current.capacity} places).`, { capacity: current.capacity }, 'usagerIds');
    }
    throw err;
  }
  return (await rdvs.getRdv(pool, id))!;
}

