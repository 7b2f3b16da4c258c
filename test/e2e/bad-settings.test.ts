/**
 * A wrong setting stops the service before anything is touched: one message naming the setting, exit code 2, and
 * no PostgreSQL started (its data folder is never created), whatever part of the service the setting belongs to.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../helpers/free-port';

let dataRoot: string;
let base: NodeJS.ProcessEnv;
beforeAll(async () => {
  dataRoot = await mkdtemp(path.join(os.tmpdir(), 'rdv-bad-settings-'));
  await chmod(dataRoot, 0o711); // the embedded PostgreSQL's OS user must pass through it, were it ever started
  // The machine's own sync settings never leak into these runs.
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(GRAPH_|SYNC_)/.test(k)));
  base = {
    ...clean, DATABASE_URL: '', EMBEDDED_PG_PORT: String(await freePort()), PORT: String(await freePort()), HOST: '127.0.0.1',
    SEED_DEMO: 'true', DEMO_OUTBOX: 'false', REMINDERS_WORKER: 'false', LOG_LEVEL: 'warn', NODE_ENV: 'test',
    AUTH_JWKS_URL: 'https://login.example/keys', AUTH_ISSUER: 'https://login.example/v2.0', AUTH_AUDIENCE: 'api://rdv', AUTH_TENANT_ID: 'tenant',
  };
});
afterAll(async () => { await rm(dataRoot, { recursive: true, force: true }); });

/** Runs the service with these settings, on a data folder of its own, until it exits (one that starts anyway is stopped). */
async function run(env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string; dataDir: string }> {
  const dataDir = await mkdtemp(path.join(dataRoot, 'data-'));
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(process.execPath, ['--import', 'tsx', 'sync-service/src/main.ts'], { env: { ...base, DATA_DIR: dataDir, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    // Not a speed target: a guard that turns "it started anyway" into a failed expectation instead of a hung test.
    const guard = setTimeout(() => { output += '\n[still running after 120 s: stopped by the test]'; child.kill('SIGTERM'); }, 120_000);
    child.once('exit', (code) => { clearTimeout(guard); resolve({ code, output, dataDir }); });
  });
}

const GRAPH = { GRAPH_TENANT_ID: '11111111-2222-3333-4444-555555555555', GRAPH_CLIENT_ID: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', GRAPH_CLIENT_SECRET: 's3cret' };

describe('a wrong setting at start', () => {
  it.each([
    ['a tenant id without a client id (the sync would silently stay off)', { GRAPH_TENANT_ID: GRAPH.GRAPH_TENANT_ID }, /GRAPH_CLIENT_ID: missing/],
    ['both a secret and a certificate', { ...GRAPH, GRAPH_CERTIFICATE_FILE: 'package.json' }, /GRAPH_CLIENT_SECRET \/ GRAPH_CERTIFICATE_FILE: set exactly one/],
    ['a certificate file that cannot be read', { ...GRAPH, GRAPH_CLIENT_SECRET: '', GRAPH_CERTIFICATE_FILE: os.tmpdir() }, /GRAPH_CERTIFICATE_FILE: cannot read/],
    ['a Graph URL that is not https', { ...GRAPH, GRAPH_BASE_URL: 'http://graph.example' }, /GRAPH_BASE_URL: must be an https:\/\/ URL/],
    ['a sync window that is not a number', { ...GRAPH, SYNC_WINDOW_FUTURE_DAYS: 'six mois' }, /SYNC_WINDOW_FUTURE_DAYS: must be a whole number/],
    ['a reconciliation time that is not a cron expression', { ...GRAPH, SYNC_RECONCILE_CRON: 'every night' }, /SYNC_RECONCILE_CRON: "every night" is not a cron expression/],
  ])('should refuse %s with a message naming the setting, before PostgreSQL starts', async (_what, env, message) => {
    const { code, output, dataDir } = await run(env);
    expect(output).toMatch(message);
    expect(output).not.toMatch(/starting embedded PostgreSQL|demo data loaded/);
    expect(code).toBe(2);
    expect(existsSync(path.join(dataDir, 'pg'))).toBe(false);
  }, 180_000);
});
