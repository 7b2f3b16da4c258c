/**
 * The embedded PostgreSQL as a newcomer and an operator meet it: folders made by `mktemp -d`, a port already
 * taken by a server that is not ours, a server that went away before we stopped it.
 */
import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../sync-service/src/db/embedded';
import { freePort } from '../helpers/free-port';

const asRoot = process.getuid?.() === 0;
const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

async function answers(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url });
  try { await c.connect(); await c.query('select 1'); return true; } catch { return false; } finally { await c.end().catch(() => {}); }
}

describe('the embedded PostgreSQL', () => {
  it('should leave alone a PostgreSQL that is not ours on its port, and say which program holds it', async () => {
    const [mine, theirs] = [await mkdtemp(path.join(os.tmpdir(), 'rdv-pg-a-')), await mkdtemp(path.join(os.tmpdir(), 'rdv-pg-b-'))];
    const port = await freePort();
    const other = await startEmbeddedPostgres({ dataDir: path.join(theirs, 'pg'), port });
    try {
      const attempt = startEmbeddedPostgres({ dataDir: path.join(mine, 'pg'), port });
      await expect(attempt).rejects.toThrow(new RegExp(`Port ${port} \\(EMBEDDED_PG_PORT\\) is already used by PID \\d+ \\(.*postgres.*\\), which is not the embedded PostgreSQL of this data folder, so it is left alone`));
      expect(await answers(other.url)).toBe(true);
    } finally {
      await other.stop();
      await rm(mine, { recursive: true, force: true });
      await rm(theirs, { recursive: true, force: true });
    }
  }, 120_000);

  it('should end stop() when the server has already gone away', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rdv-pg-gone-'));
    try {
      const db = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: await freePort() });
      const pid = Number(readFileSync(path.join(dir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
      process.kill(pid, 'SIGINT');
      while (alive(pid)) await new Promise((r) => setTimeout(r, 50));
      await db.stop(); // the jest timeout is what catches a hang here
      expect(await answers(db.url)).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  (asRoot ? it : it.skip)('should stop before initdb, naming a closed folder that is not ours and the command that opens it', async () => {
    const closed = await mkdtemp(path.join(os.tmpdir(), 'rdv-closed-')); // mode 700, owned by root, like /root
    try {
      await mkdir(path.join(closed, 'clone', '.data'), { recursive: true, mode: 0o755 });
      const dataDir = path.join(closed, 'clone', '.data', 'pg');
      const attempt = startEmbeddedPostgres({ dataDir, port: await freePort() });
      await expect(attempt).rejects.toThrow(`cannot enter ${closed} (owner root, mode 700)`);
      await expect(startEmbeddedPostgres({ dataDir, port: await freePort() })).rejects.toThrow(`setfacl -m u:postgres:x ${closed}`);
      expect(existsSync(path.join(dataDir, 'PG_VERSION'))).toBe(false);
    } finally {
      await rm(closed, { recursive: true, force: true });
    }
  }, 60_000);
});
