import { afterEach, describe, expect, it } from 'vitest';
import { startActionTrailSim, type ActionTrailSim, type ActionTrailSimOptions } from '../../sim/actiontrail/index.ts';
import { DAY_S, NOW_S, T0, callV2, callV3, expectError, ids, isoS } from './actiontrail-helpers.ts';

const sims: ActionTrailSim[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((sim) => sim.close()));
});

async function start(options: ActionTrailSimOptions = {}): Promise<ActionTrailSim> {
  const sim = await startActionTrailSim({ now: () => T0, ...options });
  sims.push(sim);
  return sim;
}

const RANGE = { StartTime: isoS(NOW_S - 3600), EndTime: isoS(NOW_S) };

describe('parameter limits', () => {
  it('answers every time-range error with its code', async () => {
    const sim = await start();
    const cases: Array<[Record<string, string>, string]> = [
      [{ StartTime: RANGE.StartTime }, 'InvalidParameterCombination'],
      [{ EndTime: RANGE.EndTime }, 'InvalidParameterCombination'],
      [{ StartTime: RANGE.EndTime, EndTime: RANGE.EndTime }, 'InvalidParameterCombination'],
      [{ StartTime: RANGE.EndTime, EndTime: RANGE.StartTime }, 'InvalidParameterCombination'],
      [{ StartTime: isoS(NOW_S - 31 * DAY_S), EndTime: isoS(NOW_S - DAY_S + 1) }, 'InvalidParameterDateOutOfRange'],
      [{ StartTime: isoS(NOW_S - 90 * DAY_S - 1), EndTime: isoS(NOW_S - 89 * DAY_S) }, 'InvalidParameterStartTimeOutOfDate'],
      [{ StartTime: isoS(NOW_S + 1), EndTime: isoS(NOW_S + 60) }, 'InvalidParameterStartTimeExceedsCurrent'],
      [{ StartTime: '2024-06-15 11:00:00', EndTime: RANGE.EndTime }, 'InvalidParameterStartTime'],
      [{ StartTime: '2024-06-15T11:00:00.000Z', EndTime: RANGE.EndTime }, 'InvalidParameterStartTime'],
      [{ StartTime: '', EndTime: RANGE.EndTime }, 'InvalidParameterStartTime'],
      [{ StartTime: RANGE.StartTime, EndTime: '2024-02-30T00:00:00Z' }, 'InvalidParameterEndTime'],
      [{ StartTime: RANGE.StartTime, EndTime: '1718452800' }, 'InvalidParameterEndTime'],
    ];
    for (const [params, code] of cases) expectError(await callV2(sim, params), 400, code);
    // The limits themselves are accepted: exactly 30 days, StartTime exactly 90 days back, StartTime now.
    for (const ok of [
      { StartTime: isoS(NOW_S - 30 * DAY_S), EndTime: isoS(NOW_S) },
      { StartTime: isoS(NOW_S - 90 * DAY_S), EndTime: isoS(NOW_S - 89 * DAY_S) },
      { StartTime: isoS(NOW_S), EndTime: isoS(NOW_S + 3600) },
    ]) {
      expect((await callV2(sim, ok)).status).toBe(200);
    }
  });

  it('retentionDays moves the StartTime limit and shortens the default window', async () => {
    const sim = await start({ retentionDays: 3 });
    expectError(await callV2(sim, { StartTime: isoS(NOW_S - 3 * DAY_S - 1), EndTime: isoS(NOW_S) }), 400, 'InvalidParameterStartTimeOutOfDate');
    expect((await callV2(sim, {})).body).toMatchObject({ StartTime: isoS(NOW_S - 3 * DAY_S) });
  });

  it('MaxResults must be 1..maxResults and Direction FORWARD or BACKWARD', async () => {
    const sim = await start();
    for (const MaxResults of ['0', '51', '-1', 'abc', '5.5', '']) expectError(await callV2(sim, { ...RANGE, MaxResults }), 400, 'InvalidParameter');
    for (const Direction of ['forward', 'UP', '']) expectError(await callV2(sim, { ...RANGE, Direction }), 400, 'InvalidParameter');
    expect((await callV2(sim, { ...RANGE, MaxResults: '50', Direction: 'FORWARD' })).status).toBe(200);
    expect((await callV3(sim, { ...RANGE, MaxResults: '1' })).status).toBe(200);
    const small = await start({ maxResults: 10 });
    expectError(await callV2(small, { ...RANGE, MaxResults: '11' }), 400, 'InvalidParameter');
    small.generateEvents({ count: 15, fromSeconds: NOW_S - 100, toSeconds: NOW_S });
    expect((await callV2(small, RANGE)).body['Events']).toHaveLength(10);
    await expect(startActionTrailSim({ maxResults: 10, defaultMaxResults: 11 })).rejects.toThrow(RangeError);
  });
});

