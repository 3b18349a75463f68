import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildServices, openState } from '../../runner/collector.ts';
import { parseConfig } from '../../runner/config.ts';
import { createRunnerLogger } from '../../runner/log.ts';
import { createOutputs } from '../../runner/outputs.ts';
import { startActionTrailSim, type ActionTrailSim } from '../../sim/actiontrail/index.ts';
import { startLineReceiver, type LineReceiver } from '../../sim/devo/index.ts';
import { isoSeconds, runCli, startCli, waitFor, writeConfig } from '../helpers/cli.ts';

const ENV = { ALIBABA_ACCESS_KEY_ID: 'LTAI_sim_key', ALIBABA_ACCESS_KEY_SECRET: 'sim-secret' };
let cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

function trailConfig(simUrl: string, receiverPort: number, service: Record<string, string | number>): string {
  return [
    'globals: {persistence: {type: sqlite, path: state/auditpull.sqlite}}',
    `outputs: {relay: {type: devo_platform, config: {address: 127.0.0.1, port: ${receiverPort}, type: TCP, hostname: e2e}}}`,
    'inputs:',
    '  alibaba:',
    '    id: 2',
    '    credentials: {access_key_id: "${ALIBABA_ACCESS_KEY_ID}", access_key_secret: "${ALIBABA_ACCESS_KEY_SECRET}"}',
    '    region: cn-hangzhou',
    '    services:',
    `      actiontrail: {override_base_url: ${simUrl}, ${Object.entries(service).map(([k, v]) => `${k}: ${v}`).join(', ')}}`,
    '',
  ].join('\n');
}

function eventIds(receiver: LineReceiver): string[] {
  return receiver.lines.map((l) => {
    expect(l.tag).toBe('cloud.alibaba.actiontrail.events');
    return String((l.json as { eventId: string }).eventId);
  });
}

function expectExactlyOnce(got: string[], expected: string[]) {
  const dupes = got.filter((id, i) => got.indexOf(id) !== i);
  expect(dupes.slice(0, 5), 'duplicates').toEqual([]);
  expect(got.length).toBe(expected.length);
  expect(new Set(got)).toEqual(new Set(expected));
}

async function start() {
  const sim = await startActionTrailSim();
  const receiver = await startLineReceiver();
  cleanup.push(() => sim.close(), () => receiver.close());
  return { sim, receiver };
}

