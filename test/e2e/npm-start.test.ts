/**
 * `npm start` as a newcomer runs it: one summary of where everything is, a ready-to-paste curl whose token is in
 * a file of the data folder (never in the output, which ends up in log files), and Ctrl+C stopping everything.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../helpers/free-port';

function getJson(url: string, ca: string, token: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    https.get(url, { ca, headers: { authorization: `Bearer ${token}` } }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    }).on('error', reject);
  });
}

describe('npm start', () => {
  let dataDir: string;
  let child: ChildProcess;
  let output = '';
  let port: number;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'rdv-start-'));
    port = await freePort();
    child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
      env: {
        ...process.env, DATA_DIR: dataDir, PORT: String(port), EMULATOR_PORT: String(await freePort()), EMBEDDED_PG_PORT: String(await freePort()),
        DATABASE_URL: '', LOG_LEVEL: 'warn', NODE_ENV: 'test', TEST_CLOCK: '2026-12-08T10:10:00+01:00',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => { output += d; });
    child.stderr!.on('data', (d) => { output += d; });
    for (let i = 0; i < 900 && !/rdv-outlook is running[\s\S]*curl .*\n/.test(output) && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 100));
  }, 120_000);
  afterAll(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  it('should print one summary, with a curl that reads its token from a file only its owner can read', async () => {
    expect(output).toMatch(/rdv-outlook is running/);
    expect(output.match(/openapi\.json/g)).toHaveLength(1);
    const tokenFile = path.join(dataDir, 'demo-token');
    const token = readFileSync(tokenFile, 'utf8').trim();
    expect(token.split('.')).toHaveLength(3);
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(output).not.toContain(token);
    expect(output).toContain(`-H "Authorization: Bearer $(cat ${tokenFile})"`);
    const ca = readFileSync(path.join(dataDir, 'certs', 'ca.pem'), 'utf8');
    const res = await getJson(`https://127.0.0.1:${port}/api/config/territories`, ca, token);
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(1);
  });

  it("should connect the demo agents' Outlook mailboxes, and link an agent's emulated calendar page from the summary", async () => {
    const ca = readFileSync(path.join(dataDir, 'certs', 'ca.pem'), 'utf8');
    const token = readFileSync(path.join(dataDir, 'demo-token'), 'utf8').trim();
    let mailboxes: Array<{ state: string; outlookMailbox: string; subscriptionExpiresAt: string | null }> = [];
    for (let i = 0; i < 300; i++) {
      mailboxes = (await getJson(`https://127.0.0.1:${port}/api/sync/mailboxes`, ca, token)).body as typeof mailboxes;
      if (mailboxes.length && mailboxes.every((m) => m.state === 'connected')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(mailboxes.length).toBeGreaterThan(0);
    for (const m of mailboxes) expect(m).toMatchObject({ state: 'connected', subscriptionExpiresAt: expect.any(String) });
    const page = /Outlook calendars\s+(https:\/\/\S+\/_emulator\/mailboxes\/\S+)/.exec(output)?.[1];
    expect(page).toBeDefined();
    const html = await new Promise<string>((resolve, reject) => {
      https.get(page!, { ca }, (res) => { let t = ''; res.on('data', (d) => { t += d; }); res.on('end', () => resolve(t)); }).on('error', reject);
    });
    expect(html).toContain('Agenda Outlook de');
  }, 60_000);

  it('should print the Outlook task pane’s URL, which serves the pane', async () => {
    const url = `https://127.0.0.1:${port}/addin/index.html`;
    expect(output).toMatch(new RegExp(`Outlook task pane +${url.replace(/[.]/g, '\\.')}`));
    const ca = readFileSync(path.join(dataDir, 'certs', 'ca.pem'), 'utf8');
    const page = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      https.get(url, { ca }, (res) => { let body = ''; res.on('data', (d) => { body += d; }); res.on('end', () => resolve({ status: res.statusCode ?? 0, body })); }).on('error', reject);
    });
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/<script type="module" src="\.\/app-[A-Z0-9]+\.js">/);
  });

  it('should stop everything, PostgreSQL included, on Ctrl+C', async () => {
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
  }, 60_000);
});
