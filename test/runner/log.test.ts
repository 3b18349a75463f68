import { afterEach, describe, expect, it } from 'vitest';
import { startLineReceiver, type LineReceiver } from '../../sim/devo/index.ts';
import { startLarkSim, type LarkSim } from '../../sim/lark/index.ts';
import { createRunnerLogger, type LogRecord } from '../../runner/log.ts';
import { isoSeconds, larkConfig, runCli, writeConfig } from '../helpers/cli.ts';

let sim: LarkSim | undefined;
let receiver: LineReceiver | undefined;
afterEach(async () => {
  await sim?.close();
  await receiver?.close();
  sim = undefined;
  receiver = undefined;
});

describe('runner logger (pino)', () => {
  it('writes one JSON object per line with level, time, scope, bindings and msg; redacts secret-looking keys at any depth', () => {
    const lines: string[] = [];
    const records: LogRecord[] = [];
    const logger = createRunnerLogger({ level: 'info', write: (line) => void lines.push(line), onRecord: (r) => void records.push(r) });
    const service = logger.child('lark#1/audit_infos', { input: 'lark', service: 'audit_infos' });
    service.info('Pull Started', { app_secret: 'S3CRET', nested: { access_token: 'T0KEN', pages: 3 } });
    service.debug('not at this level');
    logger.warn('collector line');
    expect(lines).toHaveLength(2);
    const first = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(first).toMatchObject({ level: 'info', scope: 'auditpull/lark#1/audit_infos', input: 'lark', service: 'audit_infos', msg: 'Pull Started', app_secret: '[redacted]', nested: { access_token: '[redacted]', pages: 3 } });
    expect(Date.parse(String(first['time']))).not.toBeNaN();
    expect(lines.join('')).not.toMatch(/S3CRET|T0KEN/);
    expect(records.map((r) => [r.level, r.scope, r.msg, r.input, r.service])).toEqual([
      ['info', 'auditpull/lark#1/audit_infos', 'Pull Started', 'lark', 'audit_infos'],
      ['debug', 'auditpull/lark#1/audit_infos', 'not at this level', 'lark', 'audit_infos'],
      ['warn', 'auditpull', 'collector line', undefined, undefined],
    ]);
  });

  it('a throwing onRecord never breaks the caller', () => {
    const logger = createRunnerLogger({ write: () => {}, onRecord: () => { throw new Error('boom'); } });
    expect(() => logger.error('still fine')).not.toThrow();
  });
});

describe('collector logs through the CLI', () => {
  it('stderr is JSON lines when not a TTY; globals.log.level applies; internal_logs sends service lines to devo.collectors.out.{input}.{service}', async () => {
    sim = await startLarkSim();
    receiver = await startLineReceiver();
    const nowS = Math.floor(Date.now() / 1000);
    const events = sim.generateEvents({ count: 50, fromSeconds: nowS - 1800, toSeconds: nowS - 100 });
    const yaml = larkConfig({ simUrl: sim.url, receiverPort: receiver.port, start: isoSeconds((nowS - 3600) * 1000) }).replace(
      '  persistence:',
      '  log: {level: warn}\n  internal_logs: {enabled: true, level: info}\n  persistence:',
    );
    const { config } = writeConfig(yaml);
    const result = await runCli(['run', '--config', config, '--once'], { env: { LARK_APP_SECRET: 'sim-secret' } });
    expect(result.code, result.stderr).toBe(0);
    for (const line of result.rawStderr.split('\n').filter(Boolean)) {
      const record = JSON.parse(line) as Record<string, unknown>;
      expect(['warn', 'error']).toContain(record['level']);
    }
    expect(result.rawStderr).not.toContain('Statistics for this pull cycle');
    const internal = receiver.lines.filter((l) => l.tag === 'devo.collectors.out.lark.audit_infos');
    expect(internal.map((l) => (l.json as { msg: string }).msg).some((msg) => msg.startsWith('Statistics for this pull cycle (@devo_pulling_id='))).toBe(true);
    expect(internal.every((l) => (l.json as { level: string }).level !== 'debug')).toBe(true);
    expect(receiver.lines.filter((l) => l.tag === 'app.lark.audit.event')).toHaveLength(events.length);
    expect(JSON.stringify(receiver.lines)).not.toContain('sim-secret');
  });
});
