/**
 * Configuration API (admin role): territories, organisations, services, lieux, agents, motifs, plages,
 * absences and feature switches. Reads are open to any agent of the organisation; writes need the admin role
 * in the organisation (or, for territory-wide objects, in one organisation of the territory).
 */
import { Router, type Request } from 'express';
import {
  absenceCreate, agentCreate, patchOf, featureSwitchSet, id as idSchema, idParams, idText, lieuCreate, name as nameSchema, motifCreate,
  organisationCreate, plageCreate, serviceCreate, territoryCreate, territoryRightGrant, territoryRightRevoke, z,
} from '../../../../shared/src/schemas';
import * as agents from '../../data/agents';
import * as cfg from '../../data/config';
import { isPgError, PG, withTransaction, type Client, type Pool } from '../../data/db';
import { appendAudit, type Actor } from '../../data/audit';
import type { MailboxFollower } from '../../sync/connection';
import { DomainError, forbidden, invalid } from '../../errors';
import { hasTerritoryRight, isAnyAdmin, requireAdmin, requireOrgRole, requireTerritoryAdmin, requireTerritoryRight } from '../auth';
import { parse } from '../errors';

const inaccessible = () => forbidden('Élément introuvable ou inaccessible.');
const orgIds = (req: Request) => [...req.agent.roles.keys()];
const territoryIds = (req: Request) => [...new Set(req.agent.orgTerritory.values())];
const pathId = (req: Request) => parse(idParams, req.params, 'params').id;
const actorOf = (req: Request): Actor => ({ kind: 'agent', agentId: req.agent.id, channel: 'api' });
/** Without the Outlook sync, a configuration change has no mailbox to follow. */
const noSync: MailboxFollower = async () => async () => {};
/** Writes a configuration change and its audit entry in one transaction. */
function audited<T extends Record<string, unknown> | null>(pool: Pool, req: Request, table: string, action: string, changes: Record<string, unknown>, write: (c: Client) => Promise<T>): Promise<T> {
  return withTransaction(pool, async (c) => {
    const row = await write(c);
    if (row) await appendAudit(c, actorOf(req), table, row.id as number, action, changes);
    return row;
  });
}

async function onDelete<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isPgError(err, PG.foreignKeyViolation)) throw new DomainError(409, 'in_use', 'Élément encore utilisé (rendez-vous, plages…) : archivez-le ou retirez d’abord ce qui en dépend.');
    throw err;
  }
}

/** An Entra account bound to another agent: say so in words (the store's unique constraint is the guard). */
async function onIdentityInUse<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isPgError(err, PG.uniqueViolation) && err.constraint === 'agents_entra_oid_key') {
      throw new DomainError(409, 'identity_in_use', 'Ce compte Entra ID est déjà rattaché à un autre agent.', 'entraOid');
    }
    throw err;
  }
}

/** How one organisation-scoped resource (lieux, motifs, plages, absences) differs from the others. */
interface OrgResource {
  path: string;
  table: 'lieux' | 'motifs' | 'plages' | 'absences';
  create: z.ZodObject;
  /** Cross-reference rules on the whole (merged) object, e.g. "the lieu belongs to the organisation". */
  check?: (db: Client | Pool, body: any) => Promise<void>;
  /** Adds related ids to rows read back (plages: their motifs). */
  withRelations?: (db: Client | Pool, rows: Record<string, unknown>[]) => Promise<Record<string, unknown>[]>;
  /** Saves related ids sent in a body (plages: motifIds). */
  saveRelations?: (db: Client, id: number, body: any) => Promise<void>;
  /** Also filter lists by `agentId` (plages, absences). */
  byAgent?: boolean;
}

/**
 * CRUD of an organisation-scoped resource: reads for any agent of the organisation, writes for its admins,
 * every write audited in its transaction. A PATCH is re-validated as a whole object, so that a partial update
 * cannot break a cross-field rule (end after start…).
 */
