import { describe, expect, it } from 'vitest';
import { AuditpullError } from '../../lib/index.ts';
import { composeOutputs } from '../../runner/delivery.ts';
import { createRunnerLogger } from '../../runner/log.ts';
import type { Output } from '../../runner/outputs.ts';

/** An output whose acceptance the test controls: each delivery waits until `accept()` or `fail()`. */
function heldOutput(name: string, queueMaxBytes: number) {
  const received: string[][] = [];
  const pending: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  const output: Output = {
    name,
    devo: true,
    queueMaxBytes,
    deliver: (_tag, json) =>
      new Promise<void>((resolve, reject) => {
        received.push([...json]);
        pending.push({ resolve, reject });
      }),
    close: async () => {},
  };
  return {
    output,
    received,
    get pending() {
      return pending.length;
    },
    accept: () => pending.shift()?.resolve(),
    fail: (error: unknown) => pending.shift()?.reject(error),
  };
}

const lines: string[] = [];
const logger = createRunnerLogger({ level: 'debug', write: (line) => void lines.push(line) } as Parameters<typeof createRunnerLogger>[0]);
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));
async function attempts(held: { pending: number }): Promise<void> {
  for (let i = 0; i < 400 && held.pending === 0; i += 1) await tick();
}
const events = (n: number, size: number) => Array.from({ length: n }, (_, i) => ({ i, pad: 'x'.repeat(size) }));

describe('composeOutputs', () => {
  it('pauses the next batch while the bytes waiting for an output are at the bound', async () => {
    const held = heldOutput('slow', 50_000);
    const queue: number[] = [];
    const outputs = composeOutputs([held.output], logger, { statsPeriodSeconds: 0, hooks: { setOutputQueueBytes: (_n, bytes) => queue.push(bytes) } });
    const first = outputs.deliver('t.a', events(100, 300)); // ~40 KB
    const second = outputs.deliver('t.a', events(100, 300));
    await tick();
    expect(held.received).toHaveLength(1); // the second waits: 80 KB would pass the 50 KB bound
    held.accept();
    await first;
    await tick();
    expect(held.received).toHaveLength(2);
    held.accept();
    await second;
    expect(Math.max(...queue)).toBeLessThanOrEqual(50_000);
    expect(queue.at(-1)).toBe(0);
  });

  it('admits a batch larger than the bound alone instead of stalling', async () => {
    const held = heldOutput('small', 1000);
    const outputs = composeOutputs([held.output], logger, { statsPeriodSeconds: 0 });
    const big = outputs.deliver('t.a', events(10, 500));
    await tick();
    expect(held.received).toHaveLength(1);
    held.accept();
    await big;
  });

  it('retries a failing output with backoff until it accepts, without resending to the output that accepted', async () => {
    const good = heldOutput('good', 1e6);
    const flaky = heldOutput('flaky', 1e6);
    const outputs = composeOutputs([good.output, flaky.output], logger, { statsPeriodSeconds: 0, retryWaitMs: 10 });
    const done = outputs.deliver('t.a', events(3, 10));
    await tick();
    good.accept();
    flaky.fail(new AuditpullError(400, 'Cannot connect to tcp://x:1'));
    await attempts(flaky);
    flaky.fail(new AuditpullError(402, 'Write failed'));
    await attempts(flaky);
    flaky.accept();
    await done;
    expect(good.received).toHaveLength(1);
    expect(flaky.received).toHaveLength(3);
    expect(lines.some((l) => l.includes('[OutputError 400]') && l.includes('pulling is paused'))).toBe(true);
  });

  it('with --once gives up after three attempts; errors that retrying cannot fix fail at once', async () => {
    const flaky = heldOutput('down', 1e6);
    const outputs = composeOutputs([flaky.output], logger, { statsPeriodSeconds: 0, retryWaitMs: 1, once: true });
    const done = outputs.deliver('t.a', events(1, 10)).catch((e: unknown) => e);
    for (let i = 0; i < 3; i += 1) {
      await attempts(flaky);
      flaky.fail(new AuditpullError(401, 'TLS handshake failed'));
    }
    expect(await done).toMatchObject({ id: 401 });
    expect(flaky.received).toHaveLength(3);

    const refused = heldOutput('http', 1e6);
    const run = composeOutputs([refused.output], logger, { statsPeriodSeconds: 0, retryWaitMs: 1 });
    const failed = run.deliver('t.a', events(1, 10)).catch((e: unknown) => e);
    await tick();
    refused.fail(new AuditpullError(405, 'token refused'));
    expect(await failed).toMatchObject({ id: 405 });
    expect(refused.received).toHaveLength(1);
  });

  it('a stop signal ends the wait for a down output with its error, so nothing is checkpointed', async () => {
    const down = heldOutput('down', 1e6);
    const controller = new AbortController();
    const outputs = composeOutputs([down.output], logger, { statsPeriodSeconds: 0, retryWaitMs: 60_000, signal: controller.signal });
    const done = outputs.deliver('t.a', events(1, 10)).catch((e: unknown) => e);
    await tick();
    down.fail(new AuditpullError(400, 'Cannot connect'));
    await tick();
    controller.abort();
    expect(await done).toMatchObject({ id: 400 });
  });

  it('forwards service log lines to Devo outputs under devo.collectors.out.{input}.{service}, at or above the level', async () => {
    const devo = heldOutput('devo', 1e6);
    const outputs = composeOutputs([devo.output], logger, { statsPeriodSeconds: 0, internalLogs: { enabled: true, level: 'info' } });
    outputs.forwardLog({ time: 0, level: 'debug', scope: 's', msg: 'too verbose', input: 'lark', service: 'audit_infos' });
    outputs.forwardLog({ time: 0, level: 'info', scope: 's', msg: 'Pull Started', input: 'lark', service: 'audit_infos' });
    outputs.forwardLog({ time: 0, level: 'warn', scope: 'collector', msg: 'not a service line' });
    await tick();
    expect(devo.received).toEqual([[JSON.stringify({ time: '1970-01-01T00:00:00.000Z', level: 'info', scope: 's', msg: 'Pull Started' })]]);
    devo.accept();
  });
});
