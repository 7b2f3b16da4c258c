/**
 * The sync as main.ts sees it, from its settings (read and checked by loadSyncConfig before anything starts): what
 * to mount — Graph's webhooks at /graph and /metrics (public), the status/admin API at /api/sync, the Outlook item
 * routes' Graph gateway and the sync's part of a booking made in compose mode, the credential
 * warning in /ready's detail. Without GRAPH_CLIENT_ID the sync is off and nothing is mounted.
 */
import type { Router } from 'express';
import type { Logger } from 'pino';
import type { Pool } from '../data/db';
import type { ComposeBooking } from '../http/routes/rdvs';
import { SYNC_OPENAPI_PATHS } from '../http/openapi';
import { syncRouter } from '../http/routes/sync';
import { awaitAddinItem } from './addin-item';
import type { CalendarGateway } from './graph';
import type { SyncConfig } from './config';
import { mailboxFollower, type MailboxFollower } from './connection';
import { startSync } from './index';

export interface SyncWiring {
  publicRouters: Array<[string, Router]>;
  apiRouters: Array<[string, Router]>;
  readyDetail: () => Record<string, unknown>;
  /** What the Outlook item routes and compose-mode bookings need of the sync; absent when the sync is off. */
  outlook?: { gateway: CalendarGateway; composeBooking: ComposeBooking };
  /** What configuration changes do to mailboxes (undefined when the sync is off). */
  followMailboxes?: MailboxFollower;
  /** The mounted routes' part of /api/openapi.json. */
  openApiPaths: Record<string, unknown>;
  banner: string;
  stop(): Promise<void>;
}

/** `config` null: the sync is off (no GRAPH_CLIENT_ID). */
export async function startSyncWiring(opts: { config: SyncConfig | null; pool: Pool; databaseUrl: string; logger: Logger; now: () => Date; publicUrl: string }): Promise<SyncWiring> {
  const { config } = opts;
  if (!config) {
    return { publicRouters: [], apiRouters: [], openApiPaths: {}, readyDetail: () => ({ sync: { configured: false } }), banner: 'sync off (GRAPH_CLIENT_ID not set)', stop: async () => {} };
  }
  const sync = await startSync({ pool: opts.pool, databaseUrl: opts.databaseUrl, logger: opts.logger, config, now: opts.now, publicUrl: opts.publicUrl });
  return {
    publicRouters: [['/graph', sync.router], ['/metrics', sync.metricsRouter]],
    apiRouters: [['/sync', syncRouter({ pool: opts.pool, config, now: opts.now })]],
    outlook: {
      gateway: sync.deps.gateway,
      composeBooking: (client, rdvId, agentId, now) => awaitAddinItem(client, rdvId, agentId, now, config.addinItemGraceMinutes),
    },
    readyDetail: () => ({ sync: { configured: true, ...sync.status() } }),
    followMailboxes: mailboxFollower(opts.now),
    openApiPaths: SYNC_OPENAPI_PATHS,
    banner: `sync ${sync.runner ? 'worker running' : 'API only (SYNC_WORKER=false)'}, Graph ${config.graphBaseUrl}, notifications ${config.notificationUrl ?? 'NONE (set SYNC_NOTIFICATION_URL)'}`,
    stop: () => sync.stop(),
  };
}
