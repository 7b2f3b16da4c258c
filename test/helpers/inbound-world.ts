/**
 * A test world for the inbound sync: a fresh database holding aWorld(), the Microsoft 365 emulator with a tenant,
 * the sync app and one emulated user per agent of organisation A (their `outlook_mailbox`), connected mailbox rows,
 * the real Graph gateway, SyncDeps with a fixed business clock, and helpers to put "our" events in a calendar
 * (as the outbound part writes them) and to run delta rounds.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import path from 'node:path';
import pino from 'pino';
import { createRdv } from '../../sync-service/src/booking';
import { agentIdentityOf, saveEventLink, updateMailbox, upsertMailbox } from '../../sync-service/src/data/sync';
import type { Job } from '../../sync-service/src/queue/jobs';
import { loadSyncConfig } from '../../sync-service/src/sync/config';
import { createGraphGateway, type CalendarGateway } from '../../sync-service/src/sync/graph';
import { inboundHandler } from '../../sync-service/src/sync/inbound';
import { noMetrics, SYNC_JOBS, type SyncDeps, type SyncMetrics } from '../../sync-service/src/sync/types';
import { startEmulator, type Emulator, type User } from '../m365-emulator';
import { aWorld, type World } from './builders';
import { createTestDatabase, type TestDatabase } from './db';

/** Monday 2 March 2026, 09:00 in Paris: every test's business clock. */
export const NOW = new Date('2026-03-02T08:00:00Z');

export interface InboundWorld {
  db: TestDatabase;
  w: World;
  emulator: Emulator;
  gateway: CalendarGateway;
  deps: SyncDeps;
  /** Log lines written by the sync (JSON objects). */
  logs: Array<Record<string, unknown>>;
  metrics: { inbound: number[]; errors: Array<[number, string]>; repaired: Array<[string, number]> };
  /** Emulated users of agentA and agentA2. */
  userA: User;
  userA2: User;
  upn(agentId: number): string;
  /** An RDV booked through the booking rules for agentA (or the given agents), motif A at lieu A. */
  bookRdv(startsAt: string, agentIds?: number[]): Promise<number>;
  /** Writes our event for (RDV, agent) as the outbound part does, and its link. */
  writeOurEvent(rdvId: number, agentId: number, start: string, end: string): Promise<{ id: string; changeKey: string }>;
  /** One delta round of the agent's mailbox through the job handler. */
  round(agentId: number, payload?: Record<string, unknown>): Promise<void>;
  stop(): Promise<void>;
}

