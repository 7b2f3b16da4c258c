/**
 * Runs the reminder worker as a real child process (sync-service/src/reminders/run-worker.ts) against a
 * database and the loopback sinks, so that it can be SIGKILLed mid-batch. Shared by the crash test and the
 * benchmark.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface WorkerProcess {
  proc: ChildProcess;
  /** Resolves once the worker has started; rejects if it exits first. */
  ready: Promise<void>;
  exited: Promise<number | null>;
  stderr(): string;
}

export function workerEnv(opts: { databaseUrl: string; smtpPort: number; smsUrl: string; concurrency?: number; batchSize?: number; leaseSeconds?: number }): Record<string, string> {
  return {
    DATABASE_URL: opts.databaseUrl,
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(opts.smtpPort),
    SMTP_FROM: 'Département de test <rdv@test.example>',
    SMTP_DEDUPES_MESSAGE_ID: 'true',
    SMTP_MAX_CONNECTIONS: '8',
    SMS_PROVIDER: 'http',
    SMS_HTTP_NAME: 'sink',
    SMS_HTTP_URL: opts.smsUrl,
    SMS_HTTP_IDEMPOTENCY_HEADER: 'Idempotency-Key',
    SMS_SENDER: 'CD86-PMI',
    REMINDERS_POLL_MS: '50',
    REMINDERS_CONCURRENCY: String(opts.concurrency ?? 8),
    REMINDERS_BATCH_SIZE: String(opts.batchSize ?? 32),
    REMINDERS_LEASE_SECONDS: String(opts.leaseSeconds ?? 3),
    REMINDERS_PROVIDER_TIMEOUT_MS: '2000',
    LOG_LEVEL: 'warn',
  };
}

export function startWorkerProcess(env: Record<string, string>): WorkerProcess {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'sync-service/src/reminders/run-worker.ts'], {
    cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  proc.stderr!.on('data', (c: Buffer) => { err += c.toString(); });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    proc.stdout!.on('data', (c: Buffer) => { if (c.toString().includes('ready')) resolve(); });
    exited.then((code) => reject(new Error(`reminder worker exited (${code}) before it was ready: ${err}`)));
  });
  return { proc, ready, exited, stderr: () => err };
}

export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
