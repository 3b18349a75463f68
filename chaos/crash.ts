// Crash consistency (issue 9, part 1): a backfill of one service against its simulator, the collector
// killed with SIGKILL at random moments (between pages, mid-send, mid-checkpoint write) and restarted
// each time, then run to the end; the receiver's events are compared with the simulator's.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { contentHash } from '../lib/index.ts';
import { freePort } from '../test/helpers/servers.ts';
import { startActionTrailSim } from '../sim/actiontrail/index.ts';
import { startLineReceiver, type LineReceiver } from '../sim/devo/index.ts';
import { startLarkSim } from '../sim/lark/index.ts';
import { startSlsSim } from '../sim/sls/index.ts';
import { ALIBABA_CREDENTIALS_YAML, CHAOS_ENV, chaosAlibabaCredential, chaosLarkApp, LARK_CREDENTIALS_YAML, SecretScan } from './secrets.ts';

const CLI = resolve(import.meta.dirname, '../runner/cli.ts');
export const SERVICES = ['audit_infos', 'admin_log', 'dlp_execute_log', 'actiontrail', 'actiontrail_log_service'] as const;
export type ChaosService = (typeof SERVICES)[number];

export interface CrashResult {
  readonly service: ChaosService;
  readonly events: number;
  readonly kills: number;
  /** Kills that landed while events were still missing at the receiver (the others hit an idle collector). */
  readonly killsMidBackfill: number;
  readonly received: number;
  readonly lost: number;
  readonly duplicates: number;
  /** Largest number of copies of one event beyond the first. */
  readonly maxExtraCopies: number;
  readonly pageSize: number;
  /** Where a secret or tenant token was found (logs, receiver, /metrics, state); empty when none leaked. */
  readonly secretFindings: readonly string[];
  /** /metrics pages scraped (one per run that had opened it before the kill). */
  readonly metricsScrapes: number;
}

const iso = (s: number) => new Date(s * 1000).toISOString().replace('.000Z', 'Z');

/** The dedupe key of a received event, recomputed from its line. */
function keyOf(service: ChaosService, json: Record<string, unknown>): string {
  if (service === 'dlp_execute_log') {
    const { ['@devo_pulling_id']: _pulling, ...row } = json;
    return contentHash(row);
  }
  if (service === 'actiontrail' || service === 'actiontrail_log_service') return String(json['eventId']);
  return String(json['unique_id']);
}

interface Rig {
  readonly expected: readonly string[];
  readonly inputs: string;
  readonly pageSize: number;
  /** Tenant tokens the vendor minted (Lark), to look for in what the collector left. */
  tokens(): string[];
  close(): Promise<void>;
}

async function rig(service: ChaosService, events: number, latencyMs: number): Promise<Rig> {
  const nowS = Math.floor(Date.now() / 1000);
  const from = nowS - 12 * 3600;
  const start = iso(from - 3600);
  if (service === 'actiontrail') {
    const sim = await startActionTrailSim({ latencyMs, throttlePerSecond: 1_000_000, credentials: [chaosAlibabaCredential()] });
    const generated = sim.generateEvents({ count: events, fromSeconds: from, toSeconds: nowS - 700 });
    return {
      expected: generated.map((e) => String(e['eventId'])),
      pageSize: 50,
      inputs: alibaba(`actiontrail: {override_base_url: ${sim.url}, initial_start_time_in_utc: "${start}", max_window_seconds: 7200, requests_per_second: 1000000, request_period_in_seconds: 1}`),
      tokens: () => [],
      close: () => sim.close(),
    };
  }
  if (service === 'actiontrail_log_service') {
    const sim = await startSlsSim({ shards: 2, latencyMs, credentials: [chaosAlibabaCredential()] });
    const written = sim.writeActionTrailEvents({ count: events, fromSeconds: from, toSeconds: nowS - 60, perGroup: 5, badJsonRate: 0 });
    return {
      expected: written.map((e) => String((e.event as Record<string, unknown>)['eventId'])),
      pageSize: 500,
      inputs: alibaba(`actiontrail_log_service: {project: sim-project, logstore: actiontrail_sim-trail, override_base_url: ${sim.url}, initial_start_time_in_utc: "${start}", count: 100, request_period_in_seconds: 1}`),
      tokens: () => [],
      close: () => sim.close(),
    };
  }
  const sim = await startLarkSim({ latencyMs, dlpDuplicateRate: 0.05, apps: [chaosLarkApp()] });
  const window = { count: events, fromSeconds: from, toSeconds: nowS - 120 };
  const expected =
    service === 'audit_infos'
      ? sim.generateEvents(window).map((e) => e.unique_id)
      : service === 'admin_log'
        ? sim.generateAdminLogs(window).map((e) => e.unique_id)
        : sim.generateDlpLogs(window).map((e) => contentHash(e));
  const pageSize = service === 'audit_infos' ? 100 : service === 'admin_log' ? 100 : 50;
  return {
    expected,
    pageSize,
    inputs: [
      '  lark:',
      '    id: 1',
      `    credentials: ${LARK_CREDENTIALS_YAML}`,
      '    requests_per_minute: 1000000',
      `    override_base_url: ${sim.url}`,
      '    services:',
      `      ${service}: {initial_start_time_in_utc: "${start}", max_window_seconds: 7200, request_period_in_seconds: 1}`,
    ].join('\n'),
    tokens: () => sim.mintedTokens(),
    close: () => sim.close(),
  };
}

