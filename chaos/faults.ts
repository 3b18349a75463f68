// Vendor faults (issue 9, part 2): each scenario injects a fault into a simulator during a `run --once`
// backfill. The run must either deliver every event exactly once (the fault was survived) or end with
// the expected coded error — never hang, crash, skip silently or retry without bound. Every byte the
// collector sends passes a tap that checks it is valid UTF-8 (the receiver's own decoding would hide
// invalid bytes behind U+FFFD).
import { resolve } from 'node:path';
import { writeChaosConfig } from './crash.ts';
import { ALIBABA_CREDENTIALS_YAML, CHAOS_ENV, chaosAlibabaCredential, chaosLarkApp, LARK_CREDENTIALS_YAML, SecretScan, type ChaosResult } from './secrets.ts';
import { spawn } from 'node:child_process';
import { startActionTrailSim, type ActionTrailSim } from '../sim/actiontrail/index.ts';
import { startLineReceiver, startTcpTap } from '../sim/devo/index.ts';
import { startLarkSim, type LarkSim } from '../sim/lark/index.ts';
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
  /** Lark `page_size` / ActionTrail `max_results`, small where a fault needs a window of several pages. @defaultValue 50 */
  readonly pageSize?: number;
  /** A further check of the events the receiver got. */
  readonly check?: (events: ReadonlyArray<Record<string, unknown>>) => boolean;
  /** Too slow for the vitest run (test/e2e/vendor-faults.test.ts skips it); `npm run chaos` runs it. */
  readonly chaosOnly?: boolean;
}

/** Page size for the page faults: an hourly window (about 50 events) spans several pages, so each fault meets a request with a token. */
const PAGED = 20;
/** More than `MAX_EMPTY_PAGES` (lib/lark/paginate.ts): the library's bound, not the fault's end, must stop the run. */
const ENDLESS = 2000;
const hasReplacementChar = (events: ReadonlyArray<Record<string, unknown>>): boolean => events.some((event) => JSON.stringify(event).includes('\uFFFD'));

/**
 * Shard 0 splits right after its first PullLogs answer (30 groups, 20 a pull): its cursor is mid-shard when
 * it turns readonly, so the rest of it must be drained before its two children are read. The check fails
 * the scenario if the split never happened.
 */
function splitDuringPull(): FaultScenario {
  let split = false;
  return {
    name: 'SLS shard split during the pull (after the first pull of shard 0)',
    service: 'actiontrail_log_service',
    expect: 'survive',
    inject: (s) => {
      split = false;
      const pulledShard0 = () => s.sls.requests.some((r) => /^logs?$/.test(r.query['type'] ?? '') && /\/shards\/0$/.test(r.path) && r.status === 200);
      const timer = setInterval(() => {
        if (!pulledShard0()) return;
        clearInterval(timer);
        s.sls.splitShard(0);
        split = true;
      }, 2);
      timer.unref();
    },
    check: () => split,
  };
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
  splitDuringPull(),
  { name: 'Lark connection reset x3', service: 'audit_infos', expect: 'survive', inject: (s) => s.lark.inject({ kind: 'reset', count: 3 }) },
  { name: 'ActionTrail connection reset x3', service: 'actiontrail', expect: 'survive', inject: (s) => s.trail.inject({ kind: 'reset', count: 3 }) },
  { name: 'SLS PullLogs connection reset x3', service: 'actiontrail_log_service', expect: 'survive', inject: (s) => s.sls.inject({ kind: 'reset', count: 3 }, { api: 'PullLogs' }) },
  { name: 'Lark slow answer (5 s, under the timeout)', service: 'audit_infos', expect: 'survive', inject: (s) => s.lark.inject({ kind: 'slow', count: 1, ms: 5000 }) },
  // No config key sets the request timeout (lib's requestTimeoutMs, 30 s by default): the held request must time out and be retried.
  { name: 'Lark request timeout (held past the 30 s default)', service: 'audit_infos', expect: 'survive', chaosOnly: true, inject: (s) => s.lark.inject({ kind: 'hold', count: 1 }) },
  { name: 'Lark page_token repeated forever', service: 'audit_infos', expect: 'PullError 301', pageSize: PAGED, inject: (s) => s.lark.inject({ kind: 'repeat-page', count: ENDLESS }) },
  { name: 'ActionTrail NextToken repeated forever', service: 'actiontrail', expect: 'PullError 301', pageSize: PAGED, inject: (s) => s.trail.inject({ kind: 'repeat-page', count: ENDLESS }) },
  { name: 'Lark empty pages with has_more x3', service: 'audit_infos', expect: 'survive', pageSize: PAGED, inject: (s) => s.lark.inject({ kind: 'empty-page', count: 3 }) },
  { name: 'ActionTrail empty pages with a NextToken x3', service: 'actiontrail', expect: 'survive', pageSize: PAGED, inject: (s) => s.trail.inject({ kind: 'empty-page', count: 3 }) },
  { name: 'Lark endless empty pages with has_more', service: 'audit_infos', expect: 'PullError 301', pageSize: PAGED, inject: (s) => s.lark.inject({ kind: 'empty-page', count: ENDLESS }) },
  { name: 'ActionTrail endless empty pages with a NextToken', service: 'actiontrail', expect: 'PullError 301', pageSize: PAGED, inject: (s) => s.trail.inject({ kind: 'empty-page', count: ENDLESS }) },
  {
    name: 'Lark invalid UTF-8 bytes in an event',
    service: 'audit_infos',
    expect: 'survive',
    check: hasReplacementChar,
    inject: (s) => s.lark.inject({ kind: 'bad-utf8', count: 1 }),
  },
];

