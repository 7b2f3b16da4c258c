/**
 * Usagers API: search (name, phone, birth date; accent- and case-insensitive), create, update, relatives, follow.
 * An agent sees usagers followed by the organisations where they have a role. Following an usager of another
 * organisation is an explicit, audited action needing a territory right, in a territory that allows it.
 */
import { Router, type Request } from 'express';
import { idParams, relativeCreate, usagerCreate, usagerFollow, usagerSearch, usagerUpdate } from '../../../../shared/src/schemas';
import { InvalidPhoneNumberError, normalisePhone, phoneRegionOf } from '../../../../shared/src/notifications/phone';
import { appendAudit } from '../../data/audit';
import { getRow, organisationTerritory, territoryDepartementCode } from '../../data/config';
import { withTransaction, type Db, type Pool } from '../../data/db';
import * as usagers from '../../data/usagers';
import { forbidden, invalid } from '../../errors';
import { requireOrgRole, requireTerritoryRight } from '../auth';
import { parse } from '../errors';
import type { idempotency } from '../idempotency';

const inaccessible = () => forbidden('Usager introuvable ou inaccessible.');

async function visibleUsager(pool: Pool, req: Request) {
  const id = parse(idParams, req.params, 'params').id;
  const u = await usagers.getUsager(pool, id);
  if (!u) throw inaccessible();
  const orgs = await usagers.usagerOrganisations(pool, id);
  if (!orgs.some((o) => req.agent.roles.has(o))) throw inaccessible();
  return u;
}

/** The number in E.164, read with the territory's numbering region ("692…" typed in Réunion is +262692…). */
async function phoneOrError(db: Db, territoryId: number, phone: string | null | undefined): Promise<string | null | undefined> {
  if (phone == null) return phone;
  const region = phoneRegionOf((await territoryDepartementCode(db, territoryId)) ?? '');
  try {
    return normalisePhone(phone, { region });
  } catch (err) {
    if (err instanceof InvalidPhoneNumberError) throw invalid('phone', err.message);
    throw err;
  }
}

export function usagersRouter(pool: Pool, opts: { idempotent: ReturnType<typeof idempotency> }): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    const q = parse(usagerSearch, req.query, 'query');
    if (q.organisationId) requireOrgRole(req.agent, q.organisationId);
    const digits = q.phone?.replace(/\D/g, '');
    // Match a number typed with its trunk 0 (national form) or 00 (international prefix) against the stored E.164 form.
    const phoneDigits = digits ? digits.replace(/^00?/, '') : undefined;
    res.json(await usagers.searchUsagers(pool, {
      organisationIds: q.organisationId ? [q.organisationId] : [...req.agent.roles.keys()], text: q.q, phoneDigits, birthDate: q.birthDate, limit: q.limit,
    }));
  });

  router.get('/:id', async (req, res) => {
    const u = await visibleUsager(pool, req);
    const id = u.id as number;
    res.json({
      ...u,
      relatives: await usagers.relativesOf(pool, id),
      responsible: u.responsibleId ? await usagers.getUsager(pool, u.responsibleId as number) : null,
      rdvs: await usagers.rdvsOfUsager(pool, id, [...req.agent.roles.keys()]),
    });
  });

  router.post('/', opts.idempotent(async (req, record) => {
    const body = parse(usagerCreate, req.body);
    requireOrgRole(req.agent, body.organisationId);
    const territoryId = (await organisationTerritory(pool, body.organisationId))!;
    const phone = await phoneOrError(pool, territoryId, body.phone);
    return withTransaction(pool, async (c) => {
      const newId = await usagers.insertUsager(c, territoryId, body.organisationId, { ...body, phone });
      await appendAudit(c, { kind: 'agent', agentId: req.agent.id, channel: 'api' }, 'usager', newId, 'created', { organisationId: body.organisationId });
      const answer = { status: 201, body: await usagers.getUsager(c, newId) };
      await record?.(c, answer);
      return answer;
    });
  }));

  router.patch('/:id', async (req, res) => {
    const u = await visibleUsager(pool, req);
    const body = parse(usagerUpdate, req.body);
    const phone = await phoneOrError(pool, u.territoryId as number, body.phone);
    await withTransaction(pool, async (c) => {
      await usagers.updateUsager(c, u.id as number, { ...body, phone });
      // Field names only: the audit log never copies personal data.
      await appendAudit(c, { kind: 'agent', agentId: req.agent.id, channel: 'api' }, 'usager', u.id as number, 'updated', { fields: Object.keys(body) });
    });
    res.json(await usagers.getUsager(pool, u.id as number));
  });

  router.post('/:id/follow', async (req, res) => {
    const id = parse(idParams, req.params, 'params').id;
    const { organisationId } = parse(usagerFollow, req.body);
    requireOrgRole(req.agent, organisationId);
    const territoryId = req.agent.orgTerritory.get(organisationId)!;
    requireTerritoryRight(req.agent, territoryId, 'usager_follow');
    const territory = await getRow(pool, 'territories', territoryId);
    if (!territory?.usagerFollowAcrossOrganisations) {
      throw forbidden("Ce territoire ne permet pas aux organisations de suivre les usagers d'une autre organisation.");
    }
    const u = await usagers.getUsager(pool, id);
    if (!u || u.territoryId !== territoryId) throw inaccessible();
    const added = await withTransaction(pool, async (c) => {
      const followed = await usagers.followHousehold(c, id, organisationId);
      for (const u of followed) {
        await appendAudit(c, { kind: 'agent', agentId: req.agent.id, channel: 'api' }, 'usager', u, 'followed', { organisationId, ...(u !== id ? { withUsagerId: id } : {}) });
      }
      return followed;
    });
    res.status(added.includes(id) ? 201 : 200).json({ ...u, followedUsagerIds: added }); // following changes nothing getUsager reads
  });

  router.get('/:id/relatives', async (req, res) => {
    const u = await visibleUsager(pool, req);
    res.json(await usagers.relativesOf(pool, u.id as number));
  });

  router.post('/:id/relatives', opts.idempotent(async (req, record) => {
    const responsible = await visibleUsager(pool, req);
    if (responsible.responsibleId) throw invalid('id', "un proche ne peut pas être responsable d'un autre proche");
    const body = parse(relativeCreate, req.body);
    const orgs = (await usagers.usagerOrganisations(pool, responsible.id as number)).filter((o) => req.agent.roles.has(o));
    return withTransaction(pool, async (c) => {
      const newId = await usagers.insertUsager(c, responsible.territoryId as number, orgs[0], {
        ...body, responsibleId: responsible.id, notifyBySms: false, notifyByEmail: false,
      });
      await appendAudit(c, { kind: 'agent', agentId: req.agent.id, channel: 'api' }, 'usager', newId, 'created', { responsibleId: responsible.id });
      const answer = { status: 201, body: await usagers.getUsager(c, newId) };
      await record?.(c, answer);
      return answer;
    });
  }));

  return router;
}
