/** `npm run sync -- …` as an operator runs it, on the embedded PostgreSQL of a fresh data folder with the demo data. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DEMO_AGENTS } from '../../sync-service/src/seed/demo';
import { freePort } from '../helpers/free-port';

describe('the sync command', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'rdv-sync-cli-'));
    await chmod(dataDir, 0o755);
    env = { ...process.env, DATABASE_URL: '', DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()), GRAPH_CLIENT_ID: '' };
    const seeded = spawnSync(process.execPath, ['--import', 'tsx', 'sync-service/src/cli/seed.ts'], { env, encoding: 'utf8', timeout: 120_000 });
    if (seeded.status !== 0) throw new Error(`seed failed: ${seeded.stdout}${seeded.stderr}`);
  }, 150_000);
  afterAll(async () => { await rm(dataDir, { recursive: true, force: true }); });

  const sync = (...args: string[]) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'sync-service/src/cli/sync.ts', ...args], { env, encoding: 'utf8', timeout: 90_000 });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  };
  const agent = DEMO_AGENTS[0].email;

  it('should list the agents with an Outlook address as disconnected (npm run sync -- status)', () => {
    const r = spawnSync('npm', ['run', '--silent', 'sync', '--', 'status'], { env, encoding: 'utf8', timeout: 90_000 });
    expect(r.status).toBe(0);
    for (const a of DEMO_AGENTS) expect(r.stdout).toMatch(new RegExp(`^${a.email.replace(/\./g, '\\.')}\\s+disconnected\\s`, 'm'));
  }, 120_000);

  it('should enqueue a connection, which status then shows as connecting', () => {
    const connect = sync('connect', agent, '--no-wait');
    expect(connect.status).toBe(0);
    expect(connect.out).toContain(`connection of ${agent} requested`);
    const status = sync('status', agent);
    expect(status.status).toBe(0);
    expect(status.out).toMatch(new RegExp(`^${agent.replace(/\./g, '\\.')}\\s+connecting\\s`, 'm'));
  }, 120_000);

  it('should name an unknown agent, an unknown command, and a mailbox that is not connected', () => {
    expect(sync('connect', 'personne@nulle-part.fr').out).toContain('No agent with the email personne@nulle-part.fr');
    const unknown = sync('reboot');
    expect(unknown.status).toBe(1);
    expect(unknown.out).toMatch(/Unknown command "reboot"[\s\S]*Usage: npm run sync/);
    const resync = sync('resync', DEMO_AGENTS[1].email);
    expect(resync.status).toBe(1);
    expect(resync.out).toContain('is not connected: connect it first');
  }, 120_000);
});
