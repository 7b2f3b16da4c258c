/**
 * The sync's Prometheus metrics (prom-client), in a registry of its own so that two services in one process (tests)
 * never share counters. Served at GET /metrics in the text exposition format.
 *
 * Queue depth and age are read from the jobs table when Prometheus scrapes (not kept in memory), so that every
 * instance reports the same, true figure for the shared queue.
 */
import { Router } from 'express';
import client from 'prom-client';
import type { Pool } from '../data/db';
import { queueDepth } from '../queue/jobs';
import type { GraphObserver } from './graph';
import type { SyncMetrics } from './types';

export interface SyncMetricsBundle {
  registry: client.Registry;
  /** Given to createGraphGateway: counts requests and throttling waits. */
  observer: GraphObserver;
  /** Given to the handlers through SyncDeps. */
  metrics: SyncMetrics;
}

// Propagation is expected well under a second; the long tail (retries, throttling) still needs buckets.
const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300];

export function createSyncMetrics(pool: Pool): SyncMetricsBundle {
  const registry = new client.Registry();
  const graphRequests = new client.Counter({
    name: 'rdv_sync_graph_requests_total', help: 'Graph requests sent (retries included), by call kind and HTTP status (0: no answer).',
    labelNames: ['kind', 'status'], registers: [registry],
  });
  const graphDuration = new client.Histogram({
    name: 'rdv_sync_graph_request_duration_seconds', help: 'Duration of Graph requests, by call kind.',
    labelNames: ['kind'], buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry],
  });
  const throttleWait = new client.Counter({
    name: 'rdv_sync_graph_throttle_wait_seconds_total', help: 'Time spent waiting on Retry-After (throttling, unavailability), by call kind.',
    labelNames: ['kind'], registers: [registry],
  });
  const throttleWaits = new client.Counter({
    name: 'rdv_sync_graph_throttle_waits_total', help: 'Number of Retry-After waits, by call kind.',
    labelNames: ['kind'], registers: [registry],
  });
  const propagation = new client.Histogram({
    name: 'rdv_sync_propagation_seconds', help: 'Propagation latency: outbound = store change → event written; inbound = Outlook change → store updated.',
    labelNames: ['direction'], buckets: LATENCY_BUCKETS, registers: [registry],
  });
  const mailboxErrors = new client.Counter({
    name: 'rdv_sync_mailbox_errors_total', help: 'Errors while syncing a mailbox, by agent id and error kind.',
    labelNames: ['agent_id', 'kind'], registers: [registry],
  });
  const repaired = new client.Counter({
    name: 'rdv_sync_reconcile_repaired_total', help: 'Drift found and repaired by reconciliations, by what was repaired.',
    labelNames: ['what'], registers: [registry],
  });
  // One query per scrape for both queue gauges (prom-client collects them at once).
  let depth: ReturnType<typeof queueDepth> | null = null;
  const sharedDepth = () => (depth ??= queueDepth(pool).finally(() => { depth = null; }));
  new client.Gauge({
    name: 'rdv_sync_queue_jobs', help: 'Jobs in the queue, by kind and state (waiting, running).',
    labelNames: ['kind', 'state'], registers: [registry],
    async collect() {
      this.reset();
      for (const d of await sharedDepth()) {
        this.set({ kind: d.kind, state: 'waiting' }, d.waiting);
        this.set({ kind: d.kind, state: 'running' }, d.running);
      }
    },
  });
  new client.Gauge({
    name: 'rdv_sync_queue_oldest_seconds', help: 'Age of the oldest request still in the queue, by kind.',
    labelNames: ['kind'], registers: [registry],
    async collect() {
      this.reset();
      for (const d of await sharedDepth()) this.set({ kind: d.kind }, d.oldestSeconds);
    },
  });

  return {
    registry,
    observer: {
      request(kind, status, ms) {
        graphRequests.inc({ kind, status: String(status) });
        graphDuration.observe({ kind }, ms / 1000);
      },
      throttled(kind, waitMs) {
        throttleWait.inc({ kind }, waitMs / 1000);
        throttleWaits.inc({ kind });
      },
    },
    metrics: {
      outboundLatency: (s) => propagation.observe({ direction: 'outbound' }, s),
      inboundLatency: (s) => propagation.observe({ direction: 'inbound' }, s),
      mailboxError: (agentId, kind) => mailboxErrors.inc({ agent_id: String(agentId), kind }),
      repaired: (what, count) => { if (count > 0) repaired.inc({ what }, count); },
    },
  };
}

/** GET / → the registry in Prometheus text format (mounted at /metrics). */
export function metricsRouter(registry: client.Registry): Router {
  const router = Router();
  router.get('/', async (_req, res, next) => {
    try {
      const body = await registry.metrics();
      res.set('Content-Type', registry.contentType).send(body);
    } catch (err) {
      next(err);
    }
  });
  return router;
}
