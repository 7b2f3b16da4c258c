/** Shared set-up for benchmarks: a PostgreSQL (embedded in a temp folder, or DATABASE_URL) with a fresh migrated database. */
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDatabase } from '../sync-service/src/db/bootstrap';
import { startEmbeddedPostgres } from '../sync-service/src/db/embedded';
import { migrate } from '../sync-service/src/db/migrate';
import { freePort } from '../test/helpers/free-port';
import { ensureCa } from '../test/m365-emulator/certs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

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

/**
 * Runs a bench body as its own process trusting the emulator's CA (NODE_EXTRA_CA_CERTS is read at start only),
 * with a fresh database; its stderr goes to ctx.log and its last stdout line is its figures as JSON. The database
 * is dropped whatever happens.
 */
export async function runBenchChild(ctx: { log(msg: string): void }, name: string, args: string[]): Promise<Record<string, number>> {
  const db = await benchDatabase(name);
  try {
    const ca = ensureCa();
    return await new Promise((resolve, reject) => {
      // BENCH_PROF=<folder>: the body writes a V8 CPU profile there (open it in Chrome's DevTools), to see where a bench's time goes.
      const profile = process.env.BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF}`] : [];
      const child = spawn(process.execPath, [...profile, '--import', 'tsx', ...args], {
        cwd: ROOT, env: { ...process.env, DATABASE_URL: db.url, NODE_EXTRA_CA_CERTS: ca.caCertPath }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
      child.stderr.on('data', (c: Buffer) => ctx.log(c.toString().trimEnd()));
      child.once('exit', (code) => {
        if (code !== 0) return reject(new Error(`${args.join(' ')} exited with ${code}`));
        resolve(JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, number>);
      });
    });
  } finally {
    await db.stop();
  }
}

/** A figure's unit read from its name's ending (`_ms`, `_s`, `_mb`…), for benches reporting many figures. */
export function unitOf(name: string): string {
  const units: Array<[RegExp, string]> = [[/_ms$/, 'ms'], [/_s$/, 's'], [/_mb$/, 'MB'], [/_s_per_1000_(changes|mailboxes)$/, 'CPU-s'], [/per_burst$|per_change$|_rounds/, 'rounds'],
    [/requests$|pages$|answers$|errors$/, 'requests'], [/mailboxes|per_2core_instance$/, 'mailboxes'], [/jobs$/, 'jobs'], [/lost$|applied$|changes$/, 'changes'], [/events$|imported$/, 'events'], [/bursts$/, 'bursts']];
  return units.find(([re]) => re.test(name))?.[1] ?? '';
}
