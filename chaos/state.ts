// State faults (issue 9, part 4): the state store broken under the collector — a corrupt, read-only or
// deleted SQLite file, a disk that fills up, a Redis restart. Each ends in a coded StateError with no
// checkpoint past undelivered events (and, once the fault is mended, a run that finishes without loss),
// or is survived outright.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLineReceiver, type LineReceiver } from '../sim/devo/index.ts';
import { startLarkSim, type LarkSim } from '../sim/lark/index.ts';
import { isoSeconds, larkConfig, runCli, startCli, waitFor, writeConfig } from '../test/helpers/cli.ts';
import { startPostgres, startRedis } from '../test/helpers/servers.ts';
import { CHAOS_ENV, chaosLarkApp, RunScan, type ChaosResult } from './secrets.ts';

export interface StateFaultResult extends ChaosResult {
  /** Events never delivered once the fault was mended and the collector run again (`-` where not run). */
  readonly lost: number | '-';
  /** Why it failed: the collector's last log lines. */
  readonly details: string;
}

const env = { ...CHAOS_ENV };

// What these runs leave behind is searched for the secrets once, at the end.
const scan = new RunScan();

/** Where a secret or tenant token was found in the logs and states the state-fault runs left (call once, at the end). */
export const stateSecretFindings = (): string[] => scan.findings();
const coded = (stderr: string) => /\[(StateError \d+)\]/.exec(stderr)?.[1];

interface Rig {
  readonly sim: LarkSim;
  readonly receiver: LineReceiver;
  readonly ids: readonly string[];
  readonly dir: string;
  readonly config: string;
  /** Lines at the receiver and distinct event ids among them. */
  counts(): { received: number; distinct: number; lost: number };
  close(): Promise<void>;
}

async function rig(options: { events: number; latencyMs?: number; persistence?: string; service?: Record<string, string | number> }): Promise<Rig> {
  const sim = await startLarkSim({ latencyMs: options.latencyMs ?? 0, apps: [chaosLarkApp()] });
  scan.sim(sim);
  const receiver = await startLineReceiver();
  const nowS = Math.floor(Date.now() / 1000);
  const ids = sim.generateEvents({ count: options.events, fromSeconds: nowS - 20 * 3600, toSeconds: nowS - 100 }).map((e) => e.unique_id);
  let text = larkConfig({
    simUrl: sim.url,
    receiverPort: receiver.port,
    start: isoSeconds((nowS - 21 * 3600) * 1000),
    appSecretEnv: 'CHAOS_LARK_SECRET',
    service: { max_window_seconds: 3600, ...options.service },
  });
  text = text.replace('    override_base_url:', '    requests_per_minute: 100000\n    override_base_url:');
  if (options.persistence !== undefined) text = text.replace('{type: sqlite, path: state/auditpull.sqlite}', options.persistence);
  const { dir, config } = writeConfig(text);
  scan.config(config);
  return {
    sim,
    receiver,
    ids,
    dir,
    config,
    counts() {
      const got = receiver.lines.map((line) => (line.json as { unique_id: string }).unique_id);
      const distinct = new Set(got);
      return { received: got.length, distinct: distinct.size, lost: ids.filter((id) => !distinct.has(id)).length };
    },
    close: async () => {
      await sim.close();
      await receiver.close();
    },
  };
}

function result(name: string, expected: string, started: number, r: Rig, outcome: string, ok: boolean, stderr: string, lost: number | '-' = '-'): StateFaultResult {
  const { received, distinct } = r.counts();
  scan.log(`stderr of "${name}"`, stderr);
  return { name, expected, outcome, seconds: (Date.now() - started) / 1000, events: r.ids.length, received, distinct, lost, ok, details: ok ? '' : stderr.split('\n').slice(-(Number(process.env['CHAOS_DETAIL_LINES']) || 15)).join('\n') };
}

/** Make `file` read-only to the collector: chmod is no barrier to root, the immutable flag is. Returns the undo. */
function makeReadOnly(file: string): () => void {
  if (process.getuid?.() !== 0) {
    chmodSync(file, 0o444);
    return () => chmodSync(file, 0o600);
  }
  execFileSync('chattr', ['+i', file]);
  return () => execFileSync('chattr', ['-i', file]);
}

/** A SQLite file of garbage: StateError 500 (or 501), nothing pulled into the output. */
export async function corruptSqlite(): Promise<StateFaultResult> {
  const started = Date.now();
  const r = await rig({ events: 50 });
  try {
    mkdirSync(join(r.dir, 'state'), { recursive: true });
    writeFileSync(join(r.dir, 'state/auditpull.sqlite'), Buffer.alloc(8192, 0x5a));
    const run = await runCli(['run', '--once', '--config', r.config], { env });
    const outcome = coded(run.stderr) ?? `exit ${String(run.code)}`;
    const ok = run.code === 1 && /StateError 50[01]/.test(outcome) && r.receiver.lines.length === 0;
    return result('SQLite file corrupt', 'StateError 500, nothing sent', started, r, outcome, ok, run.stderr);
  } finally {
    await r.close();
  }
}

/** The SQLite file deleted under a running collector: StateError 502 rather than checkpoints into a file that is gone. */
export async function deletedSqlite(): Promise<StateFaultResult> {
  const started = Date.now();
  const r = await rig({ events: 4000, latencyMs: 60 });
  try {
    const run = startCli(['run', '--config', r.config], { env });
    await waitFor(() => r.receiver.lines.length >= 300, 30_000, 'the backfill to be under way');
    for (const suffix of ['', '-wal', '-shm']) rmSync(join(r.dir, `state/auditpull.sqlite${suffix}`), { force: true });
    await waitFor(() => /\[StateError 502\].*deleted or replaced/.test(run.stderr) || run.child.exitCode !== null, 20_000, 'the state error');
    const code = await run.exited;
    const outcome = coded(run.stderr) ?? `exit ${String(code)}`;
    const ok = code === 1 && outcome === 'StateError 502' && r.receiver.lines.length < r.ids.length;
    return result('SQLite file deleted mid-run', 'StateError 502, service stopped', started, r, outcome, ok, run.stderr);
  } finally {
    await r.close();
  }
}

