/**
 * The sync service as an operator runs it: its own Node process (`sync-service/src/main.ts`), configured by
 * environment, waited for until /ready answers. Used by end-to-end tests and benchmarks.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface ServiceProcess {
  child: ChildProcess;
  baseUrl: string;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

export async function startServiceProcess(env: NodeJS.ProcessEnv, opts: { port: number; readyTimeoutMs?: number; inheritStderr?: boolean }): Promise<ServiceProcess> {
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'sync-service/src/main.ts'], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(opts.port), ...env },
    stdio: ['ignore', 'pipe', opts.inheritStderr ? 'inherit' : 'pipe'],
  });
  child.stdout!.on('data', (d) => { output += d; });
  child.stderr?.on('data', (d) => { output += d; });
  const baseUrl = `http://127.0.0.1:${opts.port}`;
  const stop = () => {
    if (child.exitCode !== null) return Promise.resolve(child.exitCode);
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    return exited;
  };
  // A guard against a service that never comes up, not a speed target: a first start creates the database and books
  // the demo's 8 weeks (about 10 s alone, several times that on a machine busy with other test files).
  const readyTimeoutMs = opts.readyTimeoutMs ?? 180_000;
  const deadline = Date.now() + readyTimeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the service exited early (code ${child.exitCode}):\n${output}`);
    try {
      if ((await fetch(`${baseUrl}/ready`)).ok) return { child, baseUrl, output: () => output, stop };
    } catch { /* still starting */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`the service was not ready after ${readyTimeoutMs} ms:\n${output}`);
}
