/**
 * The sync as the daemon runs it: settings from the environment, the credential warning in /ready's detail,
 * /metrics in Prometheus format, and the ticks that only enqueue singleton jobs.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Router } from 'express';
import pino from 'pino';
import { loadSyncConfig } from '../../../sync-service/src/sync/config';
import { createGraphGateway } from '../../../sync-service/src/sync/graph';
import { enqueueReconcileTick, enqueueRenewTick } from '../../../sync-service/src/sync/index';
import { createSyncMetrics } from '../../../sync-service/src/sync/metrics';
import { startSyncWiring, type SyncWiring } from '../../../sync-service/src/sync/wiring';
import { startEmulator, type Emulator } from '../../m365-emulator';
import { startTestService, type TestService } from '../../helpers/service';
import { SYNC_NOW } from '../../helpers/sync-ops-world';

let emulator: Emulator;
let svc: TestService;
let wiring: SyncWiring | null = null;
let env: NodeJS.ProcessEnv;
let userId: string;

beforeAll(async () => {
  emulator = await startEmulator({ quiet: true });
  const c = emulator.control;
  const tenant = c.createTenant({ name: 'Département de test' });
  const app = c.createApp({ tenantId: tenant.id, roles: ['Calendars.ReadWrite', 'User.Read.All'] });
  userId = c.createUser({ tenantId: tenant.id, userPrincipalName: 'claire.martin@testville.example', displayName: 'Claire Martin' }).id;
  env = {
    GRAPH_TENANT_ID: tenant.id, GRAPH_CLIENT_ID: app.clientId, GRAPH_CLIENT_SECRET: app.clientSecret,
    GRAPH_AUTHORITY_HOST: emulator.baseUrl, GRAPH_BASE_URL: emulator.baseUrl, SYNC_WORKER: 'false',
  };
  // The routers exist once the sync has started on the service's database: forward to them.
  const forward = (pick: (w: SyncWiring) => Array<[string, Router]>, path: string) => {
    const r = Router();
    r.use((req, res, next) => {
      const found = wiring && pick(wiring).find(([p]) => p === path);
      return found ? found[1](req, res, next) : next();
    });
    return r;
  };
  svc = await startTestService({
    now: SYNC_NOW,
    deps: {
      publicRouters: [['/metrics', forward((w) => w.publicRouters, '/metrics')]],
      readyDetail: () => wiring?.readyDetail() ?? {},
    },
  });
}, 60_000);
afterAll(async () => {
  await wiring?.stop();
  await svc?.stop();
  await emulator?.stop();
});

const start = async (extra: NodeJS.ProcessEnv) => {
  await wiring?.stop();
  wiring = await startSyncWiring({
    config: loadSyncConfig({ ...env, ...extra }, 'https://rdv.example.fr'), pool: svc.db.pool, databaseUrl: svc.db.url, logger: pino({ level: 'silent' }),
    now: () => SYNC_NOW, publicUrl: 'https://rdv.example.fr',
  });
};

describe('the credential warning', () => {
  it('should appear in /ready when the client secret expires in 10 days', async () => {
    await start({ GRAPH_CLIENT_SECRET_EXPIRES_AT: '2026-03-12T08:00:00Z' });
    const res = await fetch(`${svc.baseUrl}/ready`);
    expect(res.status).toBe(200);
    const body = await res.json() as { status: string; sync: { credential: string | null; credentialExpiresAt: string } };
    expect(body.status).toBe('ready');
    expect(body.sync.credential).toBe("Le secret de l'application de synchronisation Outlook expire dans 10 jour(s) (2026-03-12) : renouvelez-le dans Entra ID avant cette date.");
    expect(body.sync.credentialExpiresAt).toBe('2026-03-12T08:00:00.000Z');
  }, 30_000);

  it('should be absent from /ready when the secret expires in a year', async () => {
    await start({ GRAPH_CLIENT_SECRET_EXPIRES_AT: '2027-03-02' });
    const body = await (await fetch(`${svc.baseUrl}/ready`)).json() as { sync: { credential: string | null; configured: boolean } };
    expect(body.sync).toMatchObject({ configured: true, credential: null });
  }, 30_000);
});

describe('/metrics', () => {
  it('should serve the queue depth and age by job kind in Prometheus text format', async () => {
    await start({ GRAPH_CLIENT_SECRET_EXPIRES_AT: '2027-03-02' });
    await svc.db.pool.query('delete from jobs');
    await enqueueRenewTick(svc.db.pool);
    await enqueueRenewTick(svc.db.pool); // a second tick (another instance) coalesces: one job
    expect(await enqueueReconcileTick(svc.db.pool)).toBe(0); // no connected mailbox: nothing to reconcile
    const res = await fetch(`${svc.baseUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toMatch(/^rdv_sync_queue_jobs\{kind="sync\.renew",state="waiting"\} 1$/m);
    expect(text).toMatch(/^rdv_sync_queue_oldest_seconds\{kind="sync\.renew"\} [\d.e-]+$/m);
    for (const name of ['rdv_sync_graph_requests_total', 'rdv_sync_graph_throttle_wait_seconds_total', 'rdv_sync_propagation_seconds', 'rdv_sync_mailbox_errors_total', 'rdv_sync_reconcile_repaired_total']) {
      expect(text).toContain(`# TYPE ${name} `);
    }
  }, 30_000);

  it('should count Graph requests by kind and status, and the time spent waiting on Retry-After', async () => {
    const bundle = createSyncMetrics(svc.db.pool);
    const config = loadSyncConfig(env, undefined)!;
    const gateway = await createGraphGateway(config, bundle.observer);
    emulator.control.injectFault(userId, { kind: 'status', status: 429, count: 1, retryAfterSeconds: 1 });
    expect(await gateway.userExists('claire.martin@testville.example')).toBe(true);
    bundle.metrics.outboundLatency(0.2);
    bundle.metrics.mailboxError(42, 'renew');
    const text = await bundle.registry.metrics();
    expect(text).toMatch(/^rdv_sync_graph_requests_total\{kind="[^"]+",status="429"\} 1$/m);
    expect(text).toMatch(/^rdv_sync_graph_requests_total\{kind="[^"]+",status="200"\} 1$/m);
    expect(text).toMatch(/^rdv_sync_graph_throttle_waits_total\{kind="[^"]+"\} 1$/m);
    expect(text).toMatch(/^rdv_sync_graph_throttle_wait_seconds_total\{kind="[^"]+"\} (1|0\.9\d*)$/m);
    expect(text).toMatch(/^rdv_sync_propagation_seconds_count\{direction="outbound"\} 1$/m);
    expect(text).toMatch(/^rdv_sync_mailbox_errors_total\{agent_id="42",kind="renew"\} 1$/m);
  }, 30_000);
});