/** A read-only SQLite file: StateError 500 at open, nothing pulled; writable again, the next run finishes. */
export async function readOnlySqlite(): Promise<StateFaultResult> {
  const started = Date.now();
  const r = await rig({ events: 300, service: { lag_seconds: 1 } });
  try {
    // A first run leaves a state file with a checkpoint; new events then arrive.
    const first = await runCli(['run', '--once', '--config', r.config], { env });
    if (first.code !== 0) return result('SQLite file read-only', 'StateError 500', started, r, `first run exit ${String(first.code)}`, false, first.stderr);
    const sentBefore = r.receiver.lines.length;
    const t = Math.floor(Date.now() / 1000);
    const late = r.sim.generateEvents({ count: 50, fromSeconds: t, toSeconds: t });
    (r.ids as string[]).push(...late.map((e) => e.unique_id));
    await new Promise((done) => setTimeout(done, 2100));
    const undo = makeReadOnly(join(r.dir, 'state/auditpull.sqlite'));
    let run: Awaited<ReturnType<typeof runCli>>;
    try {
      run = await runCli(['run', '--once', '--config', r.config], { env });
    } finally {
      undo();
    }
    const outcome = coded(run.stderr) ?? `exit ${String(run.code)}`;
    const refused = run.code === 1 && outcome === 'StateError 500' && /is read-only/.test(run.stderr) && r.receiver.lines.length === sentBefore;
    const mended = await runCli(['run', '--once', '--config', r.config], { env });
    const { lost, received, distinct } = r.counts();
    const ok = refused && mended.code === 0 && lost === 0 && received === distinct;
    return result('SQLite file read-only', 'StateError 500, nothing sent; then no loss', started, r, outcome, ok, run.stderr + mended.stderr, lost);
  } finally {
    await r.close();
  }
}

/** The disk fills up mid-backfill (RLIMIT_FSIZE: writes fail as on a full disk): StateError 502; with room again, no loss. */
export async function diskFull(events = 6000): Promise<StateFaultResult> {
  const started = Date.now();
  const r = await rig({ events, service: { lag_seconds: 1 } });
  try {
    const full = await runCli(['run', '--once', '--config', r.config], { env, fileSizeLimitKiB: 512 });
    const outcome = coded(full.stderr) ?? `exit ${String(full.code)}`;
    const sentBefore = r.receiver.lines.length;
    const stopped = full.code === 1 && outcome === 'StateError 502' && sentBefore > 0 && sentBefore < r.ids.length;
    const mended = await runCli(['run', '--once', '--config', r.config], { env });
    const { lost, received, distinct } = r.counts();
    // What the full disk cut short was sent but not recorded: at most that page comes again.
    const ok = stopped && mended.code === 0 && lost === 0 && received - distinct <= 100;
    return result('Disk full mid-backfill', 'StateError 502; then no loss, ≤ 1 page again', started, r, outcome, ok, full.stderr + mended.stderr, lost);
  } finally {
    await r.close();
  }
}

/**
 * Redis (or Postgres) stopped for `downMs` mid-backfill and started again with its data: survived with a
 * warning, every event once.
 */
export async function serverRestart(kind: 'redis' | 'postgres', downMs = 1500): Promise<StateFaultResult> {
  const started = Date.now();
  const redis = kind === 'redis' ? await startRedis({ persistent: true }) : await startPostgres();
  const persistence = kind === 'redis' ? `{type: redis, url: "${redis.url}"}` : `{type: postgres, url: "${redis.url}", table: chaos_state}`;
  const r = await rig({ events: 3000, latencyMs: 30, persistence });
  const run = startCli(['run', '--config', r.config], { env });
  try {
    await waitFor(() => r.receiver.lines.length >= 500, 30_000, 'the backfill to be under way');
    await redis.stop();
    await new Promise((done) => setTimeout(done, downMs));
    await redis.start();
    await waitFor(() => r.receiver.lines.length >= r.ids.length || run.child.exitCode !== null, 90_000, 'the backfill to finish');
    await new Promise((done) => setTimeout(done, 500)); // a duplicate would arrive right behind
    const { lost, received, distinct } = r.counts();
    const warned = new RegExp(`WARN .*State store ${kind} unreachable .*retrying in`).test(run.stderr);
    const outcome = run.child.exitCode !== null ? (coded(run.stderr) ?? `exit ${String(run.child.exitCode)}`) : warned ? 'survived (warned, retried)' : 'survived';
    const ok = run.child.exitCode === null && warned && !/StateError/.test(run.stderr) && lost === 0 && received === distinct;
    return result(`${kind === 'redis' ? 'Redis' : 'Postgres'} restarted mid-run (down ${(downMs / 1000).toFixed(1)} s)`, 'survive, every event once', started, r, outcome, ok, run.stderr, lost);
  } finally {
    run.child.kill('SIGTERM');
    await run.exited;
    await r.close();
    await redis.stop();
  }
}

/** Every state fault, in the order `npm run chaos` reports them. */
export function stateScenarios(serverDownMs: number): ReadonlyArray<() => Promise<StateFaultResult>> {
  return [corruptSqlite, readOnlySqlite, deletedSqlite, () => diskFull(), () => serverRestart('redis', serverDownMs), () => serverRestart('postgres', serverDownMs)];
}