function alibaba(service: string): string {
  return [
    '  alibaba:',
    '    id: 2',
    `    credentials: ${ALIBABA_CREDENTIALS_YAML}`,
    '    region: cn-hangzhou',
    '    services:',
    `      ${service}`,
  ].join('\n');
}

function start(args: string[]) {
  const child = spawn(process.execPath, ['--no-warnings', CLI, ...args], { env: { ...process.env, ...CHAOS_ENV }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | string>((done) => child.on('close', (code, signal) => done(code ?? signal ?? -1)));
  return { child, exited, stderr: () => stderr };
}

/**
 * A config file in a fresh folder: SQLite state, one plain TCP output to `port`, the given inputs; logs at
 * debug level (the most a secret could leak into), and /metrics on `metricsPort` when given.
 */
export function writeChaosConfig(port: number, inputs: string, hostname?: string, metricsPort?: number): string {
  const config = join(mkdtempSync(join(tmpdir(), 'auditpull-chaos-')), 'config.yaml');
  const host = hostname === undefined ? '' : `, hostname: ${hostname}`;
  writeFileSync(
    config,
    [
      'globals:',
      '  persistence: {type: sqlite, path: state/auditpull.sqlite}',
      '  sender_stats_period_in_sec: 0',
      '  log: {level: debug}',
      ...(metricsPort === undefined ? [] : [`  metrics: {port: ${metricsPort}, host: 127.0.0.1}`]),
      'outputs:',
      `  relay: {type: devo_platform, config: {address: 127.0.0.1, port: ${port}, type: TCP${host}}}`,
      'inputs:',
      inputs,
      '',
    ].join('\n'),
  );
  return config;
}

/**
 * Kills the collector `kills` times at random moments of the backfill (each run lives 150–1500 ms),
 * then lets a last `run --once` finish, and compares what the receiver got with what the vendor holds.
 */
export async function crashConsistency(service: ChaosService, options: { events: number; kills: number; latencyMs?: number; seed?: number }): Promise<CrashResult> {
  let seed = options.seed ?? 1;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const receiver: LineReceiver = await startLineReceiver();
  const setup = await rig(service, options.events, options.latencyMs ?? 80);
  const metricsPort = await freePort();
  const config = writeChaosConfig(receiver.port, setup.inputs, 'chaos', metricsPort);
  const scan = new SecretScan();
  let metricsScrapes = 0;
  try {
    let kills = 0;
    let killsMidBackfill = 0;
    const chaosLines = () => receiver.lines.filter((line) => line.hostname === 'chaos').length;
    while (kills < options.kills) {
      const run = start(['run', '--config', config]);
      await new Promise((r) => setTimeout(r, 150 + random() * 1350));
      if (run.child.exitCode !== null) throw new Error(`the collector exited on its own (${String(run.child.exitCode)}):\n${run.stderr().slice(-2000)}`);
      if (await scan.addMetrics(metricsPort)) metricsScrapes += 1;
      run.child.kill('SIGKILL');
      await run.exited;
      scan.add(`stderr of run ${kills + 1}`, run.stderr());
      kills += 1;
      if (chaosLines() < setup.expected.length) killsMidBackfill += 1;
    }
    const last = start(['run', '--once', '--config', config]);
    const code = await last.exited;
    if (code !== 0) throw new Error(`the final run failed (${String(code)}):\n${last.stderr().slice(-3000)}`);
    scan.add('stderr of the final run', last.stderr());
    scan.add('lines at the receiver', receiver.lines.map((line) => line.raw).join('\n'));
    scan.addState(config);
    const counts = new Map<string, number>();
    for (const line of receiver.lines) {
      if (line.hostname !== 'chaos') continue;
      const key = keyOf(service, line.json as Record<string, unknown>);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const expected = new Set(setup.expected);
    const lost = [...expected].filter((key) => !counts.has(key)).length;
    let duplicates = 0;
    let maxExtraCopies = 0;
    for (const n of counts.values()) {
      duplicates += n - 1;
      maxExtraCopies = Math.max(maxExtraCopies, n - 1);
    }
    const secretFindings = scan.findings(setup.tokens());
    return { service, events: expected.size, kills, killsMidBackfill, received: receiver.lines.length, lost, duplicates, maxExtraCopies, pageSize: setup.pageSize, secretFindings, metricsScrapes };
  } finally {
    await setup.close();
    await receiver.close();
  }
}
