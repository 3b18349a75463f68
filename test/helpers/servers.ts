import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Real Redis and Postgres servers on loopback for the state-store tests; `.ci/run` installs them from
// Debian packages. Each test file starts its own, on a free port, in a temporary folder.

export interface RunningServer {
  readonly url: string;
  stop(): Promise<void>;
}

/** A port nothing listens on right now (bind to 0, read it, release it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
      socket.connect(port, '127.0.0.1');
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
}

export interface RestartableServer extends RunningServer {
  /** Start it again on the same port, with the data it had (Redis: append-only file, fsync always). */
  start(): Promise<void>;
}

/**
 * A Redis on a free port. With `persistent`, it keeps an append-only file in a temporary folder so it can be
 * stopped and started again with its data, as a production Redis restarts.
 */
export async function startRedis(options: { persistent?: boolean } = {}): Promise<RestartableServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'auditpull-redis-'));
  const persistence = options.persistent ? ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir] : ['--save', '', '--appendonly', 'no'];
  let stop: () => Promise<void> = async () => {};
  const start = async () => {
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', ...persistence], { stdio: 'ignore' });
    stop = stopper(child);
    await waitForPort(port);
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, start, stop: () => stop() };
}

function postgresBin(name: string): string {
  const root = '/usr/lib/postgresql';
  const version = existsSync(root) ? readdirSync(root).sort().at(-1) : undefined;
  if (!version) throw new Error('PostgreSQL is not installed (apt-get install postgresql)');
  return join(root, version, 'bin', name);
}

/** Postgres refuses to run as root, so as root it runs as the `postgres` user the Debian package made. */
function asPostgres(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

/** A Postgres on a free port in a temporary cluster; `stop` then `start` restarts it with its data. */
export async function startPostgres(): Promise<RestartableServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'auditpull-pg-'));
  chmodSync(dir, 0o777);
  const data = join(dir, 'data');
  if (process.getuid?.() === 0) execFileSync('chown', ['postgres', dir]);
  const [initdb, initArgs] = asPostgres(postgresBin('initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  execFileSync(initdb, initArgs, { stdio: 'ignore' });
  const [postgres, args] = asPostgres(postgresBin('postgres'), ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off']);
  let stop: () => Promise<void> = async () => {};
  const start = async () => {
    // As root, stop signals `runuser`, which may exit before the postmaster has let go of its data folder.
    for (const deadline = Date.now() + 20_000; existsSync(join(data, 'postmaster.pid')) && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 100));
    const child = spawn(postgres, args, { stdio: 'ignore' });
    const stopChild = stopper(child);
    // A fast shutdown (SIGINT to the postmaster, as `pg_ctl restart` does): SIGTERM would be a smart
    // shutdown, which waits for every client to leave while refusing new ones.
    stop = async () => {
      const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
      if (pid > 0) process.kill(pid, 'SIGINT');
      await stopChild();
    };
    await waitForPort(port);
  };
  await start();
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, start, stop: () => stop() };
}
