// State faults: the SQLite file corrupt, or deleted while the collector runs. Each is a coded StateError;
// nothing is sent on a state that cannot be trusted, and no checkpoint is written where it would be lost.
import { execFileSync } from 'node:child_process';
import { chmodSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startLineReceiver, type LineReceiver } from '../../sim/devo/index.ts';
import { startLarkSim, type LarkSim } from '../../sim/lark/index.ts';
import { isoSeconds, larkConfig, runCli, startCli, waitFor, writeConfig } from '../helpers/cli.ts';
import { startRedis, type RestartableServer } from '../helpers/servers.ts';

let sim: LarkSim | undefined;
let receiver: LineReceiver | undefined;
afterEach(async () => {
  await sim?.close();
  await receiver?.close();
});
const env = { LARK_APP_SECRET: 'sim-secret' };

describe('state faults', () => {
  it('a corrupt SQLite file is StateError 500, exit 1, and nothing is sent', async () => {
    sim = await startLarkSim();
    receiver = await startLineReceiver();
    const nowS = Math.floor(Date.now() / 1000);
    sim.generateEvents({ count: 50, fromSeconds: nowS - 1800, toSeconds: nowS - 100 });
    const { dir, config } = writeConfig(larkConfig({ simUrl: sim.url, receiverPort: receiver.port, start: isoSeconds((nowS - 3600) * 1000) }));
    mkdirSync(join(dir, 'state'), { recursive: true });
    writeFileSync(join(dir, 'state/auditpull.sqlite'), Buffer.alloc(8192, 0x5a));
    const result = await runCli(['run', '--once', '--config', config], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/\[StateError 50[01]\]/);
    expect(receiver.lines).toHaveLength(0);
  });

  it('the SQLite file deleted while the collector runs stops the service with StateError 502 instead of checkpointing into a file that is gone', async () => {
    sim = await startLarkSim({ latencyMs: 60 });
    receiver = await startLineReceiver();
    const nowS = Math.floor(Date.now() / 1000);
    sim.generateEvents({ count: 4000, fromSeconds: nowS - 10 * 3600, toSeconds: nowS - 100 });
    const { dir, config } = writeConfig(
      larkConfig({ simUrl: sim.url, receiverPort: receiver.port, start: isoSeconds((nowS - 11 * 3600) * 1000) }).replace('    override_base_url:', '    requests_per_minute: 6000\n    override_base_url:'),
    );
    const run = startCli(['run', '--config', config], { env });
    await waitFor(() => receiver!.lines.length >= 300, 30_000, 'the backfill to be under way');
    for (const suffix of ['', '-wal', '-shm']) rmSync(join(dir, `state/auditpull.sqlite${suffix}`), { force: true });
    await waitFor(() => /\[StateError 502\].*deleted or replaced/.test(run.stderr), 20_000, 'the state error');
    expect(await run.exited).toBe(1);
    expect(receiver.lines.length).toBeLessThan(4000);
  }, 60_000);
});

/** Make `file` read-only for the collector: chmod is no barrier to root, an immutable flag is. Returns the undo. */
function makeReadOnly(file: string): () => void {
  if (process.getuid?.() !== 0) {
    chmodSync(file, 0o444);
    return () => chmodSync(file, 0o600);
  }
  execFileSync('chattr', ['+i', file]);
  return () => execFileSync('chattr', ['-i', file]);
}

