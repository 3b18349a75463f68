import { afterEach, describe, expect, it } from 'vitest';
import { startLarkSim, type LarkSim } from '../../sim/lark/index.ts';
import { startLineReceiver, type LineReceiver } from '../../sim/devo/index.ts';
import { isoSeconds, larkConfig, runCli, writeConfig } from '../helpers/cli.ts';

let sim: LarkSim | undefined;
let receiver: LineReceiver | undefined;
afterEach(async () => {
  await sim?.close();
  await receiver?.close();
  sim = undefined;
  receiver = undefined;
});

describe('check and state commands', () => {
  it('check reports readiness; state show/reset read and clear the checkpoint', async () => {
    sim = await startLarkSim();
    receiver = await startLineReceiver();
    const nowS = Math.floor(Date.now() / 1000);
    sim.generateEvents({ count: 40, fromSeconds: nowS - 1800, toSeconds: nowS - 100 });
    const { config } = writeConfig(larkConfig({ simUrl: sim.url, receiverPort: receiver.port, start: isoSeconds((nowS - 3600) * 1000) }));
    const env = { LARK_APP_SECRET: 'sim-secret' };

    const ok = await runCli(['check', '--config', config], { env });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('lark/audit_infos: ready');
    const bad = await runCli(['check', '--config', config], { env: { LARK_APP_SECRET: 'nope' } });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/lark\/audit_infos: NOT READY \[SetupError 100\]/);
    expect(receiver.lines).toHaveLength(0);

    const empty = await runCli(['state', 'show', '--config', config, '--json'], { env });
    expect(JSON.parse(empty.stdout)).toEqual([{ input: 'lark', service: 'audit_infos', key: 'state:lark:1:audit_infos', state: null }]);
    expect((await runCli(['run', '--config', config, '--once'], { env })).code).toBe(0);
    expect(receiver.lines).toHaveLength(40);
    const shown = await runCli(['state', 'show', '--config', config, '--service', 'audit_infos', '--json'], { env });
    const [entry] = JSON.parse(shown.stdout) as Array<{ state: { last_run_datetime: string; version: number } }>;
    expect(entry?.state.version).toBe(1);
    expect(Date.parse(entry!.state.last_run_datetime)).toBeGreaterThan((nowS - 100) * 1000);
    const human = await runCli(['state', 'show', '--config', config], { env });
    expect(human.stdout).toContain('last_run_datetime:');

    expect((await runCli(['state', 'show', '--config', config, '--service', 'nope'], { env })).stderr).toContain('[ConfigError 15]');
    const reset = await runCli(['state', 'reset', '--config', config, '--service', 'lark/audit_infos'], { env });
    expect(reset.code).toBe(0);
    expect(reset.stdout).toContain('lark/audit_infos: state reset (was at');
    expect(JSON.parse((await runCli(['state', 'show', '--config', config, '--json'], { env })).stdout)[0].state).toBeNull();
    // After a reset the next run collects from initial_start_time_in_utc again, as documented.
    expect((await runCli(['run', '--config', config, '--once'], { env })).code).toBe(0);
    expect(receiver.lines).toHaveLength(80);
  });
});
