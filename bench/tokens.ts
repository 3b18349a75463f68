// Benchmark 5b: token requests per simulated day. All three Lark services composed exactly as the runner
// does (`buildServices`, as test/e2e/lark-services.test.ts), one pull each per simulated minute, on a clock
// shared with the simulator, so 24 hours run in seconds. A few events arrive every ten minutes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServices, openState } from '../runner/collector.ts';
import { parseConfig } from '../runner/config.ts';
import { createRunnerLogger } from '../runner/log.ts';
import { createOutputs } from '../runner/outputs.ts';
import { startLineReceiver } from '../sim/devo/index.ts';
import { DEFAULT_LARK_SIM_APP, startLarkSim } from '../sim/lark/index.ts';
import { iso } from './harness.ts';

export interface TokenResult {
  readonly simulatedHours: number;
  readonly pullsPerService: number;
  readonly tokenRequests: number;
  /** Tokens newly minted by the simulator (a request answered with the still-fresh token does not count). */
  readonly tokensIssued: number;
  readonly minutesBetweenTokenRequests: number;
  /** Requests that carried an expired or invalidated token. */
  readonly staleTokenRequests: number;
  readonly logRequests: number;
  readonly eventsDelivered: number;
  readonly eventsGenerated: number;
}

export async function tokensPerDay(hours: number): Promise<TokenResult> {
  const t0 = Date.parse('2026-11-20T00:00:00Z');
  let clock = t0;
  const now = () => clock;
  const sim = await startLarkSim({ now });
  const receiver = await startLineReceiver();
  const dir = mkdtempSync(join(tmpdir(), 'auditpull-bench-'));
  const start = iso(t0 / 1000 - 600);
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
      `      audit_infos: {initial_start_time_in_utc: "${start}", request_period_in_seconds: 60}`,
      `      admin_log: {initial_start_time_in_utc: "${start}", request_period_in_seconds: 60}`,
      `      dlp_execute_log: {initial_start_time_in_utc: "${start}", request_period_in_seconds: 60}`,
    ].join('\n'),
    { baseDir: dir, now: t0 },
  );
  const silent = createRunnerLogger({ level: 'error', write: () => {} });
  const store = await openState(config);
  const outputs = await createOutputs(config, silent);
  const services = buildServices(config, store, outputs, silent, now);
  const signal = new AbortController().signal;
  for (const s of services) await s.setup(signal);
  let generated = 0;
  let pulls = 0;
  for (let minute = 0; minute < hours * 60; minute += 1) {
    const from = clock / 1000 + 1;
    clock += 60_000;
    if (minute % 10 === 0) {
      // Activity of the minute that just passed, visible at once (as Lark shows it within the lag).
      const range = { count: 3, fromSeconds: from, toSeconds: clock / 1000 };
      generated += sim.generateEvents(range).length + sim.generateAdminLogs(range).length + sim.generateDlpLogs(range).length;
    }
    for (const s of services) await s.pull(signal);
    pulls += 1;
  }
  // Let the lag pass, so the last minute's events are inside a window too.
  clock += 61_000;
  for (const s of services) await s.pull(signal);
  pulls += 1;
  await outputs.close();
  await store.disconnect();
  const delivered = receiver.lines.length;
  const distinct = new Set(receiver.lines.map((line) => JSON.stringify({ ...(line.json as object), '@devo_pulling_id': '' }))).size;
  await receiver.close();
  rmSync(dir, { recursive: true, force: true });
  const result: TokenResult = {
    simulatedHours: hours,
    pullsPerService: pulls,
    tokenRequests: sim.stats.tokenRequests,
    tokensIssued: sim.stats.tokensIssued,
    minutesBetweenTokenRequests: (hours * 60) / Math.max(1, sim.stats.tokenRequests),
    staleTokenRequests: sim.stats.staleTokenRequests,
    logRequests: sim.stats.auditRequests + sim.stats.adminRequests + sim.stats.dlpRequests,
    eventsDelivered: delivered,
    eventsGenerated: generated,
  };
  await sim.close();
  if (delivered !== generated || distinct !== generated) throw new Error(`token benchmark: ${delivered} lines, ${distinct} distinct, for ${generated} events`);
  return result;
}