function orgResource(router: Router, pool: Pool, r: OrgResource) {
  const update = patchOf(r.create, ['organisationId']);
  const keys = Object.keys(r.create.shape);
  const decorate = async (db: Client | Pool, rows: Record<string, unknown>[]) => (r.withRelations ? r.withRelations(db, rows) : rows);
  const visible = async (req: Request) => {
    const row = await cfg.getRow(pool, r.table, pathId(req));
    if (!row || !req.agent.roles.has(row.organisationId as number)) throw inaccessible();
    return row;
  };
  const listQuery = z.object({ organisationId: idText.optional(), ...(r.byAgent ? { agentId: idText.optional() } : {}) }).strict();

  router.get(`/${r.path}`, async (req, res) => {
    const q = parse(listQuery, req.query, 'query') as { organisationId?: number; agentId?: number };
    if (q.organisationId) requireOrgRole(req.agent, q.organisationId);
    let rows = await cfg.listRows(pool, r.table, 'organisation_id', q.organisationId ? [q.organisationId] : orgIds(req));
    if (q.agentId) rows = rows.filter((row) => row.agentId === q.agentId);
    res.json(await decorate(pool, rows));
  });
  router.get(`/${r.path}/:id`, async (req, res) => {
    res.json((await decorate(pool, [await visible(req)]))[0]);
  });
  router.post(`/${r.path}`, async (req, res) => {
    const body = parse(r.create, req.body) as any;
    requireAdmin(req.agent, body.organisationId);
    await r.check?.(pool, body);
    const row = await audited(pool, req, r.table, 'created', body, async (c) => {
      const created = await cfg.insertRow(c, r.table, body);
      await r.saveRelations?.(c, created.id as number, body);
      return (await decorate(c, [created]))[0];
    });
    res.status(201).json(row);
  });
  router.patch(`/${r.path}/:id`, async (req, res) => {
    const current = await visible(req);
    const id = current.id as number;
    requireAdmin(req.agent, current.organisationId as number);
    const body = parse(update, req.body) as any;
    const merged = { ...(await decorate(pool, [current]))[0], ...body };
    parse(r.create, Object.fromEntries(Object.entries(merged).filter(([k, v]) => keys.includes(k) && v !== null)));
    await r.check?.(pool, merged);
    const row = await audited(pool, req, r.table, 'updated', body, async (c) => {
      const updated = await cfg.updateRow(c, r.table, id, body);
      await r.saveRelations?.(c, id, body);
      return (await decorate(c, [updated!]))[0];
    });
    res.json(row);
  });
  router.delete(`/${r.path}/:id`, async (req, res) => {
    const current = await visible(req);
    requireAdmin(req.agent, current.organisationId as number);
    await onDelete(() => audited(pool, req, r.table, 'deleted', {}, async (c) => {
      await cfg.deleteRow(c, r.table, current.id as number);
      return { id: current.id };
    }));
    res.status(204).end();
  });
}

export interface ConfigRouterOptions {
  /** The Outlook sync, when configured: connects and disconnects mailboxes as agents and switches change. */
  followMailboxes?: MailboxFollower;
}

