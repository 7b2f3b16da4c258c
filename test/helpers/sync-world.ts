/**
 * The test world of the Outlook sync: a fresh database holding aWorld(), an emulated Microsoft 365 tenant whose
 * users are the world's agents (UPN = agent email = `agents.outlook_mailbox`), the real Graph gateway pointed at
 * the emulator, and the SyncDeps every sync part takes. Time is the fixed `now` given (default 2026-03-02 08:00Z).
 *
 *   const sw = await startSyncWorld(); await sw.connect(sw.w.agentA.id); … await sw.stop();
 */
import pino from 'pino';
import { findAgentForToken, type AgentIdentity } from '../../sync-service/src/data/agents';
import { updateMailbox, upsertMailbox, type MailboxRow } from '../../sync-service/src/data/sync';
import { createJobRunner, type JobHandler } from '../../sync-service/src/queue/runner';
import { loadSyncConfig, type SyncConfig } from '../../sync-service/src/sync/config';
import { createGraphGateway, type CalendarGateway, type GraphObserver } from '../../sync-service/src/sync/graph';
import type { SyncDeps, SyncMetrics } from '../../sync-service/src/sync/types';
import { startEmulator, type AppCredentials, type Emulator, type OutlookUser, type User } from '../m365-emulator/index';
import { aWorld, type World } from './builders';
import { createTestDatabase, type TestDatabase } from './db';

export const SYNC_NOW = new Date('2026-03-02T08:00:00Z');

/** What the sync reported through SyncMetrics and the gateway's observer, for assertions. */
export interface Recorded {
  outboundLatencies: number[];
  inboundLatencies: number[];
  mailboxErrors: Array<{ agentId: number; kind: string }>;
  repaired: Array<{ what: string; count: number }>;
  throttleWaits: Array<{ kind: string; waitMs: number }>;
}

export interface SyncWorld {
  db: TestDatabase;
  w: World;
  emulator: Emulator;
  tenantId: string;
  app: AppCredentials;
  config: SyncConfig;
  gateway: CalendarGateway & { inFlight(mailbox: string): number };
  deps: SyncDeps;
  recorded: Recorded;
  /** The emulated user of an agent of the world. */
  userOf(agentId: number): User;
  /** The agent acting in Outlook on their own calendar. */
  outlook(agentId: number): OutlookUser;
  /** Marks the agent's mailbox as connected in the store (the connection part does the real thing). */
  connect(agentId: number, state?: MailboxRow['state']): Promise<void>;
  /** The identity booking.ts wants for an agent. */
  identity(agentId: number): Promise<AgentIdentity>;
  /** Runs the queue with these handlers until nothing is due or running. */
  runQueue(handlers: Record<string, JobHandler>): Promise<void>;
  setNow(now: Date): void;
  stop(): Promise<void>;
}

export async function startSyncWorld(opts: { now?: Date; settings?: Parameters<typeof startEmulator>[0]; deps?: Partial<SyncDeps> } = {}): Promise<SyncWorld> {
  const db = await createTestDatabase();
  const w = await aWorld(db.pool);
  const emulator = await startEmulator({ quiet: true, ...opts.settings });
  const c = emulator.control;
  const tenant = c.createTenant({ name: 'Département de test' });
  const app = c.createApp({ tenantId: tenant.id, roles: ['Calendars.ReadWrite', 'User.Read.All'] });
  const users = new Map<number, User>();
  for (const a of [w.adminA, w.agentA, w.agentA2, w.adminB]) {
    const [first, last] = a.email.split('@')[0].split('.');
    users.set(a.id, c.createUser({ tenantId: tenant.id, userPrincipalName: a.email, displayName: `${first} ${last}`, timeZone: 'Romance Standard Time' }));
    await db.pool.query('update agents set outlook_mailbox = $2 where id = $1', [a.id, a.email]);
  }
  const config = loadSyncConfig({
    GRAPH_TENANT_ID: tenant.id, GRAPH_CLIENT_ID: app.clientId, GRAPH_CLIENT_SECRET: app.clientSecret,
    GRAPH_AUTHORITY_HOST: emulator.baseUrl, GRAPH_BASE_URL: emulator.baseUrl,
  }, 'https://127.0.0.1:1')!;
  const recorded: Recorded = { outboundLatencies: [], inboundLatencies: [], mailboxErrors: [], repaired: [], throttleWaits: [] };
  const observer: GraphObserver = { throttled: (kind, waitMs) => recorded.throttleWaits.push({ kind, waitMs }) };
  const gateway = await createGraphGateway(config, observer);
  const metrics: SyncMetrics = {
    outboundLatency: (s) => recorded.outboundLatencies.push(s),
    inboundLatency: (s) => recorded.inboundLatencies.push(s),
    mailboxError: (agentId, kind) => recorded.mailboxErrors.push({ agentId, kind }),
    repaired: (what, count) => recorded.repaired.push({ what, count }),
  };
  let now = opts.now ?? SYNC_NOW;
  const logger = pino({ level: 'silent' });
  const deps: SyncDeps = { pool: db.pool, gateway, config, logger, now: () => now, metrics, ...opts.deps };
  const userOf = (agentId: number) => {
    const u = users.get(agentId);
    if (!u) throw new Error(`Agent ${agentId} has no emulated mailbox in this world.`);
    return u;
  };

  return {
    db, w, emulator, tenantId: tenant.id, app, config, gateway, deps, recorded,
    userOf,
    outlook: (agentId) => c.userEvent(userOf(agentId).id),
    async connect(agentId, state = 'connected') {
      await upsertMailbox(db.pool, agentId, userOf(agentId).userPrincipalName, `client-state-${agentId}`);
      await updateMailbox(db.pool, agentId, { state, connectedAt: state === 'connected' ? now : undefined });
    },
    async identity(agentId) {
      const { rows } = await db.pool.query('select email from agents where id = $1', [agentId]);
      // The world's agents have no Entra object id yet: found by their sign-in name (an oid that matches nobody).
      const found = await findAgentForToken(db.pool, { oid: `unbound-${agentId}`, username: rows[0].email });
      if (!found) throw new Error(`No identity for agent ${agentId}.`);
      return found;
    },
    async runQueue(handlers) {
      const runner = createJobRunner({ pool: db.pool, logger, handlers, pollMs: 20, retryBaseMs: 50, concurrency: 8 });
      runner.start();
      try {
        await runner.idle();
      } finally {
        await runner.stop();
      }
    },
    setNow: (n) => { now = n; },
    async stop() {
      await emulator.stop();
      await db.drop();
    },
  };
}

/** Polls `check` until it returns a truthy value (bounded by a number of tries, not by a timed assertion). */
export async function eventually<T>(check: () => Promise<T> | T, opts: { tries?: number; intervalMs?: number; what?: string } = {}): Promise<T> {
  const tries = opts.tries ?? 250;
  let last: unknown;
  for (let i = 0; i < tries; i++) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 20));
  }
  throw new Error(`Not reached: ${opts.what ?? 'condition'}${last ? ` (last error: ${(last as Error).message})` : ''}`);
}
