/**
 * `npm run seed`: loads the demo département on demand into the store the settings describe (DATABASE_URL, or
 * the embedded PostgreSQL in DATA_DIR, started and stopped here), after applying the migrations. Does nothing
 * when the database already holds a territory.
 */
import { ConfigError, loadConfig } from '../config';
import { createPool } from '../data/db';
import { openStore } from '../db/bootstrap';
import { registerReminderScheduling } from '../reminders';
import { seedDemo } from '../seed/demo';

const log = (msg: string) => console.log(msg);

try {
  const config = loadConfig(process.env, { requireAuth: false });
  const store = await openStore(config, log);
  const pool = createPool(store.url, 2);
  try {
    // The demo's bookings schedule their reminders like any booking (the worker sends them when the service runs).
    registerReminderScheduling();
    const started = Date.now();
    const { seeded, counts } = await seedDemo(pool, { now: new Date(), log });
    if (seeded) {
      log(`demo data loaded in ${Date.now() - started} ms:`);
      for (const [name, n] of Object.entries(counts)) log(`  ${name.padEnd(16)} ${n}`);
    } else {
      log('the database already holds a territory: no demo data added (use an empty database or another DATA_DIR to start afresh)');
    }
  } finally {
    await pool.end();
    await store.stop();
  }
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
}