/** A relay to the receiver that checks the bytes the collector sends are valid UTF-8. */
async function startUtf8Tap(port: number): Promise<{ port: number; valid(): boolean; close(): Promise<void> }> {
  let valid = true;
  const tap = await startTcpTap(port, () => {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const decode = (chunk?: Buffer): void => {
      try {
        if (chunk === undefined) decoder.decode();
        else decoder.decode(chunk, { stream: true });
      } catch {
        valid = false;
      }
    };
    return { data: (chunk) => decode(chunk), end: () => decode() };
  });
  return { port: tap.port, valid: () => valid, close: () => tap.close() };
}

export interface FaultResult extends ChaosResult {
  readonly validUtf8: boolean;
  /** Where a secret or tenant token was found (the run's log, the receiver, the state); empty when none leaked. */
  readonly secretFindings: readonly string[];
}

export async function runScenario(scenario: FaultScenario, events = 300, timeoutMs = 60_000): Promise<FaultResult> {
  const nowS = Math.floor(Date.now() / 1000);
  const from = nowS - 6 * 3600;
  const start = iso(from - 3600);
  const receiver = await startLineReceiver();
  const tap = await startUtf8Tap(receiver.port);
  const lark = await startLarkSim({ apps: [chaosLarkApp()] });
  const trail = await startActionTrailSim({ throttlePerSecond: 1_000_000, credentials: [chaosAlibabaCredential()] });
  const sls = await startSlsSim({ shards: 2, credentials: [chaosAlibabaCredential()] });
  try {
    let ids: string[];
    let service: string;
    if (scenario.service === 'audit_infos') {
      ids = lark.generateEvents({ count: events, fromSeconds: from, toSeconds: nowS - 120 }).map((e) => e.unique_id);
      service = `  lark:\n    credentials: ${LARK_CREDENTIALS_YAML}\n    requests_per_minute: 100000\n    override_base_url: ${lark.url}\n    services:\n      audit_infos: {initial_start_time_in_utc: "${start}", page_size: ${scenario.pageSize ?? 50}}`;
    } else {
      const alibaba = `  alibaba:\n    credentials: ${ALIBABA_CREDENTIALS_YAML}\n    region: cn-hangzhou\n    services:\n`;
      if (scenario.service === 'actiontrail') {
        ids = trail.generateEvents({ count: events, fromSeconds: from, toSeconds: nowS - 700 }).map((e) => String(e['eventId']));
        service = `${alibaba}      actiontrail: {override_base_url: ${trail.url}, initial_start_time_in_utc: "${start}", requests_per_second: 100000, max_results: ${scenario.pageSize ?? 50}}`;
      } else {
        ids = sls.writeActionTrailEvents({ count: events, fromSeconds: from, toSeconds: nowS - 60, perGroup: 5, badJsonRate: 0 }).map((e) => String((e.event as Record<string, unknown>)['eventId']));
        service = `${alibaba}      actiontrail_log_service: {project: sim-project, logstore: actiontrail_sim-trail, override_base_url: ${sls.url}, initial_start_time_in_utc: "${start}", count: 20}`;
      }
    }
    scenario.inject({ lark, trail, sls });
    const config = writeChaosConfig(tap.port, service);
    const started = Date.now();
    const child = spawn(process.execPath, ['--no-warnings', CLI, 'run', '--once', '--config', config], { env: { ...process.env, ...CHAOS_ENV }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const code = await new Promise<number | string>((done) => child.on('close', (c, s) => done(c ?? s ?? -1)));
    clearTimeout(timer);
    const seconds = (Date.now() - started) / 1000;
    const received = receiver.lines.map((line) => line.json as Record<string, unknown>);
    const keys = received.map((json) => String(json[scenario.service === 'audit_infos' ? 'unique_id' : 'eventId']));
    const distinct = new Set(keys).size;
    const coded = /\[([A-Za-z]+Error \d+)\]/.exec(stderr)?.[1];
    const outcome = code === 'SIGKILL' ? 'hung (killed)' : code === 0 ? 'survived' : (coded ?? `exit ${String(code)} without a coded error`);
    const allOnce = keys.length === ids.length && distinct === ids.length && ids.every((id) => keys.includes(id));
    const validUtf8 = tap.valid();
    const expected = scenario.expect === 'survive' ? code === 0 && allOnce : outcome === scenario.expect && keys.length === distinct;
    const scan = new SecretScan();
    scan.add('stderr', stderr);
    scan.add('lines at the receiver', receiver.lines.map((line) => line.raw).join('\n'));
    scan.addState(config);
    const secretFindings = scan.findings(lark.mintedTokens());
    const ok = expected && validUtf8 && secretFindings.length === 0 && (scenario.check?.(received) ?? true);
    return { name: scenario.name, expected: scenario.expect, outcome, seconds, events: ids.length, received: keys.length, distinct, validUtf8, secretFindings, ok };
  } finally {
    await Promise.all([tap.close(), receiver.close(), lark.close(), trail.close(), sls.close()]);
  }
}