export async function startInboundWorld(): Promise<InboundWorld> {
  const db = await createTestDatabase();
  const w = await aWorld(db.pool);
  const emulator = await startEmulator({ quiet: true });
  if (!process.env.NODE_EXTRA_CA_CERTS || path.resolve(process.env.NODE_EXTRA_CA_CERTS) !== path.resolve(emulator.caCertPath)) {
    await emulator.stop();
    throw new Error(`Start jest with NODE_EXTRA_CA_CERTS=${emulator.caCertPath} (as npm test does).`);
  }
  const c = emulator.control;
  const tenant = c.createTenant({ name: 'Département de test' });
  const app = c.createApp({ tenantId: tenant.id, roles: ['Calendars.ReadWrite', 'User.Read.All'] });
  const userA = c.createUser({ tenantId: tenant.id, userPrincipalName: 'agent.nord@testville.example', displayName: 'Agent Nord', timeZone: 'Romance Standard Time' });
  const userA2 = c.createUser({ tenantId: tenant.id, userPrincipalName: 'agente.nord@testville.example', displayName: 'Agente Nord', timeZone: 'Romance Standard Time' });
  const upns = new Map<number, string>([[w.agentA.id, userA.userPrincipalName], [w.agentA2.id, userA2.userPrincipalName]]);
  for (const [agentId, upn] of upns) {
    await db.pool.query('update agents set outlook_mailbox = $2 where id = $1', [agentId, upn]);
    await upsertMailbox(db.pool, agentId, upn, `cs-${randomBytes(16).toString('hex')}`);
    await updateMailbox(db.pool, agentId, { state: 'connected', connectedAt: NOW, subscriptionId: `sub-${agentId}-${randomBytes(4).toString('hex')}` });
  }
  const config = loadSyncConfig({
    GRAPH_TENANT_ID: tenant.id, GRAPH_CLIENT_ID: app.clientId, GRAPH_CLIENT_SECRET: app.clientSecret,
    GRAPH_AUTHORITY_HOST: emulator.baseUrl, GRAPH_BASE_URL: emulator.baseUrl, SYNC_DELTA_PAGE_SIZE: '10',
  }, 'https://127.0.0.1:1')!;
  const gateway = await createGraphGateway(config);
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({ write(chunk, _enc, cb) { for (const l of String(chunk).split('\n')) if (l) logs.push(JSON.parse(l)); cb(); } });
  const metrics = { inbound: [] as number[], errors: [] as Array<[number, string]>, repaired: [] as Array<[string, number]> };
  const recorded: SyncMetrics = {
    ...noMetrics,
    inboundLatency: (s) => { metrics.inbound.push(s); },
    mailboxError: (a, k) => { metrics.errors.push([a, k]); },
    repaired: (what, n) => { metrics.repaired.push([what, n]); },
  };
  const deps: SyncDeps = { pool: db.pool, gateway, config, logger: pino({ level: 'info' }, sink), now: () => NOW, metrics: recorded };
  const handler = inboundHandler(deps);
  let jobIds = 0;

  return {
    db, w, emulator, gateway, deps, logs, metrics, userA, userA2,
    upn: (agentId) => upns.get(agentId)!,
    async bookRdv(startsAt, agentIds = [w.agentA.id]) {
      const agent = (await agentIdentityOf(db.pool, w.adminA.id))!;
      const rdv = await createRdv(db.pool, agent, {
        motifId: w.motifA, lieuId: w.lieuA, agentIds, usagerIds: [w.usagerA], startsAt: new Date(startsAt), channel: 'api',
      } as Parameters<typeof createRdv>[2], NOW);
      return rdv.id;
    },
    async writeOurEvent(rdvId, agentId, start, end) {
      const written = await gateway.createEvent(upns.get(agentId)!, {
        subject: 'Consultation PMI', bodyText: 'Rendez-vous', location: 'Centre Nord', start: new Date(start), end: new Date(end),
      }, `${rdvId}/${agentId}`, `rdv-${rdvId}-${agentId}-0`);
      await saveEventLink(db.pool, rdvId, agentId, { eventId: written.id, changeKey: written.changeKey, contentHash: 'written' });
      return written;
    },
    async round(agentId, payload = {}) {
      const job = {
        id: -++jobIds, kind: SYNC_JOBS.inbound.kind, singletonKey: SYNC_JOBS.inbound.key(agentId), payload: { agentId, ...payload },
        runAt: NOW, attempts: 1, maxAttempts: 10, leaseToken: '00000000-0000-0000-0000-000000000000', requestedAt: NOW,
      } satisfies Job;
      await handler(job, { signal: new AbortController().signal, logger: deps.logger });
    },
    async stop() {
      await emulator.stop();
      await db.drop();
    },
  };
}

/** The agent's busy blocks, oldest first. */
export async function busyBlocks(db: TestDatabase, agentId: number) {
  const { rows } = await db.pool.query(
    `select source_id, starts_at, ends_at, show_as, is_all_day from busy_blocks where agent_id = $1 order by starts_at, source_id`, [agentId]);
  return rows.map((r) => ({ sourceId: r.source_id as string, start: (r.starts_at as Date).toISOString(), end: (r.ends_at as Date).toISOString(), showAs: r.show_as as string, isAllDay: r.is_all_day as boolean }));
}

/** Graph's dateTimeTimeZone for a UTC instant. */
export const utc = (iso: string) => ({ dateTime: iso.replace('Z', ''), timeZone: 'UTC' });
