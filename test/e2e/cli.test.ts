/** `npm run migrate` and `npm run seed` as an operator runs them, on the embedded PostgreSQL of a data folder. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../helpers/free-port';

describe('the command-line tools', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'rdv-cli-'));
    await chmod(dataDir, 0o755);
    env = { ...process.env, DATABASE_URL: '', DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()) };
  });
  afterAll(async () => { await rm(dataDir, { recursive: true, force: true }); });

  const run = (script: string, extraEnv: NodeJS.ProcessEnv = {}) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: 90_000 });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  };

  it('should apply the migrations once, then find nothing to do', () => {
    const first = run('sync-service/src/cli/migrate.ts');
    expect(first.status).toBe(0);
    expect(first.out).toMatch(/migration applied: 002_domain\.sql/);
    const second = run('sync-service/src/cli/migrate.ts');
    expect(second.status).toBe(0);
    expect(second.out).not.toMatch(/migration applied/);
    expect(second.out).toMatch(/migrations up to date/);
  }, 120_000);

  it('should load the demo data into an empty database, and refuse to load it twice', () => {
    const first = run('sync-service/src/cli/seed.ts');
    expect(first.status).toBe(0);
    expect(first.out).toMatch(/usagers\s+300/);
    const second = run('sync-service/src/cli/seed.ts');
    expect(second.status).toBe(0);
    expect(second.out).toMatch(/already holds a territory/);
  }, 120_000);

  it('should name a wrong setting and exit without touching anything', () => {
    const r = run('sync-service/src/cli/migrate.ts', { DATABASE_URL: 'mysql://nope', EMBEDDED_PG_PORT: 'eighty' });
    expect(r.status).not.toBe(0);
    expect(r.out).toMatch(/DATABASE_URL: must be a postgres:\/\/ connection string/);
    expect(r.out).toMatch(/EMBEDDED_PG_PORT/);
  });
});
