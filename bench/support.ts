/** Shared set-up for benchmarks: a PostgreSQL (embedded in a temp folder, or DATABASE_URL) with a fresh migrated database. */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ensureDatabase } from '../sync-service/src/db/bootstrap';
import { startEmbeddedPostgres } from '../sync-service/src/db/embedded';
import { migrate } from '../sync-service/src/db/migrate';
import { freePort } from '../test/helpers/free-port';

export interface BenchDatabase { url: string; stop(): Promise<void> }

export async function benchDatabase(name: string): Promise<BenchDatabase> {
  if (process.env.DATABASE_URL) {
    const u = new URL(process.env.DATABASE_URL);
    u.pathname = '/postgres';
    const dbName = `bench_${name}_${Date.now()}`;
    const url = await ensureDatabase(u.toString(), dbName);
    await migrate(url);
    return { url, stop: async () => {} };
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), `rdv-bench-${name}-`));
  await chmod(dir, 0o755); // the embedded server runs as the `postgres` OS user when we are root
  const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: await freePort() });
  const url = await ensureDatabase(pg.url, 'bench');
  await migrate(url);
  return { url, stop: async () => { await pg.stop(); await rm(dir, { recursive: true, force: true }); } };
}
