import { afterEach, describe, expect, it } from 'vitest';
import { startLineReceiver, type LineReceiver } from '../../sim/devo/index.ts';
import { startLarkSim, type LarkSim } from '../../sim/lark/index.ts';
import { isoSeconds, larkConfig, runCli, writeConfig } from '../helpers/cli.ts';

let sim: LarkSim | undefined;
let receiver: LineReceiver | undefined;
afterEach(async () => {
  await sim?.close();
  await receiver?.close();
});

describe('obfuscation and flattening through the CLI', () => {
  it('masks operator names by dotted path and flattens audit_infos events into dotted keys', async () => {
    sim = await startLarkSim();
    receiver = await startLineReceiver();
    const nowS = Math.floor(Date.now() / 1000);
    const events = sim.generateEvents({ count: 200, fromSeconds: nowS - 1800, toSeconds: nowS - 100 });
    const yaml = larkConfig({
      simUrl: sim.url,
      receiverPort: receiver.port,
      start: isoSeconds((nowS - 3600) * 1000),
      service: { obfuscate: '{fields: [operator_detail.operator_name.default_name, operator_detail.operator_name.i18n_value, operator_value]}', flatten: 'true' },
    });
    const { config } = writeConfig(yaml);
    const result = await runCli(['run', '--config', config, '--once'], { env: { LARK_APP_SECRET: 'sim-secret' } });
    expect(result.code, result.stderr).toBe(0);
    expect(receiver.lines).toHaveLength(events.length);
    const byId = new Map(receiver.lines.map((line) => [(line.json as Record<string, string>)['unique_id'], line.json as Record<string, unknown>]));
    for (const event of events) {
      const out = byId.get(event.unique_id)!;
      expect(out['operator_detail.operator_name.default_name']).toBe('***');
      expect(out['operator_value']).toBe('***');
      expect(out['audit_context.terminal_type']).toBe(event.audit_context.terminal_type);
      expect(out['event_name']).toBe(event.event_name);
      // Only arrays and empty objects stay values.
      expect(Object.values(out).some((v) => v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0)).toBe(false);
      expect(JSON.stringify(out)).not.toContain(event.operator_detail.operator_name.default_name);
    }
  });
});
