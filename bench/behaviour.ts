// Benchmarks 2 (backfill under latency and rate limits), 3 (memory under a stalled output) and 5 (token
// requests per simulated day).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServices, openState } from '../runner/collector.ts';
import { parseConfig } from '../runner/config.ts';
import { createRunnerLogger } from '../runner/log.ts';
import { createOutputs } from '../runner/outputs.ts';
import { startActionTrailSim } from '../sim/actiontrail/index.ts';
import { startLineReceiver } from '../sim/devo/index.ts';
import { DEFAULT_LARK_SIM_APP, startLarkSim } from '../sim/lark/index.ts';
import type { TestPki } from '../test/helpers/certs.ts';
import { alibabaInput } from './throughput.ts';
import { CLI, collectorConfig, iso, rssMb, runMeasured, type Receiver } from './harness.ts';
import { execFileSync, spawn } from 'node:child_process';

const larkInput = (url: string, start: string, extra: { rpm: number; service?: string }) =>
  [
    '  lark:',
    '    id: 1',
    `    credentials: {app_id: ${DEFAULT_LARK_SIM_APP.appId}, app_secret: "\${BENCH_SECRET}"}`,
    `    requests_per_minute: ${extra.rpm}`,
    `    override_base_url: ${url}`,
    '    services:',
    `      audit_infos: {initial_start_time_in_utc: "${start}", max_window_seconds: 86400${extra.service ?? ''}}`,
  ].join('\n');

export interface BackfillRow {
  readonly service: string;
  readonly events: number;
  readonly pages: number;
  readonly rateLimit: string;
  readonly wallSeconds: number;
  readonly boundSeconds: number;
  readonly ratio: number;
}

/** Wall time of a whole backfill against `pages / rate`, with 50 ms per request and the vendor's limit enforced. */
export async function backfill(pki: TestPki, receiver: Receiver, scale: number): Promise<BackfillRow[]> {
  const rows: BackfillRow[] = [];
  const nowS = Math.floor(Date.now() / 1000);
  {
    // Lark allows 100 requests per minute per endpoint; scaled by `scale` so the run takes seconds.
    const rpm = 100 * scale;
    const events = 20_000;
    const sim = await startLarkSim({ latencyMs: 50, rateLimitPerMinute: rpm });
    sim.generateEvents({ count: events, fromSeconds: nowS - 20 * 3600, toSeconds: nowS - 120 });
    const { config } = collectorConfig(pki, receiver.port, larkInput(sim.url, iso(nowS - 21 * 3600), { rpm, service: ', page_size: 100' }));
    await receiver.reset();
    const run = await runMeasured([CLI, 'run', '--once', '--config', config], { BENCH_SECRET: 'sim-secret' });
    const lines = (await receiver.count()).lines;
    if (run.code !== 0 || lines !== events) throw new Error(`lark backfill: exit ${run.code}, ${lines} of ${events}\n${run.stderr.slice(-2000)}`);
    const pages = sim.stats.auditRequests;
    const bound = (pages / rpm) * 60;
    rows.push({ service: 'lark audit_infos', events, pages, rateLimit: `${rpm}/min (100/min × ${scale})`, wallSeconds: run.wallMs / 1000, boundSeconds: bound, ratio: run.wallMs / 1000 / bound });
    await sim.close();
  }
  {
    const rps = 10;
    const events = 5_000;
    const sim = await startActionTrailSim({ latencyMs: 50, throttlePerSecond: rps });
    sim.generateEvents({ count: events, fromSeconds: nowS - 20 * 3600, toSeconds: nowS - 700 });
    const inputs = alibabaInput(`actiontrail: {override_base_url: ${sim.url}, initial_start_time_in_utc: "${iso(nowS - 21 * 3600)}", max_window_seconds: 86400, requests_per_second: ${rps}}`);
    const { config } = collectorConfig(pki, receiver.port, inputs);
    await receiver.reset();
    const run = await runMeasured([CLI, 'run', '--once', '--config', config], { BENCH_SECRET: 'sim-secret' });
    const lines = (await receiver.count()).lines;
    if (run.code !== 0 || lines !== events) throw new Error(`actiontrail backfill: exit ${run.code}, ${lines} of ${events}\n${run.stderr.slice(-2000)}`);
    const pages = sim.stats.requests;
    const bound = pages / rps;
    rows.push({ service: 'alibaba actiontrail', events, pages, rateLimit: `${rps}/s`, wallSeconds: run.wallMs / 1000, boundSeconds: bound, ratio: run.wallMs / 1000 / bound });
    await sim.close();
  }
  return rows;
}