export function configRouter(pool: Pool, opts: ConfigRouterOptions = {}): Router {
  const router = Router();
  const follow = opts.followMailboxes ?? noSync;

  // ---- territories ----
  const territoryUpdate = patchOf(territoryCreate, []);
  router.get('/territories', async (req, res) => res.json(await cfg.listRows(pool, 'territories', 'id', territoryIds(req))));
  router.get('/territories/:id', async (req, res) => {
    const id = pathId(req);
    if (!territoryIds(req).includes(id)) throw inaccessible();
    res.json(await cfg.getRow(pool, 'territories', id));
  });
  router.post('/territories', async (req, res) => {
    if (!isAnyAdmin(req.agent)) throw forbidden('Rôle administrateur requis.');
    const body = parse(territoryCreate, req.body);
    // Its creator holds its territory rights, or nobody could ever bind identities or grant rights there.
    const row = await audited(pool, req, 'territories', 'created', body, async (c) => {
      const t = await cfg.insertRow(c, 'territories', body);
      for (const right of ['agent_identities', 'usager_follow'] as const) await agents.grantTerritoryRight(c, t.id as number, req.agent.id, right);
      return t;
    });
    res.status(201).json(row);
  });

  // ---- territory rights (above any organisation's admin; see migration 030) ----
  router.get('/territories/:id/rights', async (req, res) => {
    const id = pathId(req);
    if (!territoryIds(req).includes(id) && !req.agent.territoryRights.has(id)) throw inaccessible();
    if (!req.agent.territoryRights.has(id)) requireTerritoryAdmin(req.agent, id);
    res.json(await agents.listTerritoryRights(pool, id));
  });
  router.put('/territories/:id/rights', async (req, res) => {
    const id = pathId(req);
    requireTerritoryRight(req.agent, id, 'agent_identities');
    const body = parse(territoryRightGrant, req.body);
    if (!(await agents.agentOrganisations(pool, body.agentId)).some((o) => o.territoryId === id)) {
      throw invalid('agentId', "cet agent n'a de rôle dans aucune organisation de ce territoire");
    }
    await withTransaction(pool, async (c) => {
      if (await agents.grantTerritoryRight(c, id, body.agentId, body.right)) {
        await appendAudit(c, actorOf(req), 'territories', id, 'right_granted', body);
      }
    });
    res.json({ territoryId: id, ...body });
  });
  router.delete('/territories/:id/rights', async (req, res) => {
    const id = pathId(req);
    requireTerritoryRight(req.agent, id, 'agent_identities');
    const q = parse(territoryRightRevoke, req.query, 'query');
    await withTransaction(pool, async (c) => {
      await agents.lockTerritory(c, id); // two holders revoking each other at once must not both succeed
      if (!(await agents.revokeTerritoryRight(c, id, q.agentId, q.right))) return;
      if (q.right === 'agent_identities' && (await agents.countTerritoryRightHolders(c, id, q.right)) === 0) {
        throw new DomainError(409, 'last_identity_keeper', "C'est le dernier agent à pouvoir gérer les identités de ce territoire : accordez d'abord ce droit à un autre agent.", 'agentId');
      }
      await appendAudit(c, actorOf(req), 'territories', id, 'right_revoked', q);
    });
    res.status(204).end();
  });
  router.patch('/territories/:id', async (req, res) => {
    const id = pathId(req);
    requireTerritoryAdmin(req.agent, id);
    const body = parse(territoryUpdate, req.body);
    res.json(await audited(pool, req, 'territories', 'updated', body, (c) => cfg.updateRow(c, 'territories', id, body)));
  });

  // ---- organisations ----
  const organisationUpdate = patchOf(organisationCreate, ['territoryId']);
  router.get('/organisations', async (req, res) => res.json(await cfg.listRows(pool, 'organisations', 'id', orgIds(req))));
  router.get('/organisations/:id', async (req, res) => {
    const id = pathId(req);
    requireOrgRole(req.agent, id);
    res.json(await cfg.getRow(pool, 'organisations', id));
  });
  router.post('/organisations', async (req, res) => {
    const body = parse(organisationCreate, req.body);
    requireTerritoryAdmin(req.agent, body.territoryId);
    // The creator becomes admin of the new organisation, or nobody could ever administer it.
    const row = await audited(pool, req, 'organisations', 'created', body, async (c) => {
      const r = await cfg.insertRow(c, 'organisations', body);
      await cfg.setAgentRole(c, req.agent.id, r.id as number, 'admin');
      return r;
    });
    res.status(201).json(row);
  });
  router.patch('/organisations/:id', async (req, res) => {
    const id = pathId(req);
    requireAdmin(req.agent, id);
    const body = parse(organisationUpdate, req.body);
    res.json(await audited(pool, req, 'organisations', 'updated', body, (c) => cfg.updateRow(c, 'organisations', id, body)));
  });

  // ---- services ----
  const serviceUpdate = patchOf(serviceCreate, ['territoryId']);
  router.get('/services', async (req, res) => res.json(await cfg.listRows(pool, 'services', 'territory_id', territoryIds(req))));
  router.post('/services', async (req, res) => {
    const body = parse(serviceCreate, req.body);
    requireTerritoryAdmin(req.agent, body.territoryId);
    res.status(201).json(await audited(pool, req, 'services', 'created', body, (c) => cfg.insertRow(c, 'services', body)));
  });
  router.patch('/services/:id', async (req, res) => {
    const id = pathId(req);
    const t = await cfg.serviceTerritory(pool, id);
    if (t === null || !territoryIds(req).includes(t)) throw inaccessible();
    requireTerritoryAdmin(req.agent, t);
    const body = parse(serviceUpdate, req.body);
    res.json(await audited(pool, req, 'services', 'updated', body, (c) => cfg.updateRow(c, 'services', id, body)));
  });

  // ---- lieux, motifs, plages, absences ----
  orgResource(router, pool, { path: 'lieux', table: 'lieux', create: lieuCreate });
  orgResource(router, pool, {
    path: 'motifs', table: 'motifs', create: motifCreate,
    check: async (db, body) => {
      const t = await cfg.serviceTerritory(db, body.serviceId);
      if (t === null || t !== (await cfg.organisationTerritory(db, body.organisationId))) throw invalid('serviceId', 'service inconnu dans ce territoire');
      if (body.collective && !body.defaultCapacity) throw invalid('defaultCapacity', 'un motif collectif a besoin d’une capacité par défaut');
    },
  });
  const agentOfOrganisation = async (db: Client | Pool, body: any) => {
    if (!(await cfg.agentRoleIn(db, body.agentId, body.organisationId))) throw invalid('agentId', "cet agent n'appartient pas à l'organisation");
  };
  orgResource(router, pool, {
    path: 'plages', table: 'plages', create: plageCreate as unknown as z.ZodObject, byAgent: true,
    check: async (db, body) => {
      await agentOfOrganisation(db, body);
      if (body.lieuId != null) {
        const lieu = await cfg.getRow(db, 'lieux', body.lieuId);
        if (!lieu || lieu.organisationId !== body.organisationId) throw invalid('lieuId', "lieu inconnu dans l'organisation");
      }
      const found = await cfg.motifsOfOrganisation(db, body.organisationId, body.motifIds);
      const missing = (body.motifIds as number[]).filter((m) => !found.includes(m));
      if (missing.length) throw invalid('motifIds', `motif(s) ${missing.join(', ')} inconnu(s) dans l'organisation`);
    },
    withRelations: async (db, rows) => {
      const m = await cfg.plageMotifs(db, rows.map((row) => row.id as number));
      return rows.map((row) => ({ ...row, motifIds: m.get(row.id as number) ?? [] }));
    },
    saveRelations: async (c, id, body) => { if (body.motifIds) await cfg.setPlageMotifs(c, id, body.motifIds); },
  });
  orgResource(router, pool, { path: 'absences', table: 'absences', create: absenceCreate as unknown as z.ZodObject, byAgent: true, check: agentOfOrganisation });

  // ---- agents (scoped by their role in an organisation) ----
  const agentUpdate = z.object({
    firstName: nameSchema.optional(),
    lastName: nameSchema.optional(),
    entraOid: z.string().uuid().nullable().optional(),
    outlookMailbox: z.string().trim().toLowerCase().email().nullable().optional(),
    outlookSyncOptOut: z.boolean().optional(),
    organisationId: idSchema,
    role: z.enum(['admin', 'basic', 'intervenant']).optional(),
  }).strict();
  router.get('/agents', async (req, res) => {
    const q = parse(z.object({ organisationId: idText.optional() }).strict(), req.query, 'query');
    if (q.organisationId) requireOrgRole(req.agent, q.organisationId);
    res.json(await cfg.agentsOfOrganisations(pool, q.organisationId ? [q.organisationId] : orgIds(req)));
  });
  router.post('/agents', async (req, res) => {
    const body = parse(agentCreate, req.body);
    requireAdmin(req.agent, body.organisationId);
    const territory = await cfg.organisationTerritory(pool, body.organisationId);
    // Binding an Entra account is an identity act; an admin creates agents by email and they bind at first sign-in.
    if (body.entraOid) requireTerritoryRight(req.agent, territory!, 'agent_identities');
    for (const s of body.serviceIds) {
      if ((await cfg.serviceTerritory(pool, s)) !== territory) throw invalid('serviceIds', `service ${s} inconnu dans ce territoire`);
    }
    const row = await onIdentityInUse(() => withTransaction(pool, async (c) => {
      const r = await cfg.insertRow(c, 'agents', body);
      const settle = await follow(c, [r.id as number], 'agent_created', actorOf(req));
      await cfg.setAgentRole(c, r.id as number, body.organisationId, body.role);
      await cfg.setAgentServices(c, r.id as number, body.serviceIds);
      await settle();
      await appendAudit(c, actorOf(req), 'agents', r.id as number, 'created', {
        organisationId: body.organisationId, role: body.role, ...(body.entraOid ? { entraOid: body.entraOid } : {}),
      });
      return { ...r, organisationId: body.organisationId, role: body.role, serviceIds: body.serviceIds };
    }));
    res.status(201).json(row);
  });
  /**
   * An agent may work for several organisations: their role in one is that organisation's admin's to set, but what
   * is theirs everywhere (name, Outlook mailbox, sync opt-out) only an admin of each of their organisations may
   * change, and their Entra account binding only a holder of the territory right `agent_identities`.
   */
  router.patch('/agents/:id', async (req, res) => {
    const id = pathId(req);
    const body = parse(agentUpdate, req.body);
    const orgs = await agents.agentOrganisations(pool, id);
    const keeperOf = (o: { territoryId: number }) => hasTerritoryRight(req.agent, o.territoryId, 'agent_identities');
    const here = orgs.find((o) => o.organisationId === body.organisationId);
    if (!here || !(req.agent.roles.has(here.organisationId) || keeperOf(here))) throw inaccessible();
    const { organisationId, role, entraOid, ...profile } = body;
    const fields = Object.keys(body).filter((k) => k !== 'organisationId' && body[k as keyof typeof body] !== undefined);
    if (entraOid !== undefined) for (const o of orgs) requireTerritoryRight(req.agent, o.territoryId, 'agent_identities');
    if (role !== undefined || fields.length === 0) requireAdmin(req.agent, organisationId);
    if (Object.values(profile).some((v) => v !== undefined) && !orgs.every(keeperOf)) {
      for (const o of orgs) requireAdmin(req.agent, o.organisationId);
    }
    const syncCause = (['outlookMailbox', 'outlookSyncOptOut'] as const).find((k) => body[k] !== undefined);
    const row = await onIdentityInUse(() => withTransaction(pool, async (c) => {
      const before = await cfg.getRow(c, 'agents', id);
      const roleBefore = await cfg.agentRoleIn(c, id, organisationId);
      const settle = syncCause ? await follow(c, [id], syncCause, actorOf(req)) : null;
      const r = await cfg.updateRow(c, 'agents', id, body);
      if (role) await cfg.setAgentRole(c, id, organisationId, role);
      await settle?.();
      // Field names only, plus the changes that say who may act as whom (role, Entra binding): never personal data.
      const changes: Record<string, unknown> = { organisationId, fields };
      if (role !== undefined && role !== roleBefore) changes.role = [roleBefore, role];
      if (entraOid !== undefined && entraOid !== before?.entraOid) changes.entraOid = [before?.entraOid ?? null, entraOid];
      await appendAudit(c, actorOf(req), 'agents', id, 'updated', changes);
      return r;
    }));
    res.json(row);
  });
  router.delete('/agents/:id', async (req, res) => {
    const id = pathId(req);
    const q = parse(z.object({ organisationId: idText }).strict(), req.query, 'query');
    requireAdmin(req.agent, q.organisationId);
    await withTransaction(pool, async (c) => {
      const role = await cfg.agentRoleIn(c, id, q.organisationId);
      const settle = await follow(c, [id], 'removed_from_organisation', actorOf(req));
      if (!role || !(await cfg.removeAgentRole(c, id, q.organisationId))) throw inaccessible();
      await settle();
      await appendAudit(c, actorOf(req), 'agents', id, 'removed_from_organisation', { organisationId: q.organisationId, role });
    });
    res.status(204).end();
  });

  // ---- feature switches ----
  /** The agents an `outlook_sync` switch may concern: its territory's, or its organisation's. */
  const followSwitch = async (c: Client, req: Request, feature: string, territoryId: number, organisationId: number | null) =>
    feature === 'outlook_sync' ? follow(c, await cfg.agentIdsUnderSwitch(c, territoryId, organisationId), 'feature_switch', actorOf(req)) : async () => {};
  router.get('/feature-switches', async (req, res) => res.json(await cfg.listFeatureSwitches(pool, territoryIds(req))));
  router.get('/feature-switches/effective', async (req, res) => {
    const q = parse(z.object({ organisationId: idText, serviceId: idText.optional() }).strict(), req.query, 'query');
    requireOrgRole(req.agent, q.organisationId);
    res.json(await cfg.effectiveFeatures(pool, q.organisationId, q.serviceId ?? null));
  });
  router.put('/feature-switches', async (req, res) => {
    const body = parse(featureSwitchSet, req.body);
    if (body.organisationId) {
      requireAdmin(req.agent, body.organisationId);
      if (req.agent.orgTerritory.get(body.organisationId) !== body.territoryId) throw invalid('organisationId', "l'organisation n'appartient pas à ce territoire");
    } else {
      requireTerritoryAdmin(req.agent, body.territoryId);
    }
    if (body.serviceId && (await cfg.serviceTerritory(pool, body.serviceId)) !== body.territoryId) throw invalid('serviceId', 'service inconnu dans ce territoire');
    const row = await withTransaction(pool, async (c) => {
      const settle = await followSwitch(c, req, body.feature, body.territoryId, body.organisationId ?? null);
      const r = await cfg.upsertFeatureSwitch(c, body);
      await settle();
      await appendAudit(c, actorOf(req), 'feature_switches', r.id as number, 'set', body);
      return r;
    });
    res.json(row);
  });
  router.delete('/feature-switches/:id', async (req, res) => {
    const id = pathId(req);
    const scope = await cfg.featureSwitchScope(pool, id);
    if (!scope || !territoryIds(req).includes(scope.territory_id)) throw inaccessible();
    if (scope.organisation_id) requireAdmin(req.agent, scope.organisation_id);
    else requireTerritoryAdmin(req.agent, scope.territory_id);
    await withTransaction(pool, async (c) => {
      const settle = await followSwitch(c, req, scope.feature, scope.territory_id, scope.organisation_id);
      const removed = await cfg.deleteFeatureSwitch(c, id);
      await settle();
      if (removed) await appendAudit(c, actorOf(req), 'feature_switches', id, 'deleted', { territoryId: removed.territory_id, organisationId: removed.organisation_id });
    });
    res.status(204).end();
  });

  return router;
}
