/**
 * The daemon as an operator runs it: its own process, the embedded PostgreSQL in a data folder, demo data on
 * first start, a clean stop on SIGTERM, and data that survives a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DEMO_AGENTS } from '../../sync-service/src/seed/demo';
import { freePort } from '../helpers/free-port';
import { startServiceProcess } from '../helpers/service-process';
import { startTestIdentityProvider, type TestIdentityProvider } from '../helpers/tokens';

describe('the sync service process', () => {
  let dataDir: string;
  let idp: TestIdentityProvider;
  let env: NodeJS.ProcessEnv;
  let base: string;

  beforeAll(async () => {
    // As `mktemp -d` makes it (mode 700): run as root, the service opens it to the postgres OS user itself.
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'rdv-e2e-'));
    idp = await startTestIdentityProvider();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    env = {
      ...process.env, DATABASE_URL: '', DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()), PORT: String(port), SEED_DEMO: 'true',
      LOG_LEVEL: 'warn', AUTH_JWKS_URL: idp.jwksUrl, AUTH_ISSUER: idp.issuer, AUTH_AUDIENCE: idp.audience, AUTH_TENANT_ID: idp.tenantId,
      DEMO_OUTBOX: 'true', SMTP_HOST: '', REMINDERS_POLL_MS: '200',
      // A Tuesday morning in Paris, whatever the hour of the machine: SMS quiet hours (20:00–08:00) never interfere.
      NODE_ENV: 'test', TEST_CLOCK: '2026-12-08T10:10:00+01:00',
    };
  });
  afterAll(async () => {
    await idp.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const start = (extra: NodeJS.ProcessEnv = {}) => startServiceProcess({ ...env, ...extra }, { port: Number(env.PORT) });

  it('should start on an empty data folder with demo data, answer the API, and stop cleanly on SIGTERM', async () => {
    const { output, stop } = await start();
    const token = await idp.token({ preferred_username: DEMO_AGENTS[0].email });
    const res = await fetch(`${base}/api/usagers?q=ma&limit=5`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as unknown[]).length).toBeGreaterThan(0);
    expect(output()).toContain('/api/openapi.json');
    expect(await stop()).toBe(0);
    expect(existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
  }, 300_000);

  it('should send the confirmation of an RDV booked through the API by email and SMS', async () => {
    const { stop } = await start();
    try {
      const token = await idp.token({ preferred_username: DEMO_AGENTS[0].email });
      const api = async (method: string, p: string, body?: unknown) => {
        const res = await fetch(`${base}${p}`, {
          method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined,
        });
        return { status: res.status, body: (await res.json()) as any };
      };
      const motifs = (await api('GET', '/api/config/motifs')).body as Array<{ id: number; organisationId: number; collective: boolean; locationType: string; visibility: string; remindersEnabled: boolean }>;
      const motif = motifs.find((m) => !m.collective && m.locationType === 'public_office' && m.visibility === 'visible_and_notified')!;
      const next = await api('GET', `/api/availability/next?motifId=${motif.id}`);
      expect(next.body.next).not.toBeNull();
      const usager = await api('POST', '/api/usagers', {
        organisationId: motif.organisationId, firstName: 'Inès', lastName: 'Testeuse', phone: '06 39 98 77 66', email: 'ines.testeuse@example.fr',
      });
      expect(usager.status).toBe(201);
      const rdv = await api('POST', '/api/rdvs', {
        motifId: motif.id, lieuId: next.body.next.lieuId, startsAt: next.body.next.start, agentIds: [next.body.next.agentId], usagerIds: [usager.body.id], channel: 'addin',
      });
      expect(rdv.status).toBe(201);
      let outbox: { emails: Array<{ envelopeTo: string[]; subject: string }>; sms: Array<{ to: string; text: string }> } = { emails: [], sms: [] };
      for (let i = 0; i < 100 && !(outbox.emails.some((e) => e.envelopeTo.includes('ines.testeuse@example.fr'))); i++) {
        await new Promise((r) => setTimeout(r, 200));
        outbox = (await (await fetch(`${base}/dev/outbox/messages.json`, { headers: { authorization: `Bearer ${token}` } })).json()) as typeof outbox;
      }
      const email = outbox.emails.find((e) => e.envelopeTo.includes('ines.testeuse@example.fr'));
      expect(email?.subject).toMatch(/rendez-vous/i);
      // 06 39 … is a Mayotte mobile: the SMS goes to its E.164 number.
      for (let i = 0; i < 100 && !outbox.sms.some((m) => m.to.endsWith('639987766')); i++) {
        await new Promise((r) => setTimeout(r, 200));
        outbox = (await (await fetch(`${base}/dev/outbox/messages.json`, { headers: { authorization: `Bearer ${token}` } })).json()) as typeof outbox;
      }
      expect(outbox.sms.filter((m) => m.to.endsWith('639987766')).map((m) => m.to)).toEqual(['+262639987766']);
      const detail = await api('GET', `/api/rdvs/${rdv.body.id}`);
      expect(detail.body.receipts.some((r: { channel: string; status: string }) => r.channel === 'email' && r.status === 'sent')).toBe(true);
    } finally {
      expect(await stop()).toBe(0);
    }
  }, 300_000);

  it('should keep its data across a restart and not load the demo twice', async () => {
    const { stop } = await start();
    const token = await idp.token({ preferred_username: DEMO_AGENTS[0].email });
    const res = await fetch(`${base}/api/config/territories`, { headers: { authorization: `Bearer ${token}` } });
    expect(((await res.json()) as unknown[]).length).toBe(1);
    expect(await stop()).toBe(0);
  }, 300_000);

  const postmasterPid = () => Number(readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
  const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };
  const until = async (what: () => boolean) => { while (!what()) await new Promise((r) => setTimeout(r, 100)); };

  it('should come back by itself after being killed with SIGKILL, stopping the PostgreSQL it left running', async () => {
    const first = await start();
    const orphan = postmasterPid();
    const killed = new Promise((r) => first.child.once('exit', r));
    first.child.kill('SIGKILL');
    await killed;
    expect(alive(orphan)).toBe(true); // a power cut of the Node side leaves the server running on our folder

    const second = await start({ LOG_LEVEL: 'info' });
    expect(alive(orphan)).toBe(false);
    expect(second.output()).toMatch(/left running .* is being stopped cleanly/);
    const token = await idp.token({ preferred_username: DEMO_AGENTS[0].email });
    const res = await fetch(`${base}/api/config/territories`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(await second.stop()).toBe(0);
  }, 400_000);

  it('should answer 503 with Retry-After when its PostgreSQL has gone away, and still stop on SIGTERM', async () => {
    const { stop } = await start();
    const server = postmasterPid();
    process.kill(server, 'SIGINT');
    await until(() => !alive(server));
    const token = await idp.token({ preferred_username: DEMO_AGENTS[0].email });
    const res = await fetch(`${base}/api/usagers?q=ma`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/temporairement indisponible/);
    expect((await fetch(`${base}/ready`)).status).toBe(503);
    expect(await stop()).toBe(0);
  }, 300_000);
});
