/** Stops the embedded PostgreSQL started by global-setup (nothing to do with DATABASE_URL). */
export default async function globalTeardown(): Promise<void> {
  const embedded = (globalThis as any).__RDV_EMBEDDED_PG__;
  if (embedded) await embedded.stop();
}
