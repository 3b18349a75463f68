// Vendor faults (issue 9, part 2): each scenario injects a fault into a simulator during a `run --once`
// backfill. The run must either deliver every event exactly once (the fault was survived) or end with
// the expected coded error — never hang, crash, skip silently or retry without bound.
import { resolve } from 'node:path';
import { writeChaosConfig } from './crash.ts';
import { spawn } from 'node:child_process';
import { DEFAULT_ACTIONTRAIL_SIM_CREDENTIAL, startActionTrailSim, type ActionTrailSim } from '../sim/actiontrail/index.ts';
import { startLineReceiver } from '../sim/devo/index.ts';
import { DEFAULT_LARK_SIM_APP, startLarkSim, type LarkSim } from '../sim/lark/index.ts';
import { startSlsSim, type SlsSim } from '../sim/sls/index.ts';

const CLI = resolve(import.meta.dirname, '../runner/cli.ts');
const iso = (s: number) => new Date(s * 1000).toISOString().replace('.000Z', 'Z');

type Sims = { lark: LarkSim; trail: ActionTrailSim; sls: SlsSim };
export interface FaultScenario {
  readonly name: string;
  readonly service: 'audit_infos' | 'actiontrail' | 'actiontrail_log_service';
  /** Injects the fault (before the run starts). */
  inject(sims: Sims): void;
  /** `survive`: every event once, exit 0; otherwise the coded error expected, e.g. `PullError 300`. */
  readonly expect: 'survive' | string;
}

export const SCENARIOS: readonly FaultScenario[] = [
  { name: 'Lark 429 storm (12 in a row, 1 s reset)', service: 'audit_infos', expect: 'survive', inject: (s) => s.lark.inject({ kind: 'rate-limit', count: 12, resetSeconds: 1 }) },
  { name: 'Lark 5xx x3', service: 'audit_infos', expect: 'survive', inject: (s) => s.lark.inject({ kind: 'error', count: 3, status: 500, code: 1050099, msg: 'internal error' }) },
  { name: 'Lark truncated JSON x3', service: 'audit_infos', expect: 'survive', inject: (s) => s.lark.inject({ kind: 'malformed', count: 3 }) },
  { name: 'Lark token revoked mid-run', service: 'audit_infos', expect: 'survive', inject: (s) => s.lark.invalidateTokens() },
  { name: 'Lark token endpoint 5xx x2', service: 'audit_infos', expect: 'survive', inject: (s) => s.lark.inject({ kind: 'error', count: 2, status: 503, code: 1050099 }, { path: 'token' }) },
  { name: 'Lark parameter error (not retried)', service: 'audit_infos', expect: 'SetupError 103', inject: (s) => s.lark.inject({ kind: 'error', count: 50, status: 400, code: 1050001, msg: 'param is invalid' }) },
  { name: 'ActionTrail Throttling.User x8', service: 'actiontrail', expect: 'survive', inject: (s) => s.trail.inject({ kind: 'throttle', count: 8, retryAfterSeconds: 0 }) },
  { name: 'ActionTrail 5xx x3', service: 'actiontrail', expect: 'survive', inject: (s) => s.trail.inject({ kind: 'error', count: 3, status: 503, code: 'ServiceUnavailable' }) },
  { name: 'ActionTrail malformed body x3', service: 'actiontrail', expect: 'survive', inject: (s) => s.trail.inject({ kind: 'malformed', count: 3 }) },
  {
    name: 'ActionTrail clock skew (InvalidTimeStamp.Expired)',
    service: 'actiontrail',
    expect: 'SetupError 100',
    inject: (s) => s.trail.inject({ kind: 'error', count: 50, status: 400, code: 'InvalidTimeStamp.Expired', message: 'Specified time stamp or date value is expired.' }),
  },
  { name: 'SLS read quota x5', service: 'actiontrail_log_service', expect: 'survive', inject: (s) => s.sls.inject({ kind: 'throttle', count: 5 }, { api: 'PullLogs' }) },
  { name: 'SLS corrupt LZ4 body x2', service: 'actiontrail_log_service', expect: 'survive', inject: (s) => s.sls.inject({ kind: 'corrupt', count: 2 }, { api: 'PullLogs' }) },
  { name: 'SLS truncated body x2', service: 'actiontrail_log_service', expect: 'survive', inject: (s) => s.sls.inject({ kind: 'truncate', count: 2 }, { api: 'PullLogs' }) },
  { name: 'SLS shard split before the pull', service: 'actiontrail_log_service', expect: 'survive', inject: (s) => void s.sls.splitShard(0) },
];