describe('throttling and faults', () => {
  it('throttlePerSecond refuses the request over the limit per AccessKey with Throttling.User and the wait in ms', async () => {
    const other = { accessKeyId: 'LTAI_other', accessKeySecret: 'other-secret' };
    const sim = await start({ throttlePerSecond: 2, credentials: [{ accessKeyId: 'LTAI_sim_key', accessKeySecret: 'sim-secret' }, other] });
    expect((await callV2(sim, RANGE)).status).toBe(200);
    sim.advanceClock(400);
    expect((await callV3(sim, RANGE, { timestampMs: T0 })).status).toBe(200);
    const refused = await callV2(sim, RANGE);
    expect(expectError(refused, 400, 'Throttling.User')).toBe('Request was denied due to user flow control.');
    expect(refused.headers.get('x-acs-retry-after')).toBe('600');
    expect((await callV2(sim, RANGE, { credential: other })).status).toBe(200);
    sim.advanceClock(600);
    expect((await callV2(sim, RANGE)).status).toBe(200);
    expect(sim.stats.throttled).toBe(1);
  });

  it('injected throttling, errors, malformed and held answers', async () => {
    const sim = await start();
    sim.inject({ kind: 'throttle', count: 1, retryAfterSeconds: 2 });
    sim.inject({ kind: 'throttle', count: 1 });
    sim.inject({ kind: 'error', count: 2, status: 503, code: 'ServiceUnavailable', message: 'The request has failed due to a temporary failure of the server.' });
    sim.inject({ kind: 'error', count: 1, status: 500, code: 'InternalError' });
    sim.inject({ kind: 'malformed', count: 1 });

    const first = await callV2(sim, RANGE);
    expectError(first, 400, 'Throttling.User');
    expect(first.headers.get('x-acs-retry-after')).toBe('2000');
    const second = await callV3(sim, RANGE);
    expectError(second, 400, 'Throttling.User');
    expect(second.headers.get('x-acs-retry-after')).toBeNull();
    expect(expectError(await callV2(sim, RANGE), 503, 'ServiceUnavailable')).toMatch(/temporary failure/);
    expectError(await callV2(sim, RANGE), 503, 'ServiceUnavailable');
    expectError(await callV2(sim, RANGE), 500, 'InternalError');

    const cut = await callV2(sim, RANGE, { nonce: 'malformed-nonce' });
    expect(cut.status).toBe(200);
    expect(cut.headers.get('x-acs-request-id')).toMatch(/^[0-9A-F-]{36}$/);
    expect(() => JSON.parse(cut.text) as unknown).toThrow(SyntaxError);
    // The malformed answer was processed: its nonce is used up.
    expectError(await callV2(sim, RANGE, { nonce: 'malformed-nonce' }), 400, 'SignatureNonceUsed');
    expect((await callV2(sim, RANGE)).status).toBe(200);
    expect(sim.stats.throttled).toBe(2);
    expect(sim.requests.map((r) => `${r.status} ${r.code}`)).toEqual([
      '400 Throttling.User', '400 Throttling.User', '503 ServiceUnavailable', '503 ServiceUnavailable',
      '500 InternalError', '200 malformed', '400 SignatureNonceUsed', '200 ',
    ]);
  });

  it('a held request is never answered; close() ends it', async () => {
    const sim = await startActionTrailSim({ now: () => T0 });
    sim.inject({ kind: 'hold', count: 1 });
    const held = callV2(sim, RANGE);
    const outcome = held.then(() => 'answered', () => 'failed');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sim.requests).toHaveLength(1);
    expect(sim.requests[0]).toMatchObject({ status: 0, code: 'held', signature: 'v2' });
    await sim.close();
    expect(await outcome).toBe('failed');
    await sim.close();
  });

  it('latencyMs delays every answer', async () => {
    const sim = await start({ latencyMs: 150 });
    const started = performance.now();
    expect((await callV2(sim, RANGE)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });
});

describe('data set', () => {
  it('generateEvents makes realistic, deterministic events, sameSecondBurst at a time per second, oldest first', async () => {
    const a = await start();
    const b = await start();
    const options = { count: 40, fromSeconds: NOW_S - 1000, toSeconds: NOW_S - 10, seed: 9, sameSecondBurst: 4 };
    const events = a.generateEvents(options);
    expect(b.generateEvents(options)).toEqual(events);
    expect(events).toHaveLength(40);
    const seconds = events.map((e) => e['eventTime']);
    expect(new Set(seconds).size).toBe(10);
    expect(seconds[0]).toBe(isoS(NOW_S - 1000));
    expect(seconds.at(-1)).toBe(isoS(NOW_S - 10));
    expect([...seconds].sort()).toEqual(seconds);
    expect(new Set(ids(events)).size).toBe(40);
    const sizes = events.map((e) => Buffer.byteLength(JSON.stringify(e)));
    expect(Math.min(...sizes)).toBeGreaterThan(700);
    expect(Math.max(...sizes)).toBeLessThan(2600);
    for (const event of events) {
      expect(event).toMatchObject({
        eventId: expect.stringMatching(/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/),
        eventName: expect.any(String),
        eventSource: expect.any(String),
        eventType: expect.stringMatching(/^(ApiCall|ConsoleOperation|ConsoleSignin)$/),
        eventRW: expect.stringMatching(/^(Read|Write)$/),
        acsRegion: expect.any(String),
        serviceName: expect.any(String),
        requestId: expect.any(String),
        sourceIpAddress: expect.any(String),
        userAgent: expect.any(String),
        errorCode: expect.any(String),
        recipientAccountId: '1234567890123456',
        userIdentity: { type: expect.stringMatching(/^(root-account|ram-user|assumed-role)$/), accountId: '1234567890123456', userName: expect.any(String) },
      });
      expect([1, '1']).toContain(event['eventVersion']);
    }
    // Later calls without a seed differ, and never reuse an eventId.
    const more = a.generateEvents({ count: 40, fromSeconds: NOW_S - 1000, toSeconds: NOW_S - 10 });
    expect(ids(more).some((id) => ids(events).includes(id))).toBe(false);
  });

  it('addEvents validates every event first and returns them as given', async () => {
    const sim = await start();
    expect(() => sim.addEvents([{ eventId: 'ok', eventTime: RANGE.EndTime }, { eventId: 'bad', eventTime: '2024-06-15T12:00:00.5Z' }])).toThrow(TypeError);
    expect(() => sim.addEvents([{ eventTime: RANGE.EndTime }])).toThrow(TypeError);
    expect(() => sim.addEvents([{ eventId: 'x', eventTime: RANGE.EndTime }], { visibleAfterSeconds: -1 })).toThrow(RangeError);
    const event = { eventId: 'given', eventTime: isoS(NOW_S - 5), custom: { nested: ['a', 1, null] }, eventVersion: '1' };
    sim.addEvents([event]);
    event.custom.nested.push('mutated later');
    expect((await callV2(sim, RANGE)).body['Events']).toEqual([{ eventId: 'given', eventTime: isoS(NOW_S - 5), custom: { nested: ['a', 1, null] }, eventVersion: '1' }]);
  });
});