export interface StalledResult {
  readonly eventsAvailable: number;
  readonly rssMb: Array<{ atSeconds: number; rssMb: number }>;
  readonly linesReadByReceiver: number;
  readonly checkpointedEvents: number;
}

/** The receiver stops reading while `events` are available: the collector's memory must stay flat. */
export async function stalledOutput(pki: TestPki, receiver: Receiver, events: number, seconds: number): Promise<StalledResult> {
  const nowS = Math.floor(Date.now() / 1000);
  const sim = await startLarkSim();
  sim.generateEvents({ count: events, fromSeconds: nowS - 25 * 86_400, toSeconds: nowS - 120 });
  const { config } = collectorConfig(pki, receiver.port, larkInput(sim.url, iso(nowS - 26 * 86_400), { rpm: 1_000_000, service: ', page_size: 200' }));
  await receiver.reset();
  await receiver.pause();
  const child = spawn(process.execPath, ['--no-warnings', CLI, 'run', '--config', config], { env: { ...process.env, BENCH_SECRET: 'sim-secret' }, stdio: 'ignore' });
  const samples: Array<{ atSeconds: number; rssMb: number }> = [];
  for (let t = 5; t <= seconds; t += 5) {
    await new Promise((resolve) => setTimeout(resolve, 5000));
    samples.push({ atSeconds: t, rssMb: rssMb(child.pid!) });
  }
  const lines = (await receiver.count()).lines;
  child.kill('SIGKILL');
  await new Promise((resolve) => child.on('close', resolve));
  await receiver.resume();
  // What the checkpoint claims was delivered: the chunks of ids recorded for the unfinished window.
  const state = spawnSyncJson([CLI, 'state', 'show', '--config', config, '--json']);
  const entry = (state as Array<{ state?: { window?: { chunks?: number } } }>)[0];
  await sim.close();
  return { eventsAvailable: events, rssMb: samples, linesReadByReceiver: lines, checkpointedEvents: (entry?.state?.window?.chunks ?? 0) * 200 };
}

function spawnSyncJson(args: readonly string[]): unknown {
  const out = execFileSync(process.execPath, ['--no-warnings', ...args], { env: { ...process.env, BENCH_SECRET: 'sim-secret' } }).toString();
  return JSON.parse(out);
}

export interface TokenResult {
  readonly simulatedHours: number;
  readonly tokenRequests: number;
  readonly staleTokenRequests: number;
}

/** A simulated day of all three Lark services on a fake clock (one pull per service per minute). */
export async function tokensPerDay(hours: number): Promise<TokenResult> {
  const t0 = Date.parse('2026-11-20T00:00:00Z');
  let clock = t0;
  const now = () => clock;
  const sim = await startLarkSim({ now });
  const receiver = await startLineReceiver();
  const dir = mkdtempSync(join(tmpdir(), 'auditpull-bench-'));
  const config = parseConfig(
    [
      'globals: {persistence: {type: sqlite, path: state.sqlite}, sender_stats_period_in_sec: 0}',
      `outputs: {relay: {type: devo_platform, config: {address: 127.0.0.1, port: ${receiver.port}, type: TCP}}}`,
      'inputs:',
      '  lark:',
      `    credentials: {app_id: ${DEFAULT_LARK_SIM_APP.appId}, app_secret: ${DEFAULT_LARK_SIM_APP.appSecret}}`,
      `    override_base_url: ${sim.url}`,
      '    requests_per_minute: 1000000',
      '    services:',
      `      audit_infos: {initial_start_time_in_utc: "${iso(t0 / 1000 - 600)}"}`,
      `      admin_log: {initial_start_time_in_utc: "${iso(t0 / 1000 - 600)}"}`,
      `      dlp_execute_log: {initial_start_time_in_utc: "${iso(t0 / 1000 - 600)}"}`,
    ].join('\n'),
    { baseDir: dir, now: t0 },
  );
  const silent = createRunnerLogger({ level: 'error', write: () => {} });
  const store = await openState(config);
  const outputs = await createOutputs(config, silent);
  const services = buildServices(config, store, outputs, silent, now);
  const signal = new AbortController().signal;
  for (const s of services) await s.setup(signal);
  for (let minute = 0; minute < hours * 60; minute += 1) {
    clock += 60_000;
    if (minute % 10 === 0) sim.generateEvents({ count: 5, fromSeconds: clock / 1000 - 200, toSeconds: clock / 1000 - 100 });
    for (const s of services) await s.pull(signal);
  }
  await outputs.close();
  await store.disconnect();
  await receiver.close();
  const result = { simulatedHours: hours, tokenRequests: sim.stats.tokenRequests, staleTokenRequests: sim.stats.staleTokenRequests };
  await sim.close();
  return result;
}
