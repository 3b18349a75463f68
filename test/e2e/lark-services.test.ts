import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type Keyv from 'keyv';
import { contentHash } from '../../lib/index.ts';
import { buildServices, openState } from '../../runner/collector.ts';
import { parseConfig } from '../../runner/config.ts';
import { createRunnerLogger } from '../../runner/log.ts';
import { createOutputs, type Outputs } from '../../runner/outputs.ts';
import type { Service } from '../../runner/service.ts';
import { startLarkSim, type LarkSim, type LarkSimOptions } from '../../sim/lark/index.ts';
import { startLineReceiver, type LineReceiver } from '../../sim/devo/index.ts';

// All three Lark services composed exactly as the runner does (buildServices), on a clock the test
// moves, so hours of collection run in seconds. The simulator shares the clock.

const T0 = Date.parse('2026-11-01T00:00:00Z');
const silent = createRunnerLogger({ level: 'error', write: () => {} });
let cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

async function rig(simOptions: LarkSimOptions, serviceYaml: string, inputYaml = '') {
  let clock = T0;
  const now = () => clock;
  const sim: LarkSim = await startLarkSim({ ...simOptions, now });
  const receiver: LineReceiver = await startLineReceiver();
  const dir = mkdtempSync(join(tmpdir(), 'auditpull-lark-'));
  const config = parseConfig(
    [
      'globals: {persistence: {type: sqlite, path: state.sqlite}}',
      `outputs: {relay: {type: devo_platform, config: {address: 127.0.0.1, port: ${receiver.port}, type: TCP}}}`,
      'inputs:',
      '  lark:',
      '    credentials: {app_id: cli_sim_app, app_secret: sim-secret}',
      `    override_base_url: ${sim.url}`,
      '    requests_per_minute: 1000000',
      ...(inputYaml ? [inputYaml] : []),
      '    services:',
      serviceYaml,
    ].join('\n'),
    { baseDir: dir, now: T0 },
  );
  const store: Keyv = await openState(config);
  const outputs: Outputs = await createOutputs(config, silent);
  let closed: Promise<void> | undefined;
  // Accepted means written to the socket; closing (half-close, wait for the receiver's EOF) makes it received.
  const flush = () => (closed ??= outputs.close());
  cleanup.push(() => sim.close(), () => receiver.close(), flush, () => store.disconnect());
  const services: Service[] = buildServices(config, store, outputs, silent, now);
  const signal = new AbortController().signal;
  for (const s of services) await s.setup(signal);
  return {
    sim,
    receiver,
    services,
    advance: (ms: number) => (clock += ms),
    now,
    flush,
    pullAll: async () => {
      for (const s of services) await s.pull(signal);
    },
  };
}

/** Identity of a received event: its dedupe key, recomputed from the line (minus our own field). */
function keyOf(tag: string, json: Record<string, unknown>): string {
  const { ['@devo_pulling_id']: _id, ...item } = json;
  return tag === 'app.lark.dlp.log' ? contentHash(item) : String(item['unique_id']);
}

function received(receiver: LineReceiver, tag: string): string[] {
  return receiver.lines.filter((l) => l.tag === tag).map((l) => keyOf(tag, l.json as Record<string, unknown>));
}

function expectExactlyOnce(got: string[], expected: string[], what: string) {
  const dupes = got.filter((k, i) => got.indexOf(k) !== i);
  expect(dupes, `${what}: duplicates`).toEqual([]);
  expect(new Set(got), `${what}: set`).toEqual(new Set(expected));
}

const ALL = [
  '      audit_infos: {initial_start_time_in_utc: "2026-10-31T23:00:00Z", request_period_in_seconds: 60}',
  '      admin_log: {initial_start_time_in_utc: "2026-10-31T23:00:00Z", request_period_in_seconds: 60}',
  '      dlp_execute_log: {initial_start_time_in_utc: "2026-10-31T23:00:00Z", request_period_in_seconds: 60, page_size: 20}',
].join('\n');