describe('read-only state and a full disk', () => {
  it('a read-only SQLite file is StateError 500 naming it read-only, before anything is pulled or sent', async () => {
    sim = await startLarkSim();
    receiver = await startLineReceiver();
    const nowS = Math.floor(Date.now() / 1000);
    sim.generateEvents({ count: 50, fromSeconds: nowS - 1800, toSeconds: nowS - 600 });
    const { dir, config } = writeConfig(larkConfig({ simUrl: sim.url, receiverPort: receiver.port, start: isoSeconds((nowS - 3600) * 1000), service: { lag_seconds: 1 } }));
    expect((await runCli(['run', '--once', '--config', config], { env })).code).toBe(0);
    expect(receiver.lines).toHaveLength(50);
    const t = Math.floor(Date.now() / 1000);
    sim.generateEvents({ count: 20, fromSeconds: t, toSeconds: t });
    await new Promise((r) => setTimeout(r, 2100));
    const file = join(dir, 'state/auditpull.sqlite');
    const undo = makeReadOnly(file);
    try {
      const result = await runCli(['run', '--once', '--config', config], { env });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/\[StateError 500\].*auditpull\.sqlite is read-only/);
      expect(receiver.lines).toHaveLength(50);
    } finally {
      undo();
    }
    // Writable again, the next run picks up exactly where the state says.
    expect((await runCli(['run', '--once', '--config', config], { env })).code).toBe(0);
    expect(receiver.lines).toHaveLength(70);
  }, 60_000);

  it('a disk that fills up mid-backfill is StateError 502; once there is room, the next run finishes without loss and at most one page again', async () => {
    sim = await startLarkSim();
    receiver = await startLineReceiver();
    const nowS = Math.floor(Date.now() / 1000);
    const events = sim.generateEvents({ count: 6000, fromSeconds: nowS - 20 * 3600, toSeconds: nowS - 100 });
    const { config } = writeConfig(larkConfig({ simUrl: sim.url, receiverPort: receiver.port, start: isoSeconds((nowS - 21 * 3600) * 1000), service: { max_window_seconds: 3600 } }));
    // RLIMIT_FSIZE makes every write past 512 KiB fail as ENOSPC would (EFBIG; Node ignores SIGXFSZ).
    const full = await runCli(['run', '--once', '--config', config], { env, fileSizeLimitKiB: 512 });
    expect(full.code).toBe(1);
    expect(full.stderr).toMatch(/\[StateError 502\]/);
    const sentBefore = receiver.lines.length;
    expect(sentBefore).toBeGreaterThan(0);
    expect(sentBefore).toBeLessThan(events.length);
    const again = await runCli(['run', '--once', '--config', config], { env });
    expect(again.code, again.stderr).toBe(0);
    const ids = receiver.lines.map((l) => (l.json as { unique_id: string }).unique_id);
    expect(new Set(ids)).toEqual(new Set(events.map((e) => e.unique_id)));
    // What the full disk cut short was sent but not recorded: at most the page in flight comes again.
    expect(ids.length - new Set(ids).size).toBeLessThanOrEqual(100);
  }, 90_000);
});

describe('Redis restarted mid-run', () => {
  let redis: RestartableServer | undefined;
  afterEach(async () => {
    await redis?.stop();
  });

  it('the backfill survives a Redis restart: a warning while it is down, then every event once, no StateError', async () => {
    redis = await startRedis({ persistent: true });
    sim = await startLarkSim({ latencyMs: 30 });
    receiver = await startLineReceiver();
    const nowS = Math.floor(Date.now() / 1000);
    const events = sim.generateEvents({ count: 3000, fromSeconds: nowS - 10 * 3600, toSeconds: nowS - 100 });
    const { config } = writeConfig(
      larkConfig({ simUrl: sim.url, receiverPort: receiver.port, start: isoSeconds((nowS - 11 * 3600) * 1000), service: { max_window_seconds: 3600 } })
        .replace('{type: sqlite, path: state/auditpull.sqlite}', `{type: redis, url: "${redis.url}"}`)
        .replace('    override_base_url:', '    requests_per_minute: 6000\n    override_base_url:'),
    );
    const run = startCli(['run', '--config', config], { env });
    try {
      await waitFor(() => receiver!.lines.length >= 500, 30_000, 'the backfill to be under way');
      await redis.stop();
      await new Promise((r) => setTimeout(r, 1500));
      await redis.start();
      await waitFor(() => receiver!.lines.length >= events.length || run.child.exitCode !== null, 90_000, 'the backfill to finish');
      await new Promise((r) => setTimeout(r, 500));
      const ids = receiver.lines.map((l) => (l.json as { unique_id: string }).unique_id);
      expect(run.child.exitCode, run.stderr).toBeNull();
      expect(new Set(ids)).toEqual(new Set(events.map((e) => e.unique_id)));
      expect(ids.length - new Set(ids).size).toBe(0);
      expect(run.stderr).toMatch(/WARN .*State store redis unreachable .*retrying in/);
      expect(run.stderr).not.toMatch(/StateError/);
    } finally {
      run.child.kill('SIGTERM');
      await run.exited;
    }
  }, 120_000);
});
