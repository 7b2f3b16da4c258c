/**
 * Per-test-file database: a fresh clone of the migrated template made by global-setup.
 *   const db = await createTestDatabase(); … await db.drop();
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createPool } from '../../sync-service/src/data/db';

export interface TestDatabase {
  url: string;
  name: string;
  pool: pg.Pool;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env.RDV_TEST_ADMIN_URL;
  const template = process.env.RDV_TEST_TEMPLATE_DB;
  if (!adminUrl || !template) throw new Error('RDV_TEST_ADMIN_URL is unset: run the tests through jest (npm test), whose global set-up starts PostgreSQL.');
  const name = `rdv_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name} template ${template}`);
  } finally {
    await admin.end();
  }
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  // The service's own pool factory: same type parsing (ids as numbers, dates as 'YYYY-MM-DD') as in production.
  const pool = createPool(url, 10);
  return {
    url,
    name,
    pool,
    async drop() {
      await pool.end();
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}
