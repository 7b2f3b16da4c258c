/**
 * The database going away and coming back, seen from the API: the service runs on a pool that reaches
 * PostgreSQL through a TCP relay the test can cut, as a restart or a network fault would.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import net from 'node:net';
import { aWorld, type World } from '../../helpers/builders';
import { startTestService, type TestService } from '../../helpers/service';

/** A TCP relay to PostgreSQL that can refuse connections and cut the open ones. */
async function startRelay() {
  let open = true;
  let target = new URL('postgres://127.0.0.1:5432/');
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    if (!open) { client.destroy(); return; }
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) { sockets.add(s); s.on('close', () => sockets.delete(s)); s.on('error', () => s.destroy()); }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    /** The connection string of `url`'s database through the relay. */
    through(url: string) { target = new URL(url); const u = new URL(url); u.hostname = '127.0.0.1'; u.port = String(port); return u.toString(); },
    cut() { open = false; for (const s of sockets) s.destroy(); },
    restore() { open = true; },
    stop: () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
}

describe('API while the database is unreachable', () => {
  let svc: TestService;
  let w: World;
  let relay: Awaited<ReturnType<typeof startRelay>>;

  beforeAll(async () => {
    relay = await startRelay();
    svc = await startTestService({ databaseUrlFor: (url) => relay.through(url) });
    w = await aWorld(svc.db.pool);
  });
  afterAll(async () => {
    relay.restore();
    await svc.stop();
    await relay.stop();
  });

  it('should answer 503 with Retry-After and a French message, then recover as soon as the database is back', async () => {
    const caller = svc.as(w.agentA.email);
    expect((await caller.get('/api/config/organisations')).status).toBe(200);

    relay.cut();
    for (const path of ['/api/config/organisations', '/api/usagers?q=ma', `/api/rdvs?from=2026-03-02T00:00:00Z&to=2026-03-09T00:00:00Z`]) {
      const res = await caller.get(path);
      expect({ path, status: res.status }).toEqual({ path, status: 503 });
      expect(res.headers.get('retry-after')).toBe('5');
      expect(res.body.error).toMatchObject({ code: 'service_unavailable', message: expect.stringMatching(/temporairement indisponible/) });
    }
    const write = await caller.post('/api/usagers', { organisationId: w.orgA, firstName: 'Léa', lastName: 'Martin' });
    expect(write.status).toBe(503);
    expect((await svc.withAuthorization(null).get('/ready')).status).toBe(503);

    relay.restore();
    expect((await caller.get('/api/config/organisations')).status).toBe(200);
    expect((await svc.withAuthorization(null).get('/ready')).status).toBe(200);
  });
});
