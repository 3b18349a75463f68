import { afterEach, describe, expect, it } from 'vitest';
import { startLarkSim, type LarkSim } from '../../sim/lark/index.ts';
import { startLineReceiver, type LineReceiver } from '../../sim/devo/index.ts';
import { isoSeconds, larkConfig, runCli, startCli, waitFor, writeConfig } from '../helpers/cli.ts';

const SECRET = { LARK_APP_SECRET: 'sim-secret' };
let sim: LarkSim | undefined;
let receiver: LineReceiver | undefined;
afterEach(async () => {
  await sim?.close();
  await receiver?.close();
  sim = undefined;
  receiver = undefined;
});

/** unique_id → times received, from the receiver's lines. */
function receivedIds(r: LineReceiver): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of r.lines) {
    const id = (line.json as { unique_id?: string }).unique_id ?? '';
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

function expectExactlyOnce(r: LineReceiver, expected: ReadonlyArray<{ unique_id: string }>) {
  const counts = receivedIds(r);
  const dupes = [...counts].filter(([, n]) => n > 1);
  expect(dupes, 'duplicated ids').toEqual([]);
  expect(counts.size).toBe(expected.length);
  for (const e of expected) expect(counts.has(e.unique_id), e.unique_id).toBe(true);
}

describe('audit_infos end to end (CLI → Lark simulator → TCP line receiver)', () => {
  it('backfills 10,000 events over several windows exactly once, tagged, with one token request', async () => {
    sim = await startLarkSim();
    receiver = await startLineReceiver();
    const nowS = Math.floor(Date.now() / 1000);
    const events = sim.generateEvents({ count: 10_000, fromSeconds: nowS - 6 * 3600, toSeconds: nowS - 120, seed: 7 });
    const { config } = writeConfig(larkConfig({ simUrl: sim.url, receiverPort: receiver.port, start: isoSeconds((nowS - 7 * 3600) * 1000), service: { page_size: 200, lag_seconds: 1 } }));

    const first = await runCli(['run', '--config', config, '--once'], { env: SECRET });
    expect(first.code, first.stderr).toBe(0);
    expectExactlyOnce(receiver, events);
    expect(sim.stats.tokenRequests).toBe(1);
    for (const line of receiver.lines) {
      expect(line.tag).toBe('app.lark.audit.event');
      expect(line.priority).toBe(14);
      expect(line.hostname).toBe('e2e-host');
      expect((line.json as Record<string, unknown>)['@devo_pulling_id']).toMatch(/^\d{13}$/);
    }
    // 7 windows of at most 3600 s: the backfill checkpointed window by window.
    const windows = new Set(sim.requests.filter((r) => r.path.endsWith('audit_infos') && !r.query['page_token']).map((r) => r.query['oldest']));
    expect(windows.size).toBeGreaterThanOrEqual(7);
    expect(first.stderr).toMatch(
      /Statistics for this pull cycle \(@devo_pulling_id=\d+\): Number of requests made: \d+; Number of events received: \d+; Number of duplicated events filtered out: \d+; Number of events generated and sent: 10000; Average of events per second: [\d.]+\./,
    );

    // A second run sends nothing again, reuses the cached token, and picks up only what is new.
    const t = Math.floor(Date.now() / 1000);
    const fresh = sim.generateEvents({ count: 25, fromSeconds: t - 1, toSeconds: t, seed: 8 });
    await new Promise((r) => setTimeout(r, 2100));
    const second = await runCli(['run', '--config', config, '--once'], { env: SECRET });
    expect(second.code, second.stderr).toBe(0);
    expectExactlyOnce(receiver, [...events, ...fresh]);
    expect(sim.stats.tokenRequests).toBe(1);
  });

  it('a collector killed between pages loses nothing and duplicates nothing already checkpointed', async () => {
    sim = await startLarkSim({ latencyMs: 20 });
    receiver = await startLineReceiver();
    const nowS = Math.floor(Date.now() / 1000);
    const events = sim.generateEvents({ count: 3000, fromSeconds: nowS - 3 * 3600, toSeconds: nowS - 120, seed: 11 });
    const { config } = writeConfig(larkConfig({ simUrl: sim.url, receiverPort: receiver.port, start: isoSeconds((nowS - 4 * 3600) * 1000), service: { page_size: 50 } }));

    const run = startCli(['run', '--config', config, '--once'], { env: SECRET });
    await waitFor(() => receiver!.lines.length >= 700, 30_000, '700 lines');
    // Freeze the collector on its next page request: everything it delivered before is checkpointed.
    // The fault is taken by the first audit_infos request that arrives after it is queued.
    const queuedAt = sim.requests.length;
    sim.inject({ kind: 'hold', count: 1 });
    const held = () => sim!.requests.slice(queuedAt).find((r) => r.path.endsWith('/audit_infos'));
    await waitFor(() => held() !== undefined, 10_000, 'the held request');
    await new Promise((r) => setTimeout(r, 200));
    expect(held()?.status).toBe(0);
    run.child.kill('SIGKILL');
    expect(await run.exited).toBe('SIGKILL');
    const before = receiver.lines.length;
    expect(before).toBeLessThan(events.length);
    expect([...receivedIds(receiver).values()].every((n) => n === 1)).toBe(true);

    const started = Date.now();
    const resumed = await runCli(['run', '--config', config, '--once'], { env: SECRET });
    expect(resumed.code, resumed.stderr).toBe(0);
    // Nothing of the killed run stands in the way (no lock, no held request to time out).
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(resumed.stderr).toContain('Resuming unfinished window');
    expectExactlyOnce(receiver, events);
  });

  it('survives token expiry, an invalidated token and a 429 with x-ogw-ratelimit-reset in one run', async () => {
    sim = await startLarkSim();
    receiver = await startLineReceiver();
    const nowS = Math.floor(Date.now() / 1000);
    const all = sim.generateEvents({ count: 500, fromSeconds: nowS - 1800, toSeconds: nowS - 10, seed: 3 });
    const { config } = writeConfig(larkConfig({ simUrl: sim.url, receiverPort: receiver.port, start: isoSeconds((nowS - 3600) * 1000), service: { lag_seconds: 1 } }));
    const run = startCli(['run', '--config', config], { env: SECRET });
    await waitFor(() => receiver!.lines.length === all.length, 20_000, 'backfill');

    const addNow = (seed: number) => {
      const t = Math.floor(Date.now() / 1000);
      return sim!.generateEvents({ count: 20, fromSeconds: t, toSeconds: t, seed });
    };
    // 1. The token expires on Lark's side (its clock moves 2 h) while the collector still holds it.
    sim.advanceClock(2 * 3600_000 + 1000);
    all.push(...addNow(21));
    await waitFor(() => receiver!.lines.length === all.length, 20_000, 'events after token expiry');
    // 2. Lark invalidates every token.
    sim.invalidateTokens();
    all.push(...addNow(22));
    await waitFor(() => receiver!.lines.length === all.length, 20_000, 'events after invalidation');
    // 3. Rate limited twice, told to wait 1 s.
    sim.inject({ kind: 'rate-limit', count: 2, resetSeconds: 1 });
    all.push(...addNow(23));
    await waitFor(() => receiver!.lines.length === all.length, 20_000, 'events after 429');

    run.child.kill('SIGTERM');
    expect(await run.exited, run.stderr).toBe(0);
    expectExactlyOnce(receiver, all);
    expect(sim.stats.rateLimited).toBe(2);
    expect(sim.stats.tokenRequests).toBe(3);
    expect(run.stderr).toContain('Rate limited');
    expect(run.stderr).not.toContain('sim-secret');
  });
});

describe('bad input gives a coded error, a non-zero exit and no secret', () => {
  it.each([
    ['missing credentials', (c: string) => c.replace(/, app_secret: "[^"]*"/, ''), {}, 2, /\[ConfigError 13\] .*app_secret/],
    ['a bad date', (c: string) => c.replace(/initial_start_time_in_utc: "[^"]*"/, 'initial_start_time_in_utc: "01/06/2024"'), {}, 2, /\[InitVariablesError 1\] /],
    ['a future date', (c: string) => c.replace(/initial_start_time_in_utc: "[^"]*"/, 'initial_start_time_in_utc: "2999-01-01T00:00:00Z"'), {}, 2, /\[InitVariablesError 2\] Date 2999-01-01T00:00:00Z/],
    ['a wrong secret', (c: string) => c, { LARK_APP_SECRET: 'wrong-secret-do-not-print' }, 1, /\[SetupError 100\] /],
    ['an unset env var', (c: string) => c, { LARK_APP_SECRET: '' }, 2, /\[ConfigError 12\] Environment variable NOT_SET_ANYWHERE/],
  ])('%s', async (_name, edit, env, exit, pattern) => {
    sim = await startLarkSim();
    receiver = await startLineReceiver();
    let text = edit(larkConfig({ simUrl: sim.url, receiverPort: receiver.port, start: '2026-11-01T00:00:00Z' }));
    if (_name === 'an unset env var') text = text.replace('LARK_APP_SECRET', 'NOT_SET_ANYWHERE');
    const { config } = writeConfig(text);
    const result = await runCli(['run', '--config', config, '--once'], { env: { LARK_APP_SECRET: 'sim-secret', ...env } });
    expect(result.code).toBe(exit);
    expect(result.stderr).toMatch(pattern);
    const output = result.stdout + result.stderr;
    expect(output).not.toContain('sim-secret');
    expect(output).not.toContain('wrong-secret-do-not-print');
    expect(receiver.lines).toEqual([]);
  });
});
