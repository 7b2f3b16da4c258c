/**
 * `npm run sync -- <command>`: the operator's handle on the Outlook sync.
 *   status [agent email]         every mailbox's state (or one agent's)
 *   connect <agent email>        connects the agent's mailbox, shows the initial import's progress
 *   disconnect <agent email>     removes our events from the calendar and stops the subscription
 *   resync <agent email>         re-checks every RDV of the window and re-imports busy time, with progress
 * Options: --no-wait (enqueue and return), --run (do the work in this process instead of the service's workers).
 *
 * The commands only enqueue jobs, like the API: the running service's workers do the work, and this command
 * follows its progress from the mailbox row (import_done / import_total) and the outbox. That keeps one code path
 * and one place (the queue) where work happens, whether the service runs one instance or several. `--run` is for
 * when no service is running (first roll-out, maintenance): this process then runs the sync's workers itself
 * until the work is done, which needs the GRAPH_* settings.
 *
 * Store: DATABASE_URL, or the embedded PostgreSQL of DATA_DIR — the one the running service already started if
 * there is one (a second server on the same folder is not possible), else started and stopped here.
 */
import cliProgress from 'cli-progress';
import pino from 'pino';
import { loadConfig, ConfigError } from '../config';
import { appendAudit } from '../data/audit';
import { createPool, withTransaction, type Pool } from '../data/db';
import { agentIdByEmail, agentSyncProfile, getMailbox, mailboxStatuses, outboxDepth, pendingJobCount } from '../data/sync';
import { openStore, type Store } from '../db/bootstrap';
import { runningServerUrl } from '../db/embedded';
import { DomainError } from '../errors';
import { createJobRunner, type JobRunner } from '../queue/runner';
import { mailboxStatusView } from '../http/routes/sync';
import { loadSyncConfig, SyncConfigError, type SyncConfig } from '../sync/config';
import { assertConnectable, requestConnect, requestDisconnect, requestResync } from '../sync/connection';
import { createGraphGateway } from '../sync/graph';
import { syncHandlers } from '../sync/index';
import { noMetrics, SYNC_JOBS } from '../sync/types';

const USAGE = `Usage: npm run sync -- <command> [options]
  status [agent email]       state of every connected mailbox (or of one agent)
  connect <agent email>      connect the agent's Outlook calendar (initial import with progress)
  disconnect <agent email>   remove our events from the calendar and stop the subscription
  resync <agent email>       full resync of the agent's window (with progress)
Options:
  --no-wait   only enqueue the work and return
  --run       do the work in this process (when no service is running; needs the GRAPH_* settings)`;

class CliError extends Error {}

async function openDatabase(quietLog: (m: string) => void): Promise<Store> {
  const config = loadConfig(process.env, { requireAuth: false });
  if (!config.DATABASE_URL) {
    const url = runningServerUrl(config.pgDataDir, config.DATABASE_NAME);
    if (url) return { url, embedded: true, stop: async () => {} };
  }
  return openStore(config, quietLog);
}

async function agentByEmail(pool: Pool, email: string | undefined): Promise<number> {
  if (!email) throw new CliError(`An agent email is needed.\n\n${USAGE}`);
  const id = await agentIdByEmail(pool, email);
  if (!id) throw new CliError(`No agent with the email ${email}.`);
  return id;
}

const fmt = (d: Date | null | undefined) => (d ? new Date(d).toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : '—');

async function printStatus(pool: Pool, agentId?: number): Promise<void> {
  const rows = (await mailboxStatuses(pool, agentId ? { agentIds: [agentId] } : {}))
    .filter((r) => agentId || r.mailbox || r.outlookMailbox);
  if (!rows.length) { console.log('no agent with an Outlook address'); return; }
  for (const r of rows) {
    const v = mailboxStatusView(r);
    console.log(`${r.email.padEnd(36)} ${v.state.padEnd(13)} last round ${fmt(v.lastSuccessAt)}  subscription until ${fmt(v.subscriptionExpiresAt)}  pending ${v.pendingOutboundChanges}${v.optedOut ? '  (opted out)' : ''}`);
    if (v.lastError) console.log(`${''.padEnd(37)}last error ${fmt(v.lastErrorAt)}: ${v.lastError}`);
  }
}

/**
 * Follows the work on one mailbox until its jobs are done: a bar over (outbox drained + events imported). Ends
 * with the mailbox's last error when the work stopped on one.
 */
