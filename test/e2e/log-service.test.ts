import { afterEach, describe, expect, it } from 'vitest';
import { startSlsSim, type SlsSim } from '../../sim/sls/index.ts';
import { startLineReceiver, type LineReceiver } from '../../sim/devo/index.ts';
import { isoSeconds, runCli, startCli, waitFor, writeConfig } from '../helpers/cli.ts';

const ENV = { ALIBABA_ACCESS_KEY_ID: 'LTAI_sls_key', ALIBABA_ACCESS_KEY_SECRET: 'sls-secret' };
let cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

function slsConfig(simUrl: string, receiverPort: number, service: Record<string, string | number> = {}): string {
  const extra = Object.entries(service).map(([k, v]) => `, ${k}: ${v}`).join('');
  return [
    'globals: {persistence: {type: sqlite, path: state/auditpull.sqlite}}',
    `outputs: {relay: {type: devo_platform, config: {address: 127.0.0.1, port: ${receiverPort}, type: TCP}}}`,
    'inputs:',
    '  alibaba:',
    '    id: 3',
    '    credentials: {access_key_id: "${ALIBABA_ACCESS_KEY_ID}", access_key_secret: "${ALIBABA_ACCESS_KEY_SECRET}"}',
    '    region: cn-hangzhou',
    '    services:',
    `      actiontrail_log_service: {project: sim-project, logstore: actiontrail_sim-trail, override_base_url: ${simUrl}, initial_start_time_in_utc: "${isoSeconds(Date.now() - 86_400_000)}"${extra}}`,
    '',
  ].join('\n');
}

async function start(shards: number) {
  const sim = await startSlsSim({ shards });
  const receiver = await startLineReceiver();
  cleanup.push(() => sim.close(), () => receiver.close());
  return { sim, receiver };
}

/** eventId of each received line, grouped by the shard named in `origin`, in arrival order. */
function byShard(receiver: LineReceiver): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const line of receiver.lines) {
    expect(line.tag).toBe('cloud.alibaba.log_service.events');
    const event = line.json as { eventId?: string; origin: string; module: string };
    const shard = Number(event.origin.split('/').at(-1));
    expect(event.origin).toBe(`sim-project/actiontrail_sim-trail/${shard}`);
    out.set(shard, [...(out.get(shard) ?? []), String(event.eventId)]);
  }
  return out;
}

function expected(written: Array<{ shard: number; event: Record<string, unknown> | string }>): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const w of written) {
    const id = typeof w.event === 'string' ? 'raw' : String(w.event['eventId']);
    out.set(w.shard, [...(out.get(w.shard) ?? []), id]);
  }
  return out;
}

