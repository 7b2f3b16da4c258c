/**
 * RDV API: create, move, cancel (excused or revoked, with a reason), set status, add participants, list an
 * agent's RDVs for a period, get one with its participants, audit trail and notification receipts (reminders).
 */
import { Router, type Request } from 'express';
import { idParams, rdvCancel, rdvCreate, rdvList, rdvMove, rdvParticipantsAdd, rdvSetStatus } from '../../../../shared/src/schemas';
import { addParticipants, cancelRdv, createRdv, moveRdv, rdvForAgent, setRdvStatus } from '../../booking';
import { listAudit } from '../../data/audit';
import { listReceipts, listScheduledMessages } from '../../reminders/receipts';
import type { Client, Pool } from '../../data/db';
import * as rdvs from '../../data/rdvs';
import { requireOrgRole } from '../auth';
import { parse } from '../errors';
import type { idempotency } from '../idempotency';

const rdvId = (req: Request) => parse(idParams, req.params, 'params').id;
const channelOf = (req: Request) => (req.get('X-Rdv-Channel') === 'addin' ? 'addin' : 'api');

/** An RDV as its detail screen shows it: participants, audit trail, notifications sent and planned. */
export async function rdvDetail(pool: Pool, rdv: rdvs.RdvRow) {
  const [participants, audit, receipts, scheduledMessages] = await Promise.all([
    rdvs.listParticipants(pool, rdv.id),
    listAudit(pool, 'rdv', rdv.id),
    listReceipts(pool, rdv.id),
    listScheduledMessages(pool, rdv.id),
  ]);
  return { ...rdv, participants, audit, receipts, scheduledMessages };
}

/** Booking from an appointment being composed (the sync's part, when it runs): what the pane fills the item with. */
export type ComposeBooking = (client: Client, rdvId: number, agentId: number, now: Date) => Promise<unknown>;

export function rdvsRouter(pool: Pool, opts: { now: () => Date; idempotent: ReturnType<typeof idempotency>; composeBooking?: ComposeBooking }): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    const q = parse(rdvList, req.query, 'query');
    if (q.organisationId) requireOrgRole(req.agent, q.organisationId);
    const agentId = q.agentId ?? (q.organisationId ? undefined : req.agent.id);
    res.json(await rdvs.listRdvs(pool, {
      agentId, organisationIds: q.organisationId ? [q.organisationId] : [...req.agent.roles.keys()], from: q.from, to: q.to, status: q.status,
    }));
  });

  router.post('/', opts.idempotent(async (req, record) => {
    const body = parse(rdvCreate, req.body);
    const now = opts.now();
    // Compose mode: the answer says what to fill the item with (null when nothing waits for it: sync off, not
    // the caller's RDV), decided in the booking's transaction and kept with it for a replay.
    let outlookEvent: unknown = null;
    const answer = (created: rdvs.RdvRow) => (body.outlookItem ? { ...created, outlookEvent } : created);
    const rdv = await createRdv(pool, req.agent, body, now, {
      beforeCommit: async (c, created) => {
        if (body.outlookItem && opts.composeBooking) outlookEvent = await opts.composeBooking(c, created.id, req.agent.id, now);
        if (record) await record(c, { status: 201, body: answer(created) });
      },
    });
    return { status: 201, body: answer(rdv) };
  }));

  router.get('/:id', async (req, res) => {
    res.json(await rdvDetail(pool, await rdvForAgent(pool, req.agent, rdvId(req))));
  });

  /** Notifications of the RDV: every attempt and dropped message (receipts) and what is planned. */
  router.get('/:id/receipts', async (req, res) => {
    const rdv = await rdvForAgent(pool, req.agent, rdvId(req));
    res.json({ receipts: await listReceipts(pool, rdv.id), scheduled: await listScheduledMessages(pool, rdv.id) });
  });

  router.post('/:id/move', async (req, res) => {
    res.json(await moveRdv(pool, req.agent, rdvId(req), parse(rdvMove, req.body), opts.now(), channelOf(req)));
  });

  router.post('/:id/cancel', async (req, res) => {
    res.json(await cancelRdv(pool, req.agent, rdvId(req), parse(rdvCancel, req.body), opts.now(), channelOf(req)));
  });

  router.post('/:id/status', async (req, res) => {
    res.json(await setRdvStatus(pool, req.agent, rdvId(req), parse(rdvSetStatus, req.body).status, opts.now(), channelOf(req)));
  });

  router.post('/:id/participants', async (req, res) => {
    res.json(await addParticipants(pool, req.agent, rdvId(req), parse(rdvParticipantsAdd, req.body).usagerIds, opts.now(), channelOf(req)));
  });

  return router;
}
