/**
 * What every part of the Outlook sync receives: its connection pool, the calendar adapter, its settings, a logger,
 * the business clock and the metrics. Job kinds and their singleton keys are named here once.
 */
import type { Logger } from 'pino';
import type { Pool } from '../data/db';
import type { SyncConfig } from './config';
import type { CalendarGateway } from './graph';

export interface SyncMetrics {
  /** Store change → event written (seconds). */
  outboundLatency(seconds: number): void;
  /** Outlook change → store updated (seconds). */
  inboundLatency(seconds: number): void;
  /** An error while syncing one mailbox (agent id). */
  mailboxError(agentId: number, kind: string): void;
  /** Drift found and repaired by a reconciliation. */
  repaired(what: string, count: number): void;
}

export const noMetrics: SyncMetrics = { outboundLatency() {}, inboundLatency() {}, mailboxError() {}, repaired() {} };

export interface SyncDeps {
  pool: Pool;
  gateway: CalendarGateway;
  config: SyncConfig;
  logger: Logger;
  now: () => Date;
  metrics: SyncMetrics;
}

/** Job kinds of the sync, and the singleton key that keeps one of each per mailbox (agent). */
export const SYNC_JOBS = {
  /** Writes the mailbox's pending (RDV, agent) changes to Outlook. */
  outbound: {
    kind: 'sync.outbound', key: (agentId: number) => `sync.outbound:${agentId}`,
    /** The same drain, due when an RDV booked from an appointment being composed stops waiting for the add-in's item. */
    graceKey: (agentId: number) => `sync.outbound.grace:${agentId}`,
  },
  /** A delta round (payload `full: true`: a full resync of the window). Shares its key with nothing else. */
  inbound: { kind: 'sync.inbound', key: (agentId: number) => `sync.inbound:${agentId}` },
  /** Connects (subscription + initial import) or disconnects a mailbox. */
  connection: { kind: 'sync.connection', key: (agentId: number) => `sync.connection:${agentId}` },
  /** Renews subscriptions close to expiry (one for the whole service). */
  renew: { kind: 'sync.renew', key: () => 'sync.renew' },
  /** Compares store and calendar for one mailbox and repairs drift. */
  reconcile: { kind: 'sync.reconcile', key: (agentId: number) => `sync.reconcile:${agentId}` },
} as const;

/** The window a mailbox is synced over, around `now`. */
export function syncWindow(config: Pick<SyncConfig, 'windowPastDays' | 'windowFutureDays'>, now: Date): { start: Date; end: Date } {
  const day = 86_400_000;
  return { start: new Date(now.getTime() - config.windowPastDays * day), end: new Date(now.getTime() + config.windowFutureDays * day) };
}
