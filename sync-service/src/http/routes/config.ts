/**
 * Configuration API (admin role): territories, organisations, services, lieux, agents, motifs, plages,
 * absences and feature switches. Reads are open to any agent of the organisation; writes need the admin role
 * in the organisation (or, for territory-wide objects, in one organisation of the territory).
 */
import { Router, type Request } from 'express';
import {
  absenceCreate, agentCreate, patchOf, featureSwitchSet, id as idSchema, lieuCreate, motifCreate, organisationCreate, plageCreate,
  serviceCreate, territoryCreate, z,
} from '../../../../shared/src/schemas';
import * as cfg from '../../data/config';
import { isPgError, PG, withTransaction, type Client, type Pool } from '../../data/db';
import { appendAudit } from '../../data/audit';
import { DomainError, forbidden, invalid } from '../../errors';
import { isAnyAdmin, requireAdmin, requireOrgRole, requireTerritoryAdmin } from '../auth';
import { parse } from '../errors';

const inaccessible = () => forbidden('Élément introuvable ou inaccessible.');
const orgIds = (req: Request) => [...req.agent.roles.keys()];
const territoryIds = (req: Request) => [...new Set(req.agent.orgTerritory.values())];
const pathId = (req: Request) => parse(idSchema, req.params.id, 'params');
async function onDelete<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isPgError(err, PG.foreignKeyViolation)) throw new DomainError(409, 'in_use', 'Élément encore utilisé (rendez-vous, plages…) : archivez-le ou retirez d’abord ce qui en dépend.');
    throw err;
  }
}

/** A simple organisation-scoped resource: lieux and motifs. */
function orgResource(router: Router, pool: Pool, path: string, table: 'lieux' | 'motifs', create: z.ZodObject, check?: (db: Client | Pool, body: any, orgId: number) => Promise<void>) {
  const update = patchOf(create, ['organisationId']);
  router.get(`/${path}`, async (req, res) => {
    const q = parse(z.object({ organisationId: idSchema.optional() }).strict(), req.query, 'query');
    if (q.organisationId) requireOrgRole(req.agent, q.organisationId);
    res.json(await cfg.listRows(pool, table, 'organisation_id', q.organisationId ? [q.organisationId] : orgIds(req)));
  });
  router.get(`/${path}/:id`, async (req, res) => {
    const row = await cfg.getRow(pool, table, pathId(req));
    if (!row || !req.agent.roles.has(row.organisationId as number)) throw inaccessible();
    res.json(row);
  });
  router.post(`/${path}`, async (req, res) => {
    const body = parse(create, req.body) as any;
    requireAdmin(req.agent, body.organisationId);
    await check?.(pool, body, body.organisationId);
    const row = await withTransaction(pool, async (c) => {
      const r = await cfg.insertRow(c, table, body);
      await appendAudit(c, { kind: 'agent', agentId: req.agent.id, channel: 'api' }, table, r.id as number, 'created', body);
      return r;
    });
    res.status(201).json(row);
  });
  router.patch(`/${path}/:id`, async (req, res) => {
    const id = pathId(req);
    const current = await cfg.getRow(pool, table, id);
    if (!current || !req.agent.roles.has(current.organisationId as number)) throw inaccessible();
    requireAdmin(req.agent, current.organisationId as number);
    const body = parse(update, req.body) as any;
    await check?.(pool, { ...current, ...body }, current.organisationId as number);
    const row = await withTransaction(pool, async (c) => {
      const r = await cfg.updateRow(c, table, id, body);
      await appendAudit(c, { kind: 'agent', agentId: req.agent.id, channel: 'api' }, table, id, 'updated', body);
      return r;
    });
    res.json(row);
  });
  router.delete(`/${path}/:id`, async (req, res) => {
    const id = pathId(req);
    const current = await cfg.getRow(pool, table, id);
    if (!current || !req.agent.roles.has(current.organisationId as number)) throw inaccessible();
    requireAdmin(req.agent, current.organisationId as number);
    await onDelete(() => withTransaction(pool, async (c) => {
      await cfg.deleteRow(c, table, id);
      await appendAudit(c, { kind: 'agent', agentId: req.agent.id, channel: 'api' }, table, id, 'deleted', {});
    }));
    res.status(204).end();
  });
}

