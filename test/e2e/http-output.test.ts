import { afterEach, describe, expect, it } from 'vitest';
import { startLarkSim, type LarkSim } from '../../sim/lark/index.ts';
import { startDevoHttpReceiver, type DevoHttpReceiver } from '../../sim/devo/index.ts';
import { isoSeconds, larkConfig, runCli, writeConfig } from '../helpers/cli.ts';

let sim: LarkSim | undefined;
let receiver: DevoHttpReceiver | undefined;
afterEach(async () => {
  await sim?.close();
  await receiver?.close();
  sim = undefined;
  receiver = undefined;
});

const env = { LARK_APP_SECRET: 'sim-secret' };
const TOKEN = 'a5370g9e8f7d7edf9dsecrettoken000';

function httpConfig(simUrl: string, receiverUrl: string, token: string, start: string): string {
  return larkConfig({ simUrl, receiverPort: 1, start }).replace(
    / {2}relay: .*\n/,
    `  devo_http: {type: devo_http, config: {endpoint: ${receiverUrl}, domain: my_domain, token: "\${DEVO_TOKEN}", hostname: http-host}}\n`,
  );
}

describe('devo_http output (Devo HTTP stream endpoint)', () => {
  it('delivers every event once, acknowledged by 2xx, gzip bodies, retrying a 503', async () => {
    sim = await startLarkSim();
    receiver = await startDevoHttpReceiver({ token: TOKEN });
    const nowS = Math.floor(Date.now() / 1000);
    const events = sim.generateEvents({ count: 1_000, fromSeconds: nowS - 3000, toSeconds: nowS - 100 });
    receiver.fail(1, 503);
    const { config } = writeConfig(httpConfig(sim.url, receiver.url, TOKEN, isoSeconds((nowS - 3600) * 1000)));
    const result = await runCli(['run', '--config', config, '--once'], { env: { ...env, DEVO_TOKEN: TOKEN } });
    expect(result.code, result.stderr).toBe(0);
    const ids = receiver.events.map((e) => (e.json as { unique_id: string }).unique_id);
    expect(ids).toHaveLength(1_000);
    expect(new Set(ids)).toEqual(new Set(events.map((e) => e.unique_id)));
    expect(receiver.events.every((e) => e.tag === 'app.lark.audit.event' && e.host === 'http-host' && e.domain === 'my_domain')).toBe(true);
    expect(result.stderr).not.toContain(TOKEN);
  });

  it('a wrong token is OutputError 405, nothing is checkpointed, and the token is never printed', async () => {
    sim = await startLarkSim();
    receiver = await startDevoHttpReceiver({ token: TOKEN });
    const nowS = Math.floor(Date.now() / 1000);
    sim.generateEvents({ count: 50, fromSeconds: nowS - 3000, toSeconds: nowS - 100 });
    const start = isoSeconds((nowS - 3600) * 1000);
    const { config } = writeConfig(httpConfig(sim.url, receiver.url, 'wrong', start));
    const result = await runCli(['run', '--config', config, '--once'], { env: { ...env, DEVO_TOKEN: 'wrong-token-never-print' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/\[OutputError 405\] Devo HTTP endpoint .*token!\*\*\*.* answered HTTP 401/);
    expect(result.stdout + result.stderr).not.toContain('wrong-token-never-print');
    expect(receiver.events).toHaveLength(0);
    const shown = await runCli(['state', 'show', '--config', config, '--json'], { env: { ...env, DEVO_TOKEN: 'x' } });
    expect(JSON.parse(shown.stdout)[0].state.last_run_datetime).toBe(start);
  });
});
