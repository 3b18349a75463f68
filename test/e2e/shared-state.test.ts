import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLarkSim, type LarkSim } from '../../sim/lark/index.ts';
import { startLineReceiver, type LineReceiver } from '../../sim/devo/index.ts';
import { isoSeconds, larkConfig, runCli, writeConfig } from '../helpers/cli.ts';
import { startPostgres, startRedis, type RunningServer } from '../helpers/servers.ts';

let redis: RunningServer;
let postgres: RunningServer;
beforeAll(async () => {
  [redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
}, 60_000);
afterAll(async () => {
  await Promise.all([redis?.stop(), postgres?.stop()]);
});

describe.each([
  ['redis', () => `{type: redis, url: "${redis.url}"}`],
  ['postgres', () => `{type: postgres, url: "${postgres.url}", table: e2e_state}`],
])('globals.persistence %s through the CLI', (_name, persistence) => {
  let sim: LarkSim;
  let receiver: LineReceiver;
  beforeAll(async () => {
    sim = await startLarkSim();
    receiver = await startLineReceiver();
  });
  afterAll(async () => {
    await sim.close();
    await receiver.close();
  });

  it('two runs (as two processes would) share checkpoints and the token: every event once, one token request', async () => {
    const nowS = Math.floor(Date.now() / 1000);
    const first = sim.generateEvents({ count: 300, fromSeconds: nowS - 3000, toSeconds: nowS - 100 });
    const text = larkConfig({ simUrl: sim.url, receiverPort: receiver.port, start: isoSeconds((nowS - 3600) * 1000), service: { lag_seconds: 1 } }).replace(
      '{type: sqlite, path: state/auditpull.sqlite}',
      persistence(),
    );
    const env = { LARK_APP_SECRET: 'sim-secret' };
    // Two folders: nothing is shared on disk, only through the server.
    const one = writeConfig(text);
    const two = writeConfig(text);
    expect((await runCli(['run', '--config', one.config, '--once'], { env })).code).toBe(0);
    const t = Math.floor(Date.now() / 1000);
    const second = sim.generateEvents({ count: 20, fromSeconds: t, toSeconds: t });
    await new Promise((r) => setTimeout(r, 2100));
    const result = await runCli(['run', '--config', two.config, '--once'], { env });
    expect(result.code, result.stderr).toBe(0);
    const ids = receiver.lines.map((l) => (l.json as { unique_id: string }).unique_id);
    expect(ids).toHaveLength(320);
    expect(new Set(ids)).toEqual(new Set([...first, ...second].map((e) => e.unique_id)));
    expect(sim.stats.tokenRequests).toBe(1);
  });
});
