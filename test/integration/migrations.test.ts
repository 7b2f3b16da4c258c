import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, TestDatabase } from '../helpers/db';
import { loadMigrations, migrate } from '../../sync-service/src/db/migrate';

describe('migrations', () => {
  let db: TestDatabase;
  beforeAll(async () => { db = await createTestDatabase(); });
  afterAll(async () => { await db.drop(); });

  it('should have applied every migration file to the template', async () => {
    const files = await loadMigrations();
    const { rows } = await db.pool.query('select version from schema_migrations order by version');
    expect(rows.map((r) => r.version)).toEqual(files.map((m) => m.version));
  });

  it('should apply nothing when run again, even by two instances at once', async () => {
    const [a, b] = await Promise.all([migrate(db.url), migrate(db.url)]);
    expect([...a, ...b]).toEqual([]);
  });
});
