// Hostile vendor data: a 10 MB field, newlines and control characters in strings, lone surrogates,
// deep nesting, prototype-pollution keys. Each event must arrive once, as one line, as the same JSON.
import { afterEach, describe, expect, it } from 'vitest';
import { startLineReceiver, type LineReceiver } from '../../sim/devo/index.ts';
import { startLarkSim, type LarkSim } from '../../sim/lark/index.ts';
import { isoSeconds, larkConfig, runCli, startCli, waitFor, writeConfig } from '../helpers/cli.ts';

let sim: LarkSim | undefined;
let receiver: LineReceiver | undefined;
afterEach(async () => {
  await sim?.close();
  await receiver?.close();
});

function nested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i += 1) value = i % 2 === 0 ? { level: i, child: value } : [value];
  return value;
}

describe('hostile input', () => {
  it('huge fields, control characters, lone surrogates, deep nesting and __proto__ keys arrive intact, one line each', async () => {
    sim = await startLarkSim();
    receiver = await startLineReceiver();
    const nowS = Math.floor(Date.now() / 1000);
    const base = (n: number) => ({ unique_id: `77000000000000000${n}`, event_id: `e${n}`, event_time: nowS - 1000 + n, event_name: 'hostile' });
    const hostile: Array<Record<string, unknown>> = [
      { ...base(1), detail: 'x'.repeat(10 * 1024 * 1024) },
      { ...base(2), detail: 'line1\nline2\r\n\u0000\u0007\u001b[31m\t\u2028\u2029end', operator_value: '\n' },
      { ...base(3), detail: 'lone \ud800 surrogate and \udfff', emoji: '🚀 日本 é' },
      { ...base(4), detail: nested(300) },
      { ...(JSON.parse('{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}}') as Record<string, unknown>), ...base(5) },
    ];
    sim.addEvents(hostile);
    const normal = sim.generateEvents({ count: 100, fromSeconds: nowS - 1800, toSeconds: nowS - 100 });
    const { config } = writeConfig(larkConfig({ simUrl: sim.url, receiverPort: receiver.port, start: isoSeconds((nowS - 3600) * 1000) }));
    const result = await runCli(['run', '--once', '--config', config], { env: { LARK_APP_SECRET: 'sim-secret' } });
    expect(result.code, result.stderr.slice(-2000)).toBe(0);
    expect(receiver.lines).toHaveLength(normal.length + hostile.length);
    const byId = new Map(receiver.lines.map((line) => [(line.json as Record<string, unknown>)['unique_id'], line]));
    for (const event of hostile) {
      const line = byId.get(event['unique_id'])!;
      expect(line.tag).toBe('app.lark.audit.event');
      expect(line.raw).not.toMatch(/[\n\r]/);
      const { ['@devo_pulling_id']: _id, ...json } = JSON.parse(line.message) as Record<string, unknown>;
      expect(JSON.stringify(json)).toBe(JSON.stringify(event));
    }
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  }, 60_000);

  it('a service whose vendor keeps answering a broken page fails coded and backs off; the other services of the process go on', async () => {
    sim = await startLarkSim();
    receiver = await startLineReceiver();
    const nowS = Math.floor(Date.now() / 1000);
    sim.generateEvents({ count: 200, fromSeconds: nowS - 1800, toSeconds: nowS - 100 });
    const admin = sim.generateAdminLogs({ count: 400, fromSeconds: nowS - 1800, toSeconds: nowS - 100 });
    // Every page after the first repeats the page token it was asked for: audit_infos can never finish.
    sim.inject({ kind: 'repeat-page', count: 10_000 });
    const start = isoSeconds((nowS - 3600) * 1000);
    const text = larkConfig({ simUrl: sim.url, receiverPort: receiver.port, start, service: { page_size: 20 } }).replace(
      /( {6}audit_infos: .*\n)/,
      `$1      admin_log: {initial_start_time_in_utc: "${start}", request_period_in_seconds: 1}\n`,
    );
    const run = startCli(['run', '--config', writeConfig(text).config], { env: { LARK_APP_SECRET: 'sim-secret' } });
    try {
      await waitFor(() => receiver!.lines.filter((l) => l.tag === 'app.lark.admin.log').length >= admin.length, 30_000, 'admin_log to deliver everything');
      await waitFor(() => /failed in a row; next attempt in 10 s/.test(run.stderr), 30_000, 'the failing service to back off');
      expect(run.child.exitCode).toBeNull();
      expect(run.stderr).toMatch(/audit_infos -> \[PullError 301\] .*same page_token/);
      const adminIds = receiver.lines.filter((l) => l.tag === 'app.lark.admin.log').map((l) => (l.json as { unique_id: string }).unique_id);
      expect(new Set(adminIds)).toEqual(new Set(admin.map((a) => a.unique_id)));
      expect(adminIds).toHaveLength(admin.length);
      // Backing off, not looping: a handful of failed cycles in these seconds, not one per second.
      expect([...run.stderr.matchAll(/\[PullError 301\]/g)].length).toBeLessThanOrEqual(3);
    } finally {
      run.child.kill('SIGTERM');
      await run.exited;
    }
  }, 60_000);
});