describe('actiontrail_log_service end to end (CLI → SLS simulator → TCP line receiver)', () => {
  it('200,000 events over 4 shards, one split mid-run, arrive exactly once and in order within each shard', async () => {
    const { sim, receiver } = await start(4);
    const nowS = Math.floor(Date.now() / 1000);
    const written = sim.writeActionTrailEvents({ count: 100_000, fromSeconds: nowS - 7200, toSeconds: nowS - 3600, perGroup: 20, seed: 1, topicVariantRate: 0.1 });
    const { config } = writeConfig(slsConfig(sim.url, receiver.port));
    const first = await runCli(['run', '--config', config, '--once'], { env: ENV });
    expect(first.code, first.stderr.slice(-3000)).toBe(0);
    expect(receiver.lines).toHaveLength(100_000);

    // More events land in shard 0, then it splits: the rest go to the other shards and the two new ones.
    written.push(...sim.writeActionTrailEvents({ count: 5_000, fromSeconds: nowS - 3600, toSeconds: nowS - 1800, perGroup: 20, seed: 2 }));
    sim.splitShard(0);
    written.push(...sim.writeActionTrailEvents({ count: 95_000, fromSeconds: nowS - 1800, toSeconds: nowS - 60, perGroup: 20, seed: 3 }));
    const second = await runCli(['run', '--config', config, '--once'], { env: ENV });
    expect(second.code, second.stderr.slice(-3000)).toBe(0);
    expect(second.stderr).toContain('read to its end');

    const got = byShard(receiver);
    const want = expected(written);
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [shard, ids] of want) expect(got.get(shard), `shard ${shard}`).toEqual(ids);
    const all = receiver.lines.map((l) => String((l.json as { eventId: string }).eventId));
    expect(new Set(all).size).toBe(200_000);
    const modules = new Set(receiver.lines.map((l) => (l.json as { module: string }).module));
    expect(modules).toEqual(new Set(['actiontrail_audit_event', 'actiontrail_event']));

    // A third run finds nothing new.
    const third = await runCli(['run', '--config', config, '--once'], { env: ENV });
    expect(third.code).toBe(0);
    expect(receiver.lines).toHaveLength(200_000);
  }, 600_000);

  it('a collector killed mid-shard loses nothing and duplicates nothing that was checkpointed', async () => {
    const { sim, receiver } = await start(3);
    const nowS = Math.floor(Date.now() / 1000);
    const written = sim.writeActionTrailEvents({ count: 6_000, fromSeconds: nowS - 3600, toSeconds: nowS - 60, perGroup: 10, seed: 9 });
    // One shard at a time and small pulls: when a pull hangs, every batch sent before it is checkpointed.
    const { config } = writeConfig(slsConfig(sim.url, receiver.port, { count: 20, max_concurrent_shards: 1 }));
    const run = startCli(['run', '--config', config, '--once'], { env: ENV });
    await waitFor(() => receiver.lines.length >= 2_500, 60_000, '2,500 lines');
    const from = sim.requests.length;
    sim.inject({ kind: 'hold', count: 1 }, { api: 'PullLogs' });
    await waitFor(() => sim.requests.slice(from).some((r) => r.status === 0), 10_000, 'the held pull');
    await new Promise((r) => setTimeout(r, 200));
    run.child.kill('SIGKILL');
    await run.exited;
    expect(receiver.lines.length).toBeLessThan(6_000);
    const resumed = await runCli(['run', '--config', config, '--once'], { env: ENV });
    expect(resumed.code, resumed.stderr.slice(-2000)).toBe(0);
    const got = byShard(receiver);
    for (const [shard, ids] of expected(written)) expect(got.get(shard), `shard ${shard}`).toEqual(ids);
  });

  it('a log whose event is not JSON is sent raw with a warning; corrupt bodies are re-read, never skipped', async () => {
    const { sim, receiver } = await start(2);
    const nowS = Math.floor(Date.now() / 1000);
    const written = sim.writeActionTrailEvents({ count: 400, fromSeconds: nowS - 600, toSeconds: nowS - 60, perGroup: 10, badJsonRate: 0.05 });
    const raw = written.filter((w) => typeof w.event === 'string').length;
    expect(raw).toBeGreaterThan(0);
    sim.inject({ kind: 'corrupt', count: 1 });
    sim.inject({ kind: 'truncate', count: 1 });
    sim.inject({ kind: 'throttle', count: 1 });
    const { config } = writeConfig(slsConfig(sim.url, receiver.port, { count: 5 }));
    const result = await runCli(['run', '--config', config, '--once'], { env: ENV });
    expect(result.code, result.stderr.slice(-3000)).toBe(0);
    expect(receiver.lines).toHaveLength(400);
    expect(result.stderr).toContain('not a JSON object; it is sent as the raw log');
    const rawLines = receiver.lines.filter((l) => typeof (l.json as { event?: unknown }).event === 'string');
    expect(rawLines).toHaveLength(raw);
  });

  it('a shard that keeps failing does not starve the others', async () => {
    const { sim, receiver } = await start(3);
    const nowS = Math.floor(Date.now() / 1000);
    const written = sim.writeActionTrailEvents({ count: 300, fromSeconds: nowS - 600, toSeconds: nowS - 60, perGroup: 10 });
    // Shard 0 is read first and fails every attempt; with one shard at a time, 1 and 2 wait behind it.
    sim.inject({ kind: 'error', count: 1000, status: 400, errorCode: 'InvalidCursor', errorMessage: 'cursor is invalid' }, { api: 'PullLogs', shard: 0 });
    const { config } = writeConfig(slsConfig(sim.url, receiver.port, { max_concurrent_shards: 1 }));
    const result = await runCli(['run', '--config', config, '--once'], { env: ENV });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/\[PullError 300\] .*InvalidCursor/);
    const got = byShard(receiver);
    const want = expected(written);
    expect(got.get(0)).toBeUndefined();
    expect(got.get(1)).toEqual(want.get(1));
    expect(got.get(2)).toEqual(want.get(2));
  });

  it('wrong credentials are SetupError 100, with no secret printed', async () => {
    const { sim, receiver } = await start(1);
    const { config } = writeConfig(slsConfig(sim.url, receiver.port));
    const result = await runCli(['run', '--config', config, '--once'], { env: { ...ENV, ALIBABA_ACCESS_KEY_SECRET: 'nope-never-print' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/\[SetupError 100\] /);
    expect(result.stdout + result.stderr).not.toContain('nope-never-print');
  });
});
