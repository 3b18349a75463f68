import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_LARK_SIM_APP, startLarkSim } from '../sim/lark/index.ts';
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
 * The first thing a new user runs: the Lark simulator on loopback, a config written next to the output,
 * and a few pull cycles with embedded SQLite state, events to the console and to a file.
 */
export async function runDemo(options: DemoOptions): Promise<number> {
  const dir = resolve(options.dir);
  const logger = createRunnerLogger({ level: options.logLevel, scope: 'demo' });
  mkdirSync(dir, { recursive: true });
  // Each demo has a new simulator, so yesterday's state and events would only confuse.
  rmSync(join(dir, 'state'), { recursive: true, force: true });
  rmSync(join(dir, 'events.log'), { force: true });

  const sim = await startLarkSim();
  const now = Date.now();
  const from = Math.floor(now / 1000) - 3 * 3600;
  // Most events are history to backfill; the rest happen between cycles.
  const perCycle = options.cycles > 1 ? Math.max(1, Math.floor((options.events * 0.1) / (options.cycles - 1))) : 0;
  const backfill = Math.max(1, options.events - perCycle * (options.cycles - 1));
  sim.generateEvents({ count: backfill, fromSeconds: from, toSeconds: Math.floor(now / 1000) - 120 });
  const configPath = join(dir, 'config.yaml');
  writeFileSync(
    configPath,
    [
      '# Written by `auditpull demo`: the collector against the bundled Lark simulator.',
      'globals:',
      '  name: auditpull-demo',
      '  persistence: {type: sqlite, path: state/auditpull.sqlite}',
      'outputs:',
      '  console: {type: console}',
      '  file: {type: file, config: {path: events.log}}',
      'inputs:',
      '  lark:',
      '    id: 1',
      `    credentials: {app_id: ${DEFAULT_LARK_SIM_APP.appId}, app_secret: "\${AUDITPULL_DEMO_APP_SECRET}"}`,
      `    override_base_url: ${sim.url}`,
      '    services:',
      `      audit_infos: {request_period_in_seconds: 2, initial_start_time_in_utc: "${iso(from * 1000 - 3600_000)}", lag_seconds: 1}`,
      '',
    ].join('\n'),
  );
  const config = loadConfig(configPath, { env: { ...process.env, AUDITPULL_DEMO_APP_SECRET: DEFAULT_LARK_SIM_APP.appSecret } });

  let failures = 0;
  try {
    for (let cycle = 1; cycle <= options.cycles; cycle += 1) {
      logger.info(`Cycle ${cycle} of ${options.cycles}`);
      if (cycle > 1) {
        // New activity in the tenant, happening now: the next cycle picks up exactly these once the lag has passed.
        const t = Math.floor(Date.now() / 1000);
        sim.generateEvents({ count: perCycle, fromSeconds: t, toSeconds: t });
        await new Promise((r) => setTimeout(r, 2100));
      }
      const errors = await runCollector({ config, logger: createRunnerLogger({ level: options.logLevel }), once: true, signal: new AbortController().signal });
      failures += errors.length;
    }
  } finally {
    await sim.close();
  }
  const lines = readFileSync(join(dir, 'events.log'), 'utf8').split('\n').filter(Boolean).length;
  const summary = [
    '',
    'auditpull demo finished.',
    `  simulated Lark tenant: ${sim.stats.auditRequests} audit_infos requests, ${sim.stats.tokenRequests} token request(s)`,
    `  events sent:  ${lines} lines in ${join(dir, 'events.log')} (and above, on the console)`,
    `  state:        ${join(dir, 'state', 'auditpull.sqlite')} (SQLite)`,
    `  config:       ${configPath}`,
    '  next: point a config like this one at your Lark tenant and a Devo output, then `npx auditpull run --config FILE`.',
    '',
  ];
  process.stderr.write(summary.join('\n'));
  return failures === 0 ? 0 : 1;
}
