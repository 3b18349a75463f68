import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_ACTIONTRAIL_SIM_CREDENTIAL, startActionTrailSim } from '../sim/actiontrail/index.ts';
import { DEFAULT_LARK_SIM_APP, startLarkSim } from '../sim/lark/index.ts';
import { startSlsSim } from '../sim/sls/index.ts';
import { runCollector } from './collector.ts';
import { loadConfig } from './config.ts';
import { createRunnerLogger, type LogLevel } from './log.ts';

export interface DemoOptions {
  readonly dir: string;
  readonly events: number;
  readonly cycles: number;
  readonly logLevel: LogLevel;
}

const iso = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/**
 * The first thing a new user runs: the Lark and ActionTrail simulators on loopback, a config written next to the output,
 * and a few pull cycles with embedded SQLite state, events to the console and to a file.
 */
export async function runDemo(options: DemoOptions): Promise<number> {
  const dir = resolve(options.dir);
  const logger = createRunnerLogger({ level: options.logLevel, scope: 'demo' });
  mkdirSync(dir, { recursive: true });
  // Each demo has a new simulator, so yesterday's state and events would only confuse.
  rmSync(join(dir, 'state'), { recursive: true, force: true });
  rmSync(join(dir, 'events.log'), { force: true });

  const lark = await startLarkSim({ dlpDuplicateRate: 0.05 });
  const trail = await startActionTrailSim();
  // One Alibaba account: the Log Service accepts the same AccessKey as ActionTrail.
  const sls = await startSlsSim({ shards: 2, credentials: [{ ...DEFAULT_ACTIONTRAIL_SIM_CREDENTIAL }] });
  const nowS = Math.floor(Date.now() / 1000);
  const from = nowS - 3 * 3600;
  // Each source gets a share of the events: most are history to backfill, the rest happen between cycles.
  const sources = [
    { share: 0.4, generate: (count: number, a: number, b: number) => lark.generateEvents({ count, fromSeconds: a, toSeconds: b }) },
    { share: 0.1, generate: (count: number, a: number, b: number) => lark.generateAdminLogs({ count, fromSeconds: a, toSeconds: b }) },
    { share: 0.15, generate: (count: number, a: number, b: number) => lark.generateDlpLogs({ count, fromSeconds: a, toSeconds: b }) },
    // ActionTrail's default lag is 10 minutes: its events are all history here.
    { share: 0.2, generate: (count: number, a: number, b: number) => trail.generateEvents({ count, fromSeconds: a, toSeconds: Math.min(b, nowS - 660) }) },
    { share: 0.15, generate: (count: number, a: number, b: number) => sls.writeActionTrailEvents({ count, fromSeconds: a, toSeconds: b, perGroup: 5 }) },
  ];
  const counts = sources.map((source) => Math.max(1, Math.round(options.events * source.share)));
  counts[0]! += options.events - counts.reduce((a, b) => a + b, 0);
  const perCycle = options.cycles > 1 ? Math.max(1, Math.floor((counts[0]! * 0.2) / (options.cycles - 1))) : 0;
  counts.forEach((count, i) => sources[i]!.generate(i === 0 ? count - perCycle * (options.cycles - 1) : count, from, nowS - 700));
  const start = iso(from * 1000 - 3600_000);
  const configPath = join(dir, 'config.yaml');
  writeFileSync(
    configPath,
    [
      '# Written by `auditpull demo`: the collector against the bundled Lark and ActionTrail simulators.',
      'globals:',
      '  name: auditpull-demo',
      '  persistence: {type: sqlite, path: state/auditpull.sqlite}',
      'outputs:',
      '  console: {type: console}',
      '  file: {type: file, config: {path: events.log}}',
      'inputs:',
      '  lark:',
      '    id: 1',
      `    credentials: {app_id: ${DEFAULT_LARK_SIM_APP.appId}, app_secret: "\${AUDITPULL_DEMO_LARK_SECRET}"}`,
      `    override_base_url: ${lark.url}`,
      '    services:',
      `      audit_infos: {request_period_in_seconds: 2, initial_start_time_in_utc: "${start}", lag_seconds: 1}`,
      `      admin_log: {request_period_in_seconds: 2, initial_start_time_in_utc: "${start}", lag_seconds: 1}`,
      `      dlp_execute_log: {request_period_in_seconds: 2, initial_start_time_in_utc: "${start}", lag_seconds: 1}`,
      '  alibaba:',
      '    id: 2',
      `    credentials: {access_key_id: ${DEFAULT_ACTIONTRAIL_SIM_CREDENTIAL.accessKeyId}, access_key_secret: "\${AUDITPULL_DEMO_ALIBABA_SECRET}"}`,
      '    region: cn-hangzhou',
      '    services:',
      `      actiontrail: {override_base_url: ${trail.url}, initial_start_time_in_utc: "${start}"}`,
      `      actiontrail_log_service: {project: sim-project, logstore: actiontrail_sim-trail, override_base_url: ${sls.url}, initial_start_time_in_utc: "${start}"}`,
      '',
    ].join('\n'),
  );
  const config = loadConfig(configPath, {
    env: { ...process.env, AUDITPULL_DEMO_LARK_SECRET: DEFAULT_LARK_SIM_APP.appSecret, AUDITPULL_DEMO_ALIBABA_SECRET: DEFAULT_ACTIONTRAIL_SIM_CREDENTIAL.accessKeySecret },
  });

  let failures = 0;
  try {
    for (let cycle = 1; cycle <= options.cycles; cycle += 1) {
      logger.info(`Cycle ${cycle} of ${options.cycles}`);
      if (cycle > 1) {
        // New activity in the Lark tenant, happening now: the next cycle picks up exactly these once the lag has passed.
        const t = Math.floor(Date.now() / 1000);
        lark.generateEvents({ count: perCycle, fromSeconds: t, toSeconds: t });
        await new Promise((r) => setTimeout(r, 2100));
      }
      const errors = await runCollector({ config, logger: createRunnerLogger({ level: options.logLevel }), once: true, signal: new AbortController().signal });
      failures += errors.length;
    }
  } finally {
    await lark.close();
    await trail.close();
    await sls.close();
  }
  const lines = readFileSync(join(dir, 'events.log'), 'utf8').split('\n').filter(Boolean).length;
  const summary = [
    '',
    'auditpull demo finished.',
    `  simulated Lark tenant: ${lark.stats.auditRequests + lark.stats.adminRequests + lark.stats.dlpRequests} log requests, ${lark.stats.tokenRequests} token request(s), ${lark.stats.dlpDuplicatesServed} duplicate DLP row(s) served (and filtered)`,
    `  simulated ActionTrail: ${trail.stats.requests} signed LookupEvents requests`,
    `  simulated Log Service: ${sls.stats.pulls} PullLogs calls (LZ4 + protobuf)`,
    `  events sent:  ${lines} lines in ${join(dir, 'events.log')} (and above, on the console)`,
    `  state:        ${join(dir, 'state', 'auditpull.sqlite')} (SQLite)`,
    `  config:       ${configPath}`,
    '  next: point a config like this one at your Lark tenant and a Devo output, then `npx auditpull run --config FILE`.',
    '',
  ];
  process.stderr.write(summary.join('\n'));
  return failures === 0 ? 0 : 1;
}