export function configRouter(pool: Pool): Router {
  const router = Router();

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
    res.status(201).json(await cfg.insertRow(pool, 'territories', body));
  });
  router.patch('/territories/:id', async (req, res) => {
    const id = pathId(req);
    requireTerritoryAdmin(req.agent, id);
    res.json(await cfg.updateRow(pool, 'territories', id, parse(territoryUpdate, req.body)));
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
    const row = await withTransaction(pool, async (c) => {
      const r = await cfg.insertRow(c, 'organisations', body);
      await cfg.setAgentRole(c, req.agent.id, r.id as number, 'admin');
      return r;
    });
    res.status(201).json(row);
  });
  router.patch('/organisations/:id', async (req, res) => {
    const id = pathId(req);
    requireAdmin(req.agent, id);
    res.json(await cfg.updateRow(pool, 'organisations', id, parse(organisationUpdate, req.body)));
  });

  // ---- services ----
  const serviceUpdate = patchOf(serviceCreate, ['territoryId']);
  router.get('/services', async (req, res) => res.json(await cfg.listRows(pool, 'services', 'territory_id', territoryIds(req))));
  router.post('/services', async (req, res) => {
    const body = parse(serviceCreate, req.body);
    requireTerritoryAdmin(req.agent, body.territoryId);
    res.status(201).json(await cfg.insertRow(pool, 'services', body));
  });
  router.patch('/services/:id', async (req, res) => {
    const id = pathId(req);
    const t = await cfg.serviceTerritory(pool, id);
    if (t === null || !territoryIds(req).includes(t)) throw inaccessible();
    requireTerritoryAdmin(req.agent, t);
    res.json(await cfg.updateRow(pool, 'services', id, parse(serviceUpdate, req.body)));
  });

  // ---- lieux, motifs ----
  orgResource(router, pool, 'lieux', 'lieux', lieuCreate);
  orgResource(router, pool, 'motifs', 'motifs', motifCreate, async (db, body, orgId) => {
    const t = await cfg.serviceTerritory(db, body.serviceId);
    if (t === null || t !== (await cfg.organisationTerritory(db, orgId))) throw invalid('serviceId', 'service inconnu dans ce territoire');
    if (body.collective && !body.defaultCapacity) throw invalid('defaultCapacity', 'un motif collectif a besoin d’une capacité par défaut');
  });

  // ---- agents (scoped by their role in an organisation) ----
  const agentUpdate = z.object({
    firstName: z.string().trim().min(1).max(200).optional(),
    lastName: z.string().trim().min(1).max(200).optional(),
    entraOid: z.string().uuid().nullable().optional(),
    outlookMailbox: z.string().trim().toLowerCase().email().nullable().optional(),
    outlookSyncOptOut: z.boolean().optional(),
    organisationId: idSchema,
    role: z.enum(['admin', 'basic', 'intervenant']).optional(),
  }).strict();
  router.get('/agents', async (req, res) => {
    const q = parse(z.object({ organisationId: idSchema.optional() }).strict(), req.query, 'query');
    if (q.organisationId) requireOrgRole(req.agent, q.organisationId);
    res.json(await cfg.agentsOfOrganisations(pool, q.organisationId ? [q.organisationId] : orgIds(req)));
  });
  router.post('/agents', async (req, res) => {
    const body = parse(agentCreate, req.body);
    requireAdmin(req.agent, body.organisationId);
    const territory = await cfg.organisationTerritory(pool, body.organisationId);
    for (const s of body.serviceIds) {
      if ((await cfg.serviceTerritory(pool, s)) !== territory) throw invalid('serviceIds', `service ${s} inconnu dans ce territoire`);
    }
    const row = await withTransaction(pool, async (c) => {
      const r = await cfg.insertRow(c, 'agents', body);
      await cfg.setAgentRole(c, r.id as number, body.organisationId, body.role);
      await cfg.setAgentServices(c, r.id as number, body.serviceIds);
      await appendAudit(c, { kind: 'agent', agentId: req.agent.id, channel: 'api' }, 'agents', r.id as number, 'created', { organisationId: body.organisationId, role: body.role });
      return { ...r, organisationId: body.organisationId, role: body.role, serviceIds: body.serviceIds };
    });
    res.status(201).json(row);
  });
  router.patch('/agents/:id', async (req, res) => {
    const id = pathId(req);
    const body = parse(agentUpdate, req.body);
    requireAdmin(req.agent, body.organisationId);
    if (!(await cfg.agentRoleIn(pool, id, body.organisationId))) throw inaccessible();
    const row = await withTransaction(pool, async (c) => {
      const r = await cfg.updateRow(c, 'agents', id, body);
      if (body.role) await cfg.setAgentRole(c, id, body.organisationId, body.role);
      return r;
    });
    res.json(row);
  });
  router.delete('/agents/:id', async (req, res) => {
    const id = pathId(req);
    const q = parse(z.object({ organisationId: idSchema }).strict(), req.query, 'query');
    requireAdmin(req.agent, q.organisationId);
    if (!(await cfg.removeAgentRole(pool, id, q.organisationId))) throw inaccessible();
    res.status(204).end();
  });

  // ---- plages & absences (agent + organisation scoped) ----
  for (const [path, table, create] of [['plages', 'plages', plageCreate], ['absences', 'absences', absenceCreate]] as const) {
    const update = patchOf(create as z.ZodObject, ['organisationId']);
    const check = async (db: Client | Pool, body: any) => {
      if (!(await cfg.agentRoleIn(db, body.agentId, body.organisationId))) throw invalid('agentId', "cet agent n'appartient pas à l'organisation");
      if (table === 'plages') {
        if (body.lieuId != null) {
          const lieu = await cfg.getRow(db, 'lieux', body.lieuId);
          if (!lieu || lieu.organisationId !== body.organisationId) throw invalid('lieuId', "lieu inconnu dans l'organisation");
        }
        if (body.motifIds) {
          const found = await cfg.motifsOfOrganisation(db, body.organisationId, body.motifIds);
          const missing = body.motifIds.filter((m: number) => !found.includes(m));
          if (missing.length) throw invalid('motifIds', `motif(s) ${missing.join(', ')} inconnu(s) dans l'organisation`);
        }
      }
    };
    const withMotifs = async (db: Client | Pool, rows: Record<string, unknown>[]) => {
      if (table !== 'plages') return rows;
      const m = await cfg.plageMotifs(db, rows.map((r) => r.id as number));
      return rows.map((r) => ({ ...r, motifIds: m.get(r.id as number) ?? [] }));
    };
    router.get(`/${path}`, async (req, res) => {
      const q = parse(z.object({ organisationId: idSchema.optional(), agentId: idSchema.optional() }).strict(), req.query, 'query');
      if (q.organisationId) requireOrgRole(req.agent, q.organisationId);
      let rows = await cfg.listRows(pool, table, 'organisation_id', q.organisationId ? [q.organisationId] : orgIds(req));
      if (q.agentId) rows = rows.filter((r) => r.agentId === q.agentId);
      res.json(await withMotifs(pool, rows));
    });
    router.get(`/${path}/:id`, async (req, res) => {
      const row = await cfg.getRow(pool, table, pathId(req));
      if (!row || !req.agent.roles.has(row.organisationId as number)) throw inaccessible();
      res.json((await withMotifs(pool, [row]))[0]);
    });
    router.post(`/${path}`, async (req, res) => {
      const body = parse(create, req.body) as any;
      requireAdmin(req.agent, body.organisationId);
      await check(pool, body);
      const row = await withTransaction(pool, async (c) => {
        const r = await cfg.insertRow(c, table, body);
        if (table === 'plages') await cfg.setPlageMotifs(c, r.id as number, body.motifIds);
        await appendAudit(c, { kind: 'agent', agentId: req.agent.id, channel: 'api' }, table, r.id as number, 'created', body);
        return (await withMotifs(c, [r]))[0];
      });
      res.status(201).json(row);
    });
    router.patch(`/${path}/:id`, async (req, res) => {
      const id = pathId(req);
      const current = await cfg.getRow(pool, table, id);
      if (!current || !req.agent.roles.has(current.organisationId as number)) throw inaccessible();
      requireAdmin(req.agent, current.organisationId as number);
      const body = parse(update, req.body) as any;
      const merged = { ...current, ...body };
      // Re-validate the whole object: a partial update must not break a cross-field rule (end after start…).
      const keys = Object.keys(create.shape);
      parse(create, Object.fromEntries(Object.entries({ ...merged, motifIds: merged.motifIds ?? [1] }).filter(([k, v]) => keys.includes(k) && v !== null)));
      await check(pool, merged);
      const row = await withTransaction(pool, async (c) => {
        const r = await cfg.updateRow(c, table, id, body);
        if (table === 'plages' && body.motifIds) await cfg.setPlageMotifs(c, id, body.motifIds);
        await appendAudit(c, { kind: 'agent', agentId: req.agent.id, channel: 'api' }, table, id, 'updated', body);
        return (await withMotifs(c, [r!]))[0];
      });
      res.json(row);
    });
    router.delete(`/${path}/:id`, async (req, res) => {
      const id = pathId(req);
      const current = await cfg.getRow(pool, table, id);
      if (!current || !req.agent.roles.has(current.organisationId as number)) throw inaccessible();
      requireAdmin(req.agent, current.organisationId as number);
      await cfg.deleteRow(pool, table, id);
      res.status(204).end();
    });
  }

  // ---- feature switches ----
  router.get('/feature-switches', async (req, res) => res.json(await cfg.listFeatureSwitches(pool, territoryIds(req))));
  router.get('/feature-switches/effective', async (req, res) => {
    const q = parse(z.object({ organisationId: idSchema, serviceId: idSchema.optional() }).strict(), req.query, 'query');
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
      const r = await cfg.upsertFeatureSwitch(c, body);
      await appendAudit(c, { kind: 'agent', agentId: req.agent.id, channel: 'api' }, 'feature_switches', r.id as number, 'set', body);
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
    await cfg.deleteFeatureSwitch(pool, id);
    res.status(204).end();
  });

  return router;
}
