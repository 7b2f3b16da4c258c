/**
 * Outlook sync API: each mailbox's sync state (for the agent themself and the admins of their organisations), and
 * the admin actions connect / disconnect / resync. Actions only enqueue jobs (the workers talk to Graph), so the
 * answer is immediate (202) and the state says how far the work went.
 */
import { Router, type Request } from 'express';
import { idText, z } from '../../../../shared/src/schemas';
import { appendAudit } from '../../data/audit';
import { withTransaction, type Db, type Pool } from '../../data/db';
import { agentSyncProfile, getMailbox, mailboxStatuses, type AgentSyncProfile, type MailboxStatusRow } from '../../data/sync';
import { conflict, forbidden } from '../../errors';
import type { SyncConfig } from '../../sync/config';
import { assertConnectable, requestConnect, requestDisconnect, requestResync } from '../../sync/connection';
import { parse } from '../errors';

export interface SyncRouterDeps { pool: Pool; config: SyncConfig; now: () => Date }

/** The route's refusals, also the OpenAPI document's examples. */
export const syncRefusals = {
  /** Same answer for an agent that does not exist and one the caller may not see. */
  inaccessible: () => forbidden('Agent introuvable ou inaccessible.'),
  adminsOnly: () => forbidden('Réservé aux administrateurs : consultez votre propre état avec /api/sync/mailboxes/{votre id}.'),
  notConnected: () => conflict('not_connected', "L'agenda Outlook de cet agent n'est pas connecté."),
  notConnectedForResync: () => conflict('not_connected', "L'agenda Outlook de cet agent n'est pas connecté : connectez-le d'abord."),
};

/** What the API shows of one mailbox. Never usager data; the mailbox address is the agent's own. */
export function mailboxStatusView(s: MailboxStatusRow) {
  const m = s.mailbox;
  return {
    agentId: s.agentId,
    agentName: `${s.firstName} ${s.lastName}`,
    outlookMailbox: s.outlookMailbox,
    optedOut: s.optOut,
    connected: m?.state === 'connected',
    state: m?.state ?? 'disconnected',
    connectedAt: m?.connectedAt ?? null,
    lastSuccessAt: m?.lastSuccessAt ?? null,
    lastError: m?.lastError ?? null,
    lastErrorAt: m?.lastErrorAt ?? null,
    subscriptionExpiresAt: m?.subscriptionExpiresAt ?? null,
    pendingOutboundChanges: s.outboxDepth,
    import: m ? { done: m.importDone, total: m.importTotal } : null,
  };
}

export function syncRouter(deps: SyncRouterDeps): Router {
  const { pool } = deps;
  const router = Router();
  const agentParam = (req: Request) => parse(z.object({ agentId: idText }), req.params, 'params').agentId;

  const adminOrgsOfAgent = (req: Request, agent: AgentSyncProfile) => agent.organisationIds.filter((o) => req.agent.roles.get(o) === 'admin');

  /** The agent, if the caller is an admin of one of their organisations. */
  async function administered(req: Request): Promise<AgentSyncProfile> {
    const agent = await agentSyncProfile(pool, agentParam(req));
    if (!agent || !adminOrgsOfAgent(req, agent).length) throw syncRefusals.inaccessible();
    return agent;
  }

  async function statusOf(agentId: number) {
    const [row] = await mailboxStatuses(pool, { agentIds: [agentId] });
    return mailboxStatusView(row);
  }

  const audit = (db: Db, req: Request, agentId: number, action: string, changes: Record<string, unknown>) =>
    appendAudit(db, { kind: 'agent', agentId: req.agent.id, channel: 'api' }, 'agent', agentId, action, changes, deps.now());

  router.get('/mailboxes', async (req, res) => {
    const orgs = [...req.agent.roles].filter(([, role]) => role === 'admin').map(([org]) => org);
    if (!orgs.length) throw syncRefusals.adminsOnly();
    res.json((await mailboxStatuses(pool, { organisationIds: orgs })).map(mailboxStatusView));
  });

  router.get('/mailboxes/:agentId', async (req, res) => {
    const agentId = agentParam(req);
    if (agentId !== req.agent.id) {
      const agent = await agentSyncProfile(pool, agentId);
      if (!agent || !adminOrgsOfAgent(req, agent).length) throw syncRefusals.inaccessible();
    }
    res.json(await statusOf(agentId));
  });

  router.post('/mailboxes/:agentId/connect', async (req, res) => {
    const agent = await administered(req);
    assertConnectable(agent);
    const existing = await getMailbox(pool, agent.agentId);
    if (existing?.state !== 'connected' || existing.mailbox !== agent.outlookMailbox) {
      await withTransaction(pool, async (c) => {
        await requestConnect(c, agent.agentId, agent.outlookMailbox!);
        await audit(c, req, agent.agentId, 'sync_connect', { mailbox: agent.outlookMailbox });
      });
    }
    res.status(202).json(await statusOf(agent.agentId));
  });

  router.post('/mailboxes/:agentId/disconnect', async (req, res) => {
    const agent = await administered(req);
    if (!(await getMailbox(pool, agent.agentId))) throw syncRefusals.notConnected();
    await withTransaction(pool, async (c) => {
      await requestDisconnect(c, agent.agentId, { reconnect: false });
      await audit(c, req, agent.agentId, 'sync_disconnect', {});
    });
    res.status(202).json(await statusOf(agent.agentId));
  });

  router.post('/mailboxes/:agentId/resync', async (req, res) => {
    const agent = await administered(req);
    const row = await getMailbox(pool, agent.agentId);
    if (row?.state !== 'connected') throw syncRefusals.notConnectedForResync();
    await withTransaction(pool, async (c) => {
      await requestResync(deps, c, agent.agentId);
      await audit(c, req, agent.agentId, 'sync_resync', {});
    });
    res.status(202).json(await statusOf(agent.agentId));
  });

  return router;
}