describe('Lark: all three services', () => {
  it('six simulated hours: every event exactly once, one token per 90 minutes, no stale token but after an invalidation', async () => {
    const r = await rig({ dlpDuplicateRate: 0.1 }, ALL);
    const s = (ms: number) => Math.floor(ms / 1000);
    const audit = r.sim.generateEvents({ count: 300, fromSeconds: s(T0) - 3600, toSeconds: s(T0) }).map((e) => e.unique_id);
    const admin = r.sim.generateAdminLogs({ count: 100, fromSeconds: s(T0) - 3600, toSeconds: s(T0) }).map((e) => String(e.unique_id));
    const dlp = r.sim.generateDlpLogs({ count: 150, fromSeconds: s(T0) - 3600, toSeconds: s(T0) }).map((e) => contentHash(e));
    let invalidatedAt = -1;
    for (let minute = 1; minute <= 360; minute += 1) {
      const from = s(r.now()) + 1;
      r.advance(60_000);
      const to = s(r.now());
      audit.push(...r.sim.generateEvents({ count: 8, fromSeconds: from, toSeconds: to }).map((e) => e.unique_id));
      admin.push(...r.sim.generateAdminLogs({ count: 2, fromSeconds: from, toSeconds: to }).map((e) => String(e.unique_id)));
      dlp.push(...r.sim.generateDlpLogs({ count: 4, fromSeconds: from, toSeconds: to }).map((e) => contentHash(e)));
      if (minute === 200) {
        r.sim.invalidateTokens();
        invalidatedAt = r.sim.stats.tokenRequests;
      }
      await r.pullAll();
    }
    // Let the lag pass, so the last minute is inside a window too.
    r.advance(61_000);
    await r.pullAll();
    await r.flush();

    expectExactlyOnce(received(r.receiver, 'app.lark.audit.event'), audit, 'audit_infos');
    expectExactlyOnce(received(r.receiver, 'app.lark.admin.log'), admin, 'admin_log');
    expectExactlyOnce(received(r.receiver, 'app.lark.dlp.log'), dlp, 'dlp_execute_log');
    expect(r.sim.stats.dlpDuplicatesServed).toBeGreaterThan(0);

    // Tokens: the first, one every 90 minutes of a 6 h run (4), one after the invalidation.
    const issued = r.sim.stats.tokenIssuedAt;
    expect(r.sim.stats.tokenRequests).toBeLessThanOrEqual(5);
    const gaps = issued.slice(1).map((t, i) => t - issued[i]!);
    const short = gaps.filter((g) => g < 90 * 60_000);
    expect(short.length, `gaps ${gaps.map((g) => g / 60_000).join(', ')} min`).toBeLessThanOrEqual(1);
    expect(invalidatedAt).toBeGreaterThan(0);
    // Only the first request after the invalidation carried the dead token; the shared cache fixed the rest.
    expect(r.sim.stats.staleTokenRequests).toBe(1);
  });

  it('duplicate DLP rows on the same page, the next page and the next window never reach the output', async () => {
    const r = await rig({ dlpDuplicateRate: 0.5 }, '      dlp_execute_log: {initial_start_time_in_utc: "2026-10-31T23:00:00Z", page_size: 5, max_window_seconds: 600}');
    const s = (ms: number) => Math.floor(ms / 1000);
    const rows = r.sim.generateDlpLogs({ count: 120, fromSeconds: s(T0) - 3600, toSeconds: s(T0) - 120 });
    // Rows at window boundaries (every 600 s from the start) are read by two windows.
    const boundary = r.sim.generateDlpLogs({ count: 6, fromSeconds: s(T0) - 3600 + 600, toSeconds: s(T0) - 3600 + 600 });
    r.advance(1000);
    const [service] = r.services;
    const stats = await service!.pull(new AbortController().signal);
    const expected = [...rows, ...boundary].map((e) => contentHash(e));
    await r.flush();
    for (const l of r.receiver.lines) { const k = keyOf('app.lark.dlp.log', l.json as Record<string, unknown>); if (!expected.includes(k)) console.log('EXTRA', JSON.stringify(l.json).slice(0, 300)); }
    expectExactlyOnce(received(r.receiver, 'app.lark.dlp.log'), expected, 'dlp');
    expect(stats.duplicates).toBeGreaterThanOrEqual(r.sim.stats.dlpDuplicatesServed);
    expect(stats.duplicates).toBeGreaterThan(boundary.length);
    expect(stats.sent).toBe(expected.length);
  });

  it('a burst that trips the rate limit completes with no error, no loss and no duplicate', async () => {
    const r = await rig({ rateLimitPerMinute: 30 }, ALL.replace('page_size: 20', 'page_size: 5'), '    rate_limit_max_wait_seconds: 0.5');
    const s = (ms: number) => Math.floor(ms / 1000);
    r.sim.generateEvents({ count: 30, fromSeconds: s(T0) - 3000, toSeconds: s(T0) - 100 });
    const audit = r.sim.generateEvents({ count: 400, fromSeconds: s(T0) - 3000, toSeconds: s(T0) - 100 });
    const dlp = r.sim.generateDlpLogs({ count: 200, fromSeconds: s(T0) - 3000, toSeconds: s(T0) - 100 });
    // The sim's clock only moves when the test says; its rate-limit window is sim time. Let a real-time
    // ticker move it, so the reset the sim announces passes while the collector waits.
    const ticker = setInterval(() => r.advance(1000), 25);
    cleanup.push(async () => clearInterval(ticker));
    await r.pullAll();
    clearInterval(ticker);
    await r.flush();
    expect(r.sim.stats.rateLimited).toBeGreaterThan(0);
    expect(new Set(received(r.receiver, 'app.lark.audit.event')).size).toBe(430);
    expect(received(r.receiver, 'app.lark.audit.event')).toHaveLength(430);
    expectExactlyOnce(received(r.receiver, 'app.lark.dlp.log'), dlp.map((e) => contentHash(e)), 'dlp');
    expect(audit).toHaveLength(400);
  });
});
