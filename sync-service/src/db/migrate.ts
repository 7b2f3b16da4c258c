/**
 * Applies the numbered SQL migrations of ./migrations in order, each in its own transaction, under a
 * PostgreSQL advisory lock so that several instances starting together never migrate twice.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');
/** Arbitrary constant shared by every instance: the key of the advisory lock guarding migrations. */
const MIGRATION_LOCK_KEY = 7_340_221_001;

export interface Migration { version: number; name: string; sql: string }

export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f)).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const version = Number(file.slice(0, 3));
    if (migrations.some((m) => m.version === version)) {
      throw new Error(`Two migrations share the number ${version} (${file}): renumber one of them.`);
    }
    migrations.push({ version, name: file, sql: await readFile(path.join(dir, file), 'utf8') });
  }
  return migrations;
}

/** Returns the names of the migrations it applied (empty when the database was up to date). */
export async function migrate(connectionString: string, log: (msg: string) => void = () => {}): Promise<string[]> {
  const migrations = await loadMigrations();
  const client = new pg.Client({ connectionString });
  await client.connect();
  const applied: string[] = [];
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(`create table if not exists schema_migrations (
      version integer primary key, name text not null, applied_at timestamptz not null default now())`);
    const done = new Set((await client.query('select version from schema_migrations')).rows.map((r) => Number(r.version)));
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      try {
        await client.query('begin');
        await client.query(m.sql);
        await client.query('insert into schema_migrations (version, name) values ($1, $2)', [m.version, m.name]);
        await client.query('commit');
      } catch (err) {
        await client.query('rollback');
        throw new Error(`Migration ${m.name} failed and was rolled back: ${(err as Error).message}`);
      }
      applied.push(m.name);
      log(`migration applied: ${m.name}`);
    }
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {});
    await client.end();
  }
  return applied;
}

let latestVersion: Promise<number> | null = null;

/** True when every migration file has been applied (used by /ready; the files are read once per process). */
export async function migrationsComplete(db: { query: (sql: string) => Promise<{ rows: any[] }> }): Promise<boolean> {
  latestVersion ??= loadMigrations().then((m) => m.at(-1)?.version ?? 0);
  try {
    const { rows } = await db.query('select max(version) as v from schema_migrations');
    return Number(rows[0]?.v ?? 0) >= (await latestVersion);
  } catch {
    return false;
  }
}