describe('actiontrail end to end (CLI → ActionTrail simulator → TCP line receiver)', () => {
  it('backfills 90 days of 50,000 events (bursts in one second across pages) exactly once, surviving a kill between pages and throttling', async () => {
    const { sim, receiver } = await start();
    const nowS = Math.floor(Date.now() / 1000);
    const events = sim.generateEvents({ count: 50_000, fromSeconds: nowS - 89 * 86_400, toSeconds: nowS - 700, sameSecondBurst: 120, seed: 5 });
    const expected = events.map((e) => String(e['eventId']));
    const { config } = writeConfig(
      trailConfig(sim.url, receiver.port, { initial_start_time_in_utc: `"${isoSeconds((nowS - 89 * 86_400 - 60) * 1000)}"`, max_window_seconds: 7 * 86_400, requests_per_second: 10_000 }),
    );
    const first = startCli(['run', '--config', config, '--once'], { env: ENV });
    await waitFor(() => receiver.lines.length >= 12_000, 60_000, '12,000 lines');
    sim.inject({ kind: 'throttle', count: 3, retryAfterSeconds: 1 });
    const queuedAt = sim.requests.length;
    await waitFor(() => sim.requests.length > queuedAt + 5, 30_000, 'requests after throttling');
    // Freeze the collector on a page request, then kill it: what it sent is checkpointed.
    const holdFrom = sim.requests.length;
    sim.inject({ kind: 'hold', count: 1 });
    await waitFor(() => sim.requests.slice(holdFrom).some((r) => r.status === 0), 10_000, 'the held request');
    await new Promise((r) => setTimeout(r, 200));
    first.child.kill('SIGKILL');
    await first.exited;
    expect(new Set(eventIds(receiver)).size).toBe(receiver.lines.length);
    expect(sim.stats.throttled).toBe(3);

    const second = await runCli(['run', '--config', config, '--once'], { env: ENV });
    expect(second.code, second.stderr.slice(-2000)).toBe(0);
    expectExactlyOnce(eventIds(receiver), expected);
    expect(second.stderr).toContain('Retrieving actiontrail logs since');
    expect(second.stderr).toContain('Setting end_datetime to');
  }, 240_000);

  it('a wrong secret is SetupError 100 with no secret printed, and nothing is sent', async () => {
    const { sim, receiver } = await start();
    const { config } = writeConfig(trailConfig(sim.url, receiver.port, {}));
    const result = await runCli(['run', '--config', config, '--once'], { env: { ...ENV, ALIBABA_ACCESS_KEY_SECRET: 'wrong-secret-never-print' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/\[SetupError 100\] Alibaba Cloud refused the credentials \(.*SignatureDoesNotMatch/);
    expect(result.stdout + result.stderr).not.toContain('wrong-secret-never-print');
    expect(receiver.lines).toHaveLength(0);
  });

  it('signs with V2 when asked', async () => {
    const { sim, receiver } = await start();
    const nowS = Math.floor(Date.now() / 1000);
    const events = sim.generateEvents({ count: 120, fromSeconds: nowS - 3600, toSeconds: nowS - 700 });
    const { config } = writeConfig(trailConfig(sim.url, receiver.port, { signature_version: 'v2', initial_start_time_in_utc: `"${isoSeconds((nowS - 7200) * 1000)}"` }));
    const result = await runCli(['run', '--config', config, '--once'], { env: ENV });
    expect(result.code, result.stderr).toBe(0);
    expectExactlyOnce(eventIds(receiver), events.map((e) => String(e['eventId'])));
    expect(sim.stats.byVersion.v2).toBeGreaterThan(0);
    expect(sim.stats.byVersion.v3).toBe(0);
  });
});

describe('actiontrail on a moving clock', () => {
  it('events that become visible late, but within the lag, are not missed', async () => {
    const T0 = Date.parse('2026-11-01T00:00:00Z');
    let clock = T0;
    const now = () => clock;
    const sim = await startActionTrailSim({ now });
    const receiver = await startLineReceiver();
    const dir = mkdtempSync(join(tmpdir(), 'auditpull-trail-'));
    const config = parseConfig(trailConfig(sim.url, receiver.port, { initial_start_time_in_utc: '"2026-10-31T22:00:00Z"', requests_per_second: 10_000 }), { baseDir: dir, env: ENV, now: T0 });
    const silent = createRunnerLogger({ level: 'error', write: () => {} });
    const store = await openState(config);
    const outputs = await createOutputs(config, silent);
    let closed: Promise<void> | undefined;
    const flush = () => (closed ??= outputs.close());
    cleanup.push(() => sim.close(), () => receiver.close(), flush, () => store.disconnect());
    const [service] = buildServices(config, store, outputs, silent, now);
    const signal = new AbortController().signal;
    await service!.setup(signal);
    const expected: string[] = [];
    for (let minute = 0; minute < 90; minute += 1) {
      const t = Math.floor(clock / 1000);
      // Each minute: events that happened in it, some shown only 1–9 minutes later (the lag is 10).
      expected.push(...sim.generateEvents({ count: 6, fromSeconds: t - 59, toSeconds: t }).map((e) => String(e['eventId'])));
      expected.push(...sim.generateEvents({ count: 3, fromSeconds: t - 59, toSeconds: t, visibleAfterSeconds: 60 + (minute % 9) * 60 }).map((e) => String(e['eventId'])));
      await service!.pull(signal);
      clock += 60_000;
    }
    clock += 700_000;
    await service!.pull(signal);
    await flush();
    expectExactlyOnce(eventIds(receiver), expected);
  });
});
