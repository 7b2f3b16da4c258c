/**
 * Jest global set-up: one PostgreSQL for the whole run (the embedded one in a fresh temporary folder, or the
 * server named by DATABASE_URL), with a template database holding every migration. Each test file then clones
 * its own database from that template (see ./db.ts), so files never see each other's data.
 */
import { chmod, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { buildAddin } from '../../scripts/build-addin';
import { startEmbeddedPostgres } from '../../sync-service/src/db/embedded';
import { migrate } from '../../sync-service/src/db/migrate';
import { freePort } from './free-port';

export const TEMPLATE_DB = 'rdv_test_template';

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

export default async function globalSetup(): Promise<void> {
  // The task pane's bundle, served by the service processes of the e2e tests (a second or two with esbuild).
  await buildAddin({ quiet: true });
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'rdv-test-pg-'));
    // Run as root, the embedded server runs as the `postgres` OS user, which must reach this folder.
    await chmod(dataDir, 0o755);
    // CI also runs the suite under libfaketime (other hours). The database server keeps the real clock: under
    // libfaketime PostgreSQL's deadlock detector (a SIGALRM timer) never fires, and no business rule reads the
    // database's clock (every business time comes from Node: the code's `now`, or TEST_CLOCK).
    const preload = process.env.LD_PRELOAD;
    if (preload) process.env.LD_PRELOAD = preload.split(/[: ]/).filter((lib) => lib && !/faketime/.test(lib)).join(':');
    let embedded;
    try {
      embedded = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'pg'), port: await freePort() });
    } finally {
      if (preload !== undefined) process.env.LD_PRELOAD = preload;
    }
    (globalThis as any).__RDV_EMBEDDED_PG__ = embedded;
    (globalThis as any).__RDV_EMBEDDED_PG_DIR__ = dataDir;
    adminUrl = embedded.url;
  }
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${TEMPLATE_DB} with (force)`);
  await admin.query(`create database ${TEMPLATE_DB}`);
  await admin.end();
  await migrate(withDatabase(adminUrl, TEMPLATE_DB));
  process.env.RDV_TEST_ADMIN_URL = adminUrl;
  process.env.RDV_TEST_TEMPLATE_DB = TEMPLATE_DB;
}
