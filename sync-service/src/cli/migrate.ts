/** `npm run migrate`: applies pending migrations without starting the service. */
import { loadConfig, ConfigError } from '../config';
import { openStore } from '../db/bootstrap';

try {
  const config = loadConfig(process.env, { requireAuth: false });
  const store = await openStore(config, (m) => console.log(m));
  console.log('migrations up to date');
  await store.stop();
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
}
