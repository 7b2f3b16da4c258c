/**
 * A world for the sync's operation tests (connection, daemon): the emulator with a tenant, the sync app and one mailbox per agent of aWorld(), an HTTPS
 * receiver standing for the service's webhook (it answers Graph's validation handshake), the real Graph gateway,
 * SyncDeps on a fresh test database, and the API on that database with the sync's routes mounted (/api/sync, /graph,
 * /metrics), the Outlook item routes, and configuration changes followed by the mailboxes (as main.ts wires it).
 *   const sw = await startSyncWorld(); … await sw.stop();
 */
export { eventually } from './eventually';
import { Router } from 'express';
import pino from 'pino';
import { createSyncMetrics, metricsRouter, type SyncMetricsBundle } from '../../sync-service/src/sync/metrics';
import { loadSyncConfig, type SyncConfig } from '../../sync-service/src/sync/config';
import { mailboxFollower } from '../../sync-service/src/sync/connection';
import { createGraphGateway, type CalendarGateway } from '../../sync-service/src/sync/graph';
import type { SyncDeps } from '../../sync-service/src/sync/types';
import { SYNC_OPENAPI_PATHS } from '../../sync-service/src/http/openapi';
import { syncRouter } from '../../sync-service/src/http/routes/sync';
import { awaitAddinItem } from '../../sync-service/src/sync/addin-item';
import { notificationsRouter } from '../../sync-service/src/sync/webhook';
import { startEmulator, type Emulator } from '../m365-emulator';
import { startReceiver, type Receiver } from '../m365-emulator/conformance/kit';
import { aWorld, type World } from './builders';
import { startTestService, type TestService } from './service';

/** Fixed business time of sync tests: Monday 2 March 2026, 09:00 in Paris. */
export const SYNC_NOW = new Date('2026-03-02T08:00:00Z');

export interface SyncWorld {
  emulator: Emulator;
  receiver: Receiver;
  svc: TestService;
  w: World;
  config: SyncConfig;
  gateway: CalendarGateway;
  metrics: SyncMetricsBundle;
  deps: SyncDeps;
  /** Emulator user id of each agent of aWorld() (their outlook_mailbox is the user's UPN). */
  userOf: Record<'adminA' | 'agentA' | 'agentA2' | 'adminB', { id: string; upn: string }>;
  setNow(now: Date): void;
  stop(): Promise<void>;
}

export async function startSyncWorld(opts: { env?: NodeJS.ProcessEnv } = {}): Promise<SyncWorld> {
  const emulator = await startEmulator({ quiet: true });
  const receiver = await startReceiver();
  const c = emulator.control;
  const tenant = c.createTenant({ name: 'Département de test' });
  const app = c.createApp({ tenantId: tenant.id, roles: ['Calendars.ReadWrite', 'User.Read.All'] });
  let now = SYNC_NOW;
  const config = loadSyncConfig({
    GRAPH_TENANT_ID: tenant.id, GRAPH_CLIENT_ID: app.clientId, GRAPH_CLIENT_SECRET: app.clientSecret,
    GRAPH_AUTHORITY_HOST: emulator.baseUrl, GRAPH_BASE_URL: emulator.baseUrl, SYNC_NOTIFICATION_URL: receiver.url, ...opts.env,
  }, undefined)!;
  // The sync's routers are built once the database exists: mount routers that forward to the real ones.
  const inner: Record<'api' | 'graph' | 'metrics', Router | null> = { api: null, graph: null, metrics: null };
  const forward = (which: keyof typeof inner) => Router().use((req, res, next) => (inner[which] ? inner[which]!(req, res, next) : next()));
  // The API's own gateway (an instance has one per process), for the Outlook item routes and compose-mode bookings.
  const apiGateway = await createGraphGateway(config);
  const svc = await startTestService({
    now,
    deps: {
      apiRouters: [['/sync', forward('api')]], publicRouters: [['/graph', forward('graph')], ['/metrics', forward('metrics')]],
      followMailboxes: mailboxFollower(() => now), openApiPaths: SYNC_OPENAPI_PATHS,
      outlook: { gateway: apiGateway, composeBooking: (c, rdvId, agentId, at) => awaitAddinItem(c, rdvId, agentId, at, config.addinItemGraceMinutes) },
    },
  });
  const w = await aWorld(svc.db.pool);
  const metrics = createSyncMetrics(svc.db.pool);
  const gateway = await createGraphGateway(config, metrics.observer);
  const deps: SyncDeps = { pool: svc.db.pool, gateway, config, logger: pino({ level: 'silent' }), now: () => now, metrics: metrics.metrics };
  inner.api = syncRouter({ pool: svc.db.pool, config, now: () => now });
  inner.graph = notificationsRouter(deps);
  inner.metrics = metricsRouter(metrics.registry);

  const userOf = {} as SyncWorld['userOf'];
  for (const key of ['adminA', 'agentA', 'agentA2', 'adminB'] as const) {
    const upn = w[key].email.replace('@test.fr', '@testville.example');
    const user = c.createUser({ tenantId: tenant.id, userPrincipalName: upn, displayName: key });
    await svc.db.pool.query('update agents set outlook_mailbox = $2 where id = $1', [w[key].id, upn]);
    userOf[key] = { id: user.id, upn };
  }
  return {
    emulator, receiver, svc, w, config, gateway, metrics, deps, userOf,
    setNow: (n) => { now = n; svc.setNow(n); },
    async stop() {
      await svc.stop();
      await receiver.close();
      await emulator.stop();
    },
  };
}

/** Switches the Outlook sync on for an organisation. */
export async function enableOutlookSync(sw: SyncWorld, organisationId: number): Promise<void> {
  await sw.svc.db.pool.query(
    `insert into feature_switches (territory_id, organisation_id, feature, enabled) values ($1, $2, 'outlook_sync', true)`,
    [sw.w.territoryId, organisationId]);
}

/** An RDV of one agent written straight into the store (no booking rules: the sync is under test here). */
export async function insertRdv(sw: SyncWorld, r: { agentId: number; startsAt: string; minutes?: number; status?: string }): Promise<number> {
  const pool = sw.svc.db.pool;
  const start = new Date(r.startsAt);
  const { rows } = await pool.query(
    `insert into rdvs (organisation_id, motif_id, lieu_id, starts_at, ends_at, status, channel) values ($1, $2, $3, $4, $5, $6, 'api') returning id`,
    [sw.w.orgA, sw.w.motifA, sw.w.lieuA, start, new Date(start.getTime() + (r.minutes ?? 30) * 60_000), r.status ?? 'unknown']);
  const id = Number(rows[0].id);
  await pool.query('insert into rdv_agents (rdv_id, agent_id) values ($1, $2)', [id, r.agentId]);
  return id;
}

