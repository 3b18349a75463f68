import { afterEach, describe, expect, it } from 'vitest';
import { createWindowedCheckpoint } from '../../lib/index.ts';
import { openState, runCollector } from '../../runner/collector.ts';
import { loadConfig } from '../../runner/config.ts';
import { createRunnerLogger } from '../../runner/log.ts';
import { createMetrics } from '../../runner/metrics.ts';
import { stateKey } from '../../runner/services/windowed.ts';
import { DEFAULT_ACTIONTRAIL_SIM_CREDENTIAL, startActionTrailSim } from '../../sim/actiontrail/index.ts';
import { startLineReceiver, type LineReceiver } from '../../sim/devo/index.ts';
import { startLarkSim } from '../../sim/lark/index.ts';
import { isoSeconds, larkConfig, waitFor, writeConfig } from '../helpers/cli.ts';

let cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

const ENV = { ...process.env, LARK_APP_SECRET: 'sim-secret', ALIBABA_SECRET: 'wrong-alibaba-secret' };
const withMetrics = (yaml: string) => yaml.replace('  persistence:', '  metrics: {port: 0, host: 127.0.0.1}\n  persistence:');

/** The collector in this process, stopped by `stop()`; its log lines are kept to find the metrics port. */
function startCollector(configPath: string) {
  const lines: string[] = [];
  const controller = new AbortController();
  const metrics = createMetrics();
  const config = loadConfig(configPath, { env: ENV });
  const logger = createRunnerLogger({ level: 'info', write: (line) => void lines.push(line) });
  const done = runCollector({ config, logger, once: false, signal: controller.signal, metrics });
  const port = async () => {
    const found = () => lines.map((l) => /Metrics on http:\/\/127\.0\.0\.1:(\d+)\//.exec(l)).find(Boolean);
    await waitFor(() => found() !== undefined, 20_000, 'the metrics port');
    return Number(found()![1]);
  };
  const stop = async () => (controller.abort(new Error('test stop')), await done);
  cleanup.push(stop);
  return { config, metrics, lines, port, stop, done };
}

/** One series' value in Prometheus text format, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && wanted.every((w) => l.slice(name.length + 1, l.indexOf('}')).split(',').includes(w)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

const lark = { input: 'lark', service: 'audit_infos' };
const auditLines = (r: LineReceiver) => r.lines.filter((l) => l.tag === 'app.lark.audit.event').length;

describe('metrics of a running collector', () => {
  it('count page by page during a backfill and match the receiver after a stop in the middle of a cycle', async () => {
    const sim = await startLarkSim({ latencyMs: 30 });
    const receiver = await startLineReceiver();
    cleanup.push(() => sim.close(), () => receiver.close());
    const nowS = Math.floor(Date.now() / 1000);
    sim.generateEvents({ count: 4000, fromSeconds: nowS - 8 * 3600, toSeconds: nowS - 100 });
    const yaml = larkConfig({ simUrl: sim.url, receiverPort: receiver.port, start: isoSeconds((nowS - 9 * 3600) * 1000), service: { page_size: 50 } });
    const { config: path } = writeConfig(withMetrics(yaml.replace('    override_base_url:', '    requests_per_minute: 6000\n    override_base_url:')));
    const run = startCollector(path);
    const port = await run.port();
    await waitFor(() => auditLines(receiver) >= 500, 30_000, '500 events delivered');

    // Mid-cycle: no statistics line yet, yet the counters and the lag already follow the backfill.
    const during = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(run.lines.some((l) => l.includes('Statistics for this pull cycle'))).toBe(false);
    expect(sample(during, 'auditpull_events_received_total', lark)).toBeGreaterThanOrEqual(500);
    expect(sample(during, 'auditpull_checkpoint_lag_seconds', lark)).toBeGreaterThan(3600);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);

    expect(await run.stop()).toEqual([]);
    const text = await run.metrics.registry.metrics();
    const delivered = auditLines(receiver);
    expect(delivered).toBeLessThan(4000);
    expect(sample(text, 'auditpull_events_sent_total', lark)).toBe(delivered);
    expect(sample(text, 'auditpull_output_events_sent_total', { output: 'relay' })).toBe(delivered);
    expect(sample(text, 'auditpull_events_received_total', lark)).toBeGreaterThanOrEqual(delivered);
    expect(sample(text, 'auditpull_token_fetches_total', { input: 'lark' })).toBe(sim.stats.tokenRequests);
    const answered = sim.requests.filter((r) => r.path.endsWith('/audit_infos') && r.status === 200).length;
    const counted = sample(text, 'auditpull_requests_total', { input: 'lark', endpoint: 'lark.audit_infos', outcome: '2xx' })!;
    // A page request the stop aborted may have been answered after the collector stopped listening.
    expect(counted).toBeGreaterThanOrEqual(answered - 1);
    expect(counted).toBeLessThanOrEqual(answered);

    // The lag is measured from the checkpoint as saved.
    const store = await openState(run.config);
    const state = await createWindowedCheckpoint(store, stateKey('lark', 1, 'audit_infos')).load();
    await store.disconnect();
    const expected = (Date.now() - Date.parse(state!.last_run_datetime)) / 1000;
    expect(Math.abs(sample(text, 'auditpull_checkpoint_lag_seconds', lark)! - expected)).toBeLessThan(5);
    expect(text).not.toContain('sim-secret');
  }, 60_000);

  it('count requests by outcome (a 400 rate limit included) and retries by endpoint and reason', async () => {
    const sim = await startLarkSim();
    const receiver = await startLineReceiver();
    cleanup.push(() => sim.close(), () => receiver.close());
    const nowS = Math.floor(Date.now() / 1000);
    const events = sim.generateEvents({ count: 30, fromSeconds: nowS - 1800, toSeconds: nowS - 100 });
    sim.inject({ kind: 'error', count: 1, status: 503, code: 1 }, { path: 'token' });
    sim.inject({ kind: 'rate-limit', count: 2, resetSeconds: 1, status: 400 });
    sim.inject({ kind: 'error', count: 1, status: 500, code: 1 });
    const { config: path } = writeConfig(larkConfig({ simUrl: sim.url, receiverPort: receiver.port, start: isoSeconds((nowS - 3600) * 1000) }));
    const metrics = createMetrics();
    const config = loadConfig(path, { env: ENV });
    const logger = createRunnerLogger({ level: 'error', write: () => {} });
    expect(await runCollector({ config, logger, once: true, signal: new AbortController().signal, metrics })).toEqual([]);
    expect(auditLines(receiver)).toBe(events.length);

    const text = await metrics.registry.metrics();
    const requests = (endpoint: string, outcome: string) => sample(text, 'auditpull_requests_total', { input: 'lark', endpoint, outcome });
    const retries = (endpoint: string, reason: string) => sample(text, 'auditpull_retries_total', { input: 'lark', endpoint, reason });
    expect(requests('lark.token', '5xx')).toBe(1);
    expect(requests('lark.token', '2xx')).toBe(1);
    expect(requests('lark.audit_infos', 'rate_limited')).toBe(2);
    expect(requests('lark.audit_infos', '5xx')).toBe(1);
    expect(retries('lark.token', 'failure')).toBe(1);
    expect(retries('lark.audit_infos', 'rate_limited')).toBe(2);
    expect(retries('lark.audit_infos', 'failure')).toBe(1);
    expect(sample(text, 'auditpull_token_fetches_total', { input: 'lark' })).toBe(sim.stats.tokenRequests);
    expect(sim.stats.tokenRequests).toBe(2);
    expect(sample(text, 'auditpull_events_sent_total', lark)).toBe(events.length);
    expect(sample(text, 'auditpull_pull_cycles_total', lark)).toBe(1);
  }, 60_000);

  it('/readyz is 503 naming the services still in setup, then only the one a fatal setup error stopped', async () => {
    const sim = await startLarkSim({ latencyMs: 700 });
    const trail = await startActionTrailSim();
    const receiver = await startLineReceiver();
    cleanup.push(() => sim.close(), () => trail.close(), () => receiver.close());
    const nowS = Math.floor(Date.now() / 1000);
    const yaml =
      larkConfig({ simUrl: sim.url, receiverPort: receiver.port, start: isoSeconds((nowS - 3600) * 1000) }) +
      [
        '  alibaba:',
        '    id: 2',
        `    credentials: {access_key_id: ${DEFAULT_ACTIONTRAIL_SIM_CREDENTIAL.accessKeyId}, access_key_secret: "\${ALIBABA_SECRET}"}`,
        `    services: {actiontrail: {override_base_url: ${trail.url}}}`,
        '',
      ].join('\n');
    const { config: path } = writeConfig(withMetrics(yaml));
    const run = startCollector(path);
    const port = await run.port();
    const readyz = async () => {
      const response = await fetch(`http://127.0.0.1:${port}/readyz`);
      return { status: response.status, body: (await response.json()) as { ready: boolean; notReady: string[] } };
    };

    // The token request and the probe each take 700 ms: Lark's service is still in setup.
    const early = await readyz();
    expect(early.status).toBe(503);
    expect(early.body.notReady).toContain('lark/audit_infos');
    await waitFor(() => run.lines.some((l) => l.includes('[SetupError 100]')), 20_000, 'the ActionTrail setup error');
    await waitFor(() => run.lines.some((l) => l.includes('Remote source is pullable')), 20_000, 'Lark set up');
    const late = await readyz();
    expect(late).toEqual({ status: 503, body: { ready: false, notReady: ['alibaba/actiontrail'] } });
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(sample(text, 'auditpull_service_ready', lark)).toBe(1);
    expect(sample(text, 'auditpull_service_ready', { input: 'alibaba', service: 'actiontrail' })).toBe(0);
    expect(text).not.toContain('wrong-alibaba-secret');
  }, 60_000);
});
