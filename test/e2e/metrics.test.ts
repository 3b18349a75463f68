import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startLineReceiver, type LineReceiver } from '../../sim/devo/index.ts';
import { startLarkSim, type LarkSim } from '../../sim/lark/index.ts';
import { isoSeconds, larkConfig, runCli, startCli, waitFor, writeConfig, type CliRun } from '../helpers/cli.ts';

let sim: LarkSim | undefined;
let receiver: LineReceiver | undefined;
let run: CliRun | undefined;
afterEach(async () => {
  if (run && run.child.exitCode === null) {
    run.child.kill('SIGTERM');
    await run.exited;
  }
  await sim?.close();
  await receiver?.close();
  run = undefined;
});

const SECRET = 'sim-secret';
const metricsConfig = (yaml: string, port: number | string) => yaml.replace('  persistence:', `  metrics: {port: ${port}, host: 127.0.0.1}\n  persistence:`);

async function metricsPort(cli: CliRun): Promise<number> {
  await waitFor(() => /Metrics on http:\/\/127\.0\.0\.1:\d+\/metrics/.test(cli.stderr), 20_000, 'the metrics endpoint');
  return Number(/Metrics on http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(cli.stderr)![1]);
}

/** The value of one series in Prometheus text format, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const labelText = line.slice(name.length + 1, line.indexOf('}'));
    if (wanted.every((w) => labelText.split(',').includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('metrics and health endpoints', () => {
  it('counts events, requests, token fetches and the checkpoint lag; /readyz turns 200 once the service is set up; no secret', async () => {
    sim = await startLarkSim();
    receiver = await startLineReceiver();
    const nowS = Math.floor(Date.now() / 1000);
    const events = sim.generateEvents({ count: 450, fromSeconds: nowS - 1800, toSeconds: nowS - 100 });
    const { config } = writeConfig(metricsConfig(larkConfig({ simUrl: sim.url, receiverPort: receiver.port, start: isoSeconds((nowS - 3600) * 1000) }), 0));
    run = startCli(['run', '--config', config], { env: { LARK_APP_SECRET: SECRET } });
    const port = await metricsPort(run);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    await receiver.waitForLines(events.length, 20_000);
    await waitFor(() => /Statistics for this pull cycle/.test(run!.stderr), 20_000, 'a cycle');
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const service = { input: 'lark', service: 'audit_infos' };
    expect(sample(text, 'auditpull_events_sent_total', service)).toBe(events.length);
    expect(sample(text, 'auditpull_events_received_total', service)).toBeGreaterThanOrEqual(events.length);
    expect(sample(text, 'auditpull_requests_total', { endpoint: 'lark.audit_infos', outcome: '2xx' })).toBeGreaterThanOrEqual(5);
    expect(sample(text, 'auditpull_requests_total', { endpoint: 'lark.token', outcome: '2xx' })).toBe(1);
    expect(sample(text, 'auditpull_token_fetches_total', { input: 'lark' })).toBe(1);
    expect(sample(text, 'auditpull_output_events_sent_total', { output: 'relay' })).toBeGreaterThanOrEqual(events.length);
    expect(sample(text, 'auditpull_output_queue_bytes', { output: 'relay' })).toBe(0);
    expect(sample(text, 'auditpull_service_ready', service)).toBe(1);
    const lag = sample(text, 'auditpull_checkpoint_lag_seconds', service)!;
    expect(lag).toBeGreaterThan(30); // windows end 60 s before now
    expect(lag).toBeLessThan(600);
    expect(text).toMatch(/^auditpull_process_cpu_seconds_total/m);
    expect(text).not.toContain(SECRET);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  }, 60_000);

  it('/readyz is 503 naming the service a fatal setup error stopped, while the other input keeps collecting', async () => {
    sim = await startLarkSim();
    receiver = await startLineReceiver();
    const nowS = Math.floor(Date.now() / 1000);
    sim.generateEvents({ count: 20, fromSeconds: nowS - 1800, toSeconds: nowS - 100 });
    const yaml = larkConfig({ simUrl: sim.url, receiverPort: receiver.port, start: isoSeconds((nowS - 3600) * 1000), appSecretEnv: 'WRONG_SECRET' }) +
      `  lark_ok:\n    type: lark\n    id: 2\n    credentials: {app_id: cli_sim_app, app_secret: "\${LARK_APP_SECRET}"}\n    override_base_url: ${sim.url}\n    services:\n      audit_infos: {request_period_in_seconds: 1, initial_start_time_in_utc: "${isoSeconds((nowS - 3600) * 1000)}"}\n`;
    const { config } = writeConfig(metricsConfig(yaml, 0));
    // A wrong secret is SetupError 100, which stops that service; the other input goes on.
    run = startCli(['run', '--config', config], { env: { LARK_APP_SECRET: SECRET, WRONG_SECRET: 'wrong-secret-value' } });
    const port = await metricsPort(run);
    await waitFor(() => /\[SetupError 100\]/.test(run!.stderr), 20_000, 'the setup error');
    await waitFor(() => /lark_ok#2\/audit_infos -> Statistics for this pull cycle/.test(run!.stderr), 20_000, 'the healthy input');
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ ready: false, notReady: ['lark/audit_infos'] });
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect(run.rawStderr).not.toContain('wrong-secret-value');
    expect(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).not.toContain('wrong-secret-value');
  }, 60_000);

  it('a metrics port in use is ConfigError 16', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    sim = await startLarkSim();
    receiver = await startLineReceiver();
    const { config } = writeConfig(metricsConfig(larkConfig({ simUrl: sim.url, receiverPort: receiver.port, start: isoSeconds(Date.now() - 3_600_000) }), port));
    const result = await runCli(['run', '--config', config, '--once'], { env: { LARK_APP_SECRET: SECRET } });
    blocker.close();
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/\[ConfigError 16\].*EADDRINUSE/);
  }, 30_000);
});
