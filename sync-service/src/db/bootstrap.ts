/**
 * Opens the store the settings describe: the PostgreSQL of DATABASE_URL, or the embedded one (started here,
 * its database created if missing). Applies the migrations either way.
 */
import pg from 'pg';
import type { Config } from '../config';
import { startEmbeddedPostgres } from './embedded';
import { migrate } from './migrate';

export interface Store { url: string; embedded: boolean; stop(): Promise<void> }

export async function ensureDatabase(maintenanceUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: maintenanceUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (!rowCount) await client.query(`create database ${name}`); // name is validated by the config schema
  } finally {
    await client.end();
  }
  const u = new URL(maintenanceUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function openStore(config: Pick<Config, 'DATABASE_URL' | 'pgDataDir' | 'EMBEDDED_PG_PORT' | 'DATABASE_NAME'>, log: (msg: string) => void): Promise<Store> {
  if (config.DATABASE_URL) {
    await migrate(config.DATABASE_URL, log);
    return { url: config.DATABASE_URL, embedded: false, stop: async () => {} };
  }
  log(`starting embedded PostgreSQL (data in ${config.pgDataDir}, port ${config.EMBEDDED_PG_PORT})`);
  const embedded = await startEmbeddedPostgres({ dataDir: config.pgDataDir, port: config.EMBEDDED_PG_PORT, log });
  try {
    const url = await ensureDatabase(embedded.url, config.DATABASE_NAME);
    await migrate(url, log);
    return { url, embedded: true, stop: () => embedded.stop() };
  } catch (err) {
    await embedded.stop();
    throw err;
  }
}