async function follow(pool: Pool, agentId: number, until: 'connected' | 'gone'): Promise<void> {
  const keys = [SYNC_JOBS.connection.key(agentId), SYNC_JOBS.outbound.key(agentId), SYNC_JOBS.inbound.key(agentId)];
  const bar = new cliProgress.SingleBar({
    format: ' {bar} {percentage}% | {value}/{total} | {phase}', noTTYOutput: !process.stderr.isTTY, notTTYSchedule: 5000, hideCursor: true,
  }, cliProgress.Presets.shades_classic);
  let initialOutbox = await outboxDepth(pool, agentId);
  bar.start(Math.max(1, initialOutbox), 0, { phase: 'starting' });
  try {
    for (;;) {
      const row = await getMailbox(pool, agentId);
      const outbox = await outboxDepth(pool, agentId);
      const pending = await pendingJobCount(pool, keys);
      initialOutbox = Math.max(initialOutbox, outbox);
      const importTotal = row?.importTotal ?? 0;
      const total = Math.max(1, initialOutbox + importTotal);
      const done = initialOutbox - outbox + Math.min(row?.importDone ?? 0, importTotal);
      const phase = !row ? 'disconnected' : row.state === 'connecting' ? 'connecting' : outbox ? `writing ${outbox} event(s)` : pending ? `importing busy time (${row.importDone} events read)` : row.state;
      bar.setTotal(total);
      bar.update(Math.min(done, total), { phase });
      if (until === 'gone' && !row) break;
      if (until === 'connected' && row?.state === 'connected' && outbox === 0 && pending === 0) break;
      if (row?.lastError && pending === 0) throw new CliError(`stopped: ${row.lastError}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    bar.update(bar.getTotal(), { phase: 'done' });
  } finally {
    bar.stop();
  }
}

async function startLocalWorkers(pool: Pool, url: string): Promise<JobRunner> {
  let config: SyncConfig | null;
  try {
    config = loadSyncConfig(process.env, process.env.PUBLIC_URL);
  } catch (err) {
    throw new CliError((err as SyncConfigError).message);
  }
  if (!config) throw new CliError('--run needs the Outlook sync settings (GRAPH_TENANT_ID, GRAPH_CLIENT_ID, GRAPH_CLIENT_SECRET…): see sync-service/src/sync/README.md');
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' });
  const deps = { pool, gateway: await createGraphGateway(config), config, logger, now: () => new Date(), metrics: noMetrics };
  const runner = createJobRunner({ pool, databaseUrl: url, logger, handlers: syncHandlers(deps), concurrency: config.concurrency, pollMs: 200 });
  runner.start();
  return runner;
}

async function main(argv: string[]): Promise<void> {
  const flags = new Set(argv.filter((a) => a.startsWith('--')));
  const [command, email] = argv.filter((a) => !a.startsWith('--'));
  if (!command || command === 'help' || flags.has('--help')) { console.log(USAGE); return; }
  if (!['status', 'connect', 'disconnect', 'resync'].includes(command)) throw new CliError(`Unknown command "${command}".\n\n${USAGE}`);

  const store = await openDatabase(() => {});
  const pool = createPool(store.url, 4);
  let runner: JobRunner | null = null;
  try {
    if (command === 'status') return await printStatus(pool, email ? await agentByEmail(pool, email) : undefined);
    const agentId = await agentByEmail(pool, email);
    const actor = { kind: 'system' as const, channel: 'cli' };
    if (flags.has('--run')) runner = await startLocalWorkers(pool, store.url);
    if (command === 'connect') {
      const agent = (await agentSyncProfile(pool, agentId))!;
      assertConnectable(agent);
      await withTransaction(pool, async (c) => {
        await requestConnect(c, agentId, agent.outlookMailbox!);
        await appendAudit(c, actor, 'agent', agentId, 'sync_connect', { mailbox: agent.outlookMailbox });
      });
      console.log(`connection of ${agent.outlookMailbox} requested`);
    } else if (command === 'disconnect') {
      if (!(await getMailbox(pool, agentId))) throw new CliError(`The Outlook calendar of ${email} is not connected.`);
      await withTransaction(pool, async (c) => {
        await requestDisconnect(c, agentId, { reconnect: false });
        await appendAudit(c, actor, 'agent', agentId, 'sync_disconnect', {});
      });
      console.log(`disconnection of ${email} requested`);
    } else {
      const row = await getMailbox(pool, agentId);
      if (row?.state !== 'connected') throw new CliError(`The Outlook calendar of ${email} is not connected: connect it first.`);
      const config = loadSyncConfig(process.env, process.env.PUBLIC_URL);
      const window = { windowPastDays: config?.windowPastDays ?? 31, windowFutureDays: config?.windowFutureDays ?? 183 };
      await withTransaction(pool, async (c) => {
        await requestResync({ config: window, now: () => new Date() }, c, agentId);
        await appendAudit(c, actor, 'agent', agentId, 'sync_resync', {});
      });
      console.log(`resync of ${email} requested`);
    }
    if (flags.has('--no-wait')) return;
    if (!runner) console.log('the running service does the work (or add --run to do it here); following its progress — Ctrl+C stops following, not the work');
    await follow(pool, agentId, command === 'disconnect' ? 'gone' : 'connected');
    await printStatus(pool, agentId);
  } finally {
    await runner?.stop();
    await pool.end();
    await store.stop();
  }
}

try {
  await main(process.argv.slice(2));
  process.exit(0);
} catch (err) {
  if (err instanceof CliError || err instanceof ConfigError || err instanceof SyncConfigError) console.error(err.message);
  else if (err instanceof DomainError) console.error(`refused: ${err.message}`);
  else console.error(err);
  process.exit(1);
}
