/**
 * Outlook items and RDVs, for the add-in: the RDV behind the appointment the pane was opened on, and the report of
 * the appointment the pane saved for an RDV booked in compose mode (sync/addin-item.ts). With the sync off, each
 * route says so in French (409), never a 500.
 */
import { Router } from 'express';
import { outlookItemParams, outlookItemReport } from '../../../../shared/src/schemas';
import { rdvForAgent } from '../../booking';
import type { Pool } from '../../data/db';
import { DomainError } from '../../errors';
import { notOurs, reportAddinItem, resolveItem, syncOff } from '../../sync/addin-item';
import type { CalendarGateway } from '../../sync/graph';
import { parse } from '../errors';
import { rdvDetail } from './rdvs';

export function outlookRouter(pool: Pool, gateway: CalendarGateway | null): Router {
  const router = Router();
  router.use((_req, _res, next) => next(gateway ? undefined : syncOff()));

  router.get('/items/:itemId/rdv', async (req, res) => {
    const { itemId } = parse(outlookItemParams, req.params, 'params');
    const rdvId = await resolveItem(pool, gateway!, req.agent.id, itemId);
    if (rdvId === null) throw notOurs();
    const rdv = await rdvForAgent(pool, req.agent, rdvId).catch((err) => {
      throw err instanceof DomainError && err.status < 500 ? notOurs() : err;
    });
    res.json(await rdvDetail(pool, rdv));
  });

  router.post('/items', async (req, res) => {
    const body = parse(outlookItemReport, req.body);
    await rdvForAgent(pool, req.agent, body.rdvId);
    res.json({ rdvId: body.rdvId, ...(await reportAddinItem(pool, gateway!, req.agent.id, body.rdvId, body.itemId)) });
  });

  return router;
}
