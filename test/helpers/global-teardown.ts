/** Stops the embedded PostgreSQL started by global-setup and removes its temporary folder (nothing to do with DATABASE_URL). */
import { rm } from 'node:fs/promises';

export default async function globalTeardown(): Promise<void> {
  const embedded = (globalThis as any).__RDV_EMBEDDED_PG__;
  if (embedded) await embedded.stop();
  const dir = (globalThis as any).__RDV_EMBEDDED_PG_DIR__;
  if (dir) await rm(dir, { recursive: true, force: true });
}