export interface FaultResult {
  readonly name: string;
  readonly expected: string;
  readonly outcome: string;
  readonly seconds: number;
  readonly events: number;
  readonly received: number;
  readonly distinct: number;
  readonly ok: boolean;
}

export async function runScenario(scenario: FaultScenario, events = 300, timeoutMs = 60_000): Promise<FaultResult> {
  const nowS = Math.floor(Date.now() / 1000);
  const from = nowS - 6 * 3600;
  const start = iso(from - 3600);
  const receiver = await startLineReceiver();
  const lark = await startLarkSim();
  const trail = await startActionTrailSim({ throttlePerSecond: 1_000_000 });
  const sls = await startSlsSim({ shards: 2, credentials: [{ ...DEFAULT_ACTIONTRAIL_SIM_CREDENTIAL }] });
  try {
    let ids: string[];
    let service: string;
    if (scenario.service === 'audit_infos') {
      ids = lark.generateEvents({ count: events, fromSeconds: from, toSeconds: nowS - 120 }).map((e) => e.unique_id);
      service = `  lark:\n    credentials: {app_id: ${DEFAULT_LARK_SIM_APP.appId}, app_secret: "\${CHAOS_SECRET}"}\n    requests_per_minute: 100000\n    override_base_url: ${lark.url}\n    services:\n      audit_infos: {initial_start_time_in_utc: "${start}", page_size: 50}`;
    } else {
      const alibaba = `  alibaba:\n    credentials: {access_key_id: ${DEFAULT_ACTIONTRAIL_SIM_CREDENTIAL.accessKeyId}, access_key_secret: "\${CHAOS_SECRET}"}\n    region: cn-hangzhou\n    services:\n`;
      if (scenario.service === 'actiontrail') {
        ids = trail.generateEvents({ count: events, fromSeconds: from, toSeconds: nowS - 700 }).map((e) => String(e['eventId']));
        service = `${alibaba}      actiontrail: {override_base_url: ${trail.url}, initial_start_time_in_utc: "${start}", requests_per_second: 100000}`;
      } else {
        ids = sls.writeActionTrailEvents({ count: events, fromSeconds: from, toSeconds: nowS - 60, perGroup: 5, badJsonRate: 0 }).map((e) => String((e.event as Record<string, unknown>)['eventId']));
        service = `${alibaba}      actiontrail_log_service: {project: sim-project, logstore: actiontrail_sim-trail, override_base_url: ${sls.url}, initial_start_time_in_utc: "${start}", count: 20}`;
      }
    }
    scenario.inject({ lark, trail, sls });
    const config = writeChaosConfig(receiver.port, service);
    const started = Date.now();
    const child = spawn(process.execPath, ['--no-warnings', CLI, 'run', '--once', '--config', config], { env: { ...process.env, CHAOS_SECRET: 'sim-secret' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const code = await new Promise<number | string>((done) => child.on('close', (c, s) => done(c ?? s ?? -1)));
    clearTimeout(timer);
    const seconds = (Date.now() - started) / 1000;
    const keys = receiver.lines.map((line) => String((line.json as Record<string, unknown>)[scenario.service === 'audit_infos' ? 'unique_id' : 'eventId']));
    const distinct = new Set(keys).size;
    const coded = /\[([A-Za-z]+Error \d+)\]/.exec(stderr)?.[1];
    const outcome = code === 'SIGKILL' ? 'hung (killed)' : code === 0 ? 'survived' : (coded ?? `exit ${String(code)} without a coded error`);
    const allOnce = keys.length === ids.length && distinct === ids.length && ids.every((id) => keys.includes(id));
    const ok = scenario.expect === 'survive' ? code === 0 && allOnce : outcome === scenario.expect && keys.length === distinct;
    return { name: scenario.name, expected: scenario.expect, outcome, seconds, events: ids.length, received: keys.length, distinct, ok };
  } finally {
    await Promise.all([receiver.close(), lark.close(), trail.close(), sls.close()]);
  }
}
