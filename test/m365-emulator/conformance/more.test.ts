/** Less common paths the service may use: alternative URL forms, instances, cancel, $orderby, batch cycles, refresh tokens, the CLI. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../helpers/free-port';
import { graphError, startWorld, type World } from './kit';

let w: World;
beforeAll(async () => {
  w = await startWorld();
});
afterAll(async () => {
  await w?.stop();
});

const at = (day: number, subject: string) => ({ subject, start: { dateTime: `2026-09-${String(day).padStart(2, '0')}T09:00:00`, timeZone: 'UTC' }, end: { dateTime: `2026-09-${String(day).padStart(2, '0')}T10:00:00`, timeZone: 'UTC' } });

describe('Alternative paths', () => {
  it('serves /calendar/events and the users(\'…\')/events(\'…\') form like /events', async () => {
    const created = await w.graph.api(`/users/${w.agent.id}/calendar/events`).post(at(1, 'via calendar'));
    const read = await w.graph.api(`/users('${w.agent.id}')/events('${created.id}')`).get();
    expect(read.subject).toBe('via calendar');
    const cal = await w.graph.api(`/users/${w.agent.id}/calendar`).get();
    expect(cal.isDefaultCalendar).toBe(true);
  });

  it('lists the tenant’s users', async () => {
    const users = await w.graph.api('/users').get();
    expect(users.value.map((u: { userPrincipalName: string }) => u.userPrincipalName).sort()).toEqual(['claire.martin@testville.example', 'karim.durand@testville.example']);
  });

  it('orders with $orderby and filters on start/dateTime', async () => {
    const u = w.emulator.control.createUser({ tenantId: w.tenantId, userPrincipalName: 'order@testville.example', displayName: 'Order' });
    for (const [d, s] of [[3, 'c'], [1, 'a'], [2, 'b']] as const) await w.graph.api(`/users/${u.id}/events`).post(at(d, s));
    const desc = await w.graph.api(`/users/${u.id}/events`).orderby('start/dateTime desc').get();
    expect(desc.value.map((e: { subject: string }) => e.subject)).toEqual(['c', 'b', 'a']);
    const later = await w.graph.api(`/users/${u.id}/events`).filter("start/dateTime ge '2026-09-02T00:00:00'").orderby('start/dateTime').get();
    expect(later.value.map((e: { subject: string }) => e.subject)).toEqual(['b', 'c']);
  });

  it('lists the instances of a series and cancels one occurrence', async () => {
    const master = await w.graph.api(`/users/${w.agent.id}/events`).post({ ...at(7, 'Série'), recurrence: { pattern: { type: 'daily', interval: 2 }, range: { type: 'noEnd', startDate: '2026-09-07' } } });
    const inst = await w.graph.api(`/users/${w.agent.id}/events/${master.id}/instances?startDateTime=2026-09-07T00:00:00Z&endDateTime=2026-09-14T00:00:00Z`).get();
    expect(inst.value.map((e: { start: { dateTime: string } }) => e.start.dateTime.slice(0, 10))).toEqual(['2026-09-07', '2026-09-09', '2026-09-11', '2026-09-13']);
    await w.graph.api(`/users/${w.agent.id}/events/${inst.value[1].id}/cancel`).post({ comment: 'Fermé' });
    const after = await w.graph.api(`/users/${w.agent.id}/events/${master.id}/instances?startDateTime=2026-09-07T00:00:00Z&endDateTime=2026-09-14T00:00:00Z`).get();
    expect(after.value).toHaveLength(3);
    expect((await graphError(w.graph.api(`/users/${w.agent.id}/events/${inst.value[1].id}`).get())).statusCode).toBe(404);
  });

  it('refuses a $batch whose dependsOn form a cycle', async () => {
    const get = (id: string, dep: string) => ({ id, dependsOn: [dep], method: 'GET', url: `/users/${w.agent.id}` });
    expect((await graphError(w.graph.api('/$batch').post({ requests: [get('1', '2'), get('2', '1')] }))).statusCode).toBe(400);
  });
});

describe('Refresh tokens', () => {
  it('renews a signed-in user’s token with the refresh token', async () => {
    const api = w.emulator.control.createApp({ tenantId: w.tenantId, roles: [] });
    const authorize = new URL(`${w.emulator.baseUrl}/${w.tenantId}/oauth2/v2.0/authorize`);
    authorize.search = new URLSearchParams({ client_id: api.clientId, response_type: 'code', redirect_uri: 'https://127.0.0.1:3000/cb', scope: `api://${api.clientId}/access_as_user offline_access`, login_hint: 'karim.durand@testville.example' }).toString();
    const redirect = await fetch(authorize, { redirect: 'manual' });
    const code = new URL(redirect.headers.get('location')!).searchParams.get('code')!;
    const token = async (body: Record<string, string>) => (await fetch(`${w.emulator.baseUrl}/${w.tenantId}/oauth2/v2.0/token`, { method: 'POST', body: new URLSearchParams({ client_id: api.clientId, ...body }) })).json() as Promise<Record<string, string>>;
    const first = await token({ grant_type: 'authorization_code', code, redirect_uri: 'https://127.0.0.1:3000/cb' });
    expect(first.refresh_token).toBeTruthy();
    const renewed = await token({ grant_type: 'refresh_token', refresh_token: first.refresh_token });
    expect(renewed.access_token).toBeTruthy();
    const reused = await token({ grant_type: 'authorization_code', code, redirect_uri: 'https://127.0.0.1:3000/cb' });
    expect(reused.error).toBe('invalid_grant');
  });
});

describe('npm run emulator', () => {
  it('starts standalone and prints the base URL, the demo credentials and the CA path', async () => {
    const port = await freePort();
    const cli = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'cli.ts');
    const tsx = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'node_modules', '.bin', 'tsx');
    const child = spawn(tsx, [cli], { env: { ...process.env, EMULATOR_PORT: String(port), EMULATOR_QUIET: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`The CLI printed no credentials within 20 s:\n${out}`)), 20_000);
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('GRAPH_CLIENT_SECRET')) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.on('exit', (c) => reject(new Error(`The CLI exited with ${c}:\n${out}`)));
      });
      expect(out).toContain(`https://127.0.0.1:${port}`);
      expect(out).toMatch(/ca\.pem/);
      expect(out).toContain('emulator-service-secret');
      const res = await fetch(`https://127.0.0.1:${port}/5a0e2b6c-1d3f-4e8a-9b70-86d000000001/v2.0/.well-known/openid-configuration`);
      expect(res.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
  }, 30_000);
});
