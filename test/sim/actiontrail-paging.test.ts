import { afterEach, describe, expect, it } from 'vitest';
import { startActionTrailSim, type ActionTrailSim, type ActionTrailSimOptions } from '../../sim/actiontrail/index.ts';
import { DAY_S, NOW_S, T0, allPages, callV2, callV3, expectError, ids, isoS } from './actiontrail-helpers.ts';

const sims: ActionTrailSim[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((sim) => sim.close()));
});

async function start(options: ActionTrailSimOptions = {}): Promise<ActionTrailSim> {
  const sim = await startActionTrailSim({ now: () => T0, ...options });
  sims.push(sim);
  return sim;
}

const FROM = NOW_S - 2 * 3600;
const TO = NOW_S - 3600;
const RANGE = { StartTime: isoS(FROM), EndTime: isoS(TO) };

/** True when some page ends inside a second that the next page continues. */
function splitsASecond(pages: ReadonlyArray<{ Events: Array<Record<string, unknown>> }>): boolean {
  return pages.some((page, i) => {
    const next = pages[i + 1]?.Events[0];
    return next !== undefined && page.Events.at(-1)?.['eventTime'] === next['eventTime'];
  });
}

describe('paging', () => {
  it('FORWARD returns every event exactly once, oldest first, ties by eventId, splitting seconds across pages', async () => {
    const sim = await start();
    const events = sim.generateEvents({ count: 53, fromSeconds: FROM, toSeconds: TO, sameSecondBurst: 7, seed: 42 });
    for (const version of ['v2', 'v3'] as const) {
      const pages = await allPages(sim, { ...RANGE, Direction: 'FORWARD', MaxResults: '5' }, version);
      expect(pages).toHaveLength(11);
      expect(pages.map((p) => p.Events.length)).toEqual([5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 3]);
      expect(pages.flatMap((p) => ids(p.Events))).toEqual(ids(events));
      expect(splitsASecond(pages)).toBe(true);
      expect(pages.every((p) => p.StartTime === RANGE.StartTime && p.EndTime === RANGE.EndTime)).toBe(true);
      expect(pages.at(-1)).not.toHaveProperty('NextToken');
      // Tokens are standard base64 JSON naming the account, with characters that must be percent-encoded.
      const token = pages[0]?.NextToken ?? '';
      expect(token).toMatch(/^eyJhY2NvdW50Ijoi[A-Za-z0-9+/]*=*$/);
      expect(token).toMatch(/\+/);
      expect(token).toMatch(/\//);
      expect(token).toMatch(/=$/);
    }
  });

  it('BACKWARD (the default) returns the exact reverse, with MaxResults defaulting to 20', async () => {
    const sim = await start();
    const events = sim.generateEvents({ count: 45, fromSeconds: FROM, toSeconds: TO, sameSecondBurst: 4 });
    const pages = await allPages(sim, RANGE);
    expect(pages.map((p) => p.Events.length)).toEqual([20, 20, 5]);
    expect(pages.flatMap((p) => ids(p.Events))).toEqual(ids(events).reverse());
    expect(splitsASecond(pages)).toBe(true);
    const backward = await allPages(sim, { ...RANGE, Direction: 'BACKWARD', MaxResults: '7' }, 'v3');
    expect(backward.flatMap((p) => ids(p.Events))).toEqual(ids(events).reverse());
  });

  it('StartTime and EndTime are both inclusive, at second granularity', async () => {
    const sim = await start();
    const at = (second: number, id: string): Record<string, unknown> => ({ eventId: id, eventTime: isoS(second), eventName: 'X' });
    sim.addEvents([at(FROM - 1, 'before'), at(FROM, 'start'), at(FROM + 1, 'inside'), at(TO, 'end'), at(TO + 1, 'after')]);
    const pages = await allPages(sim, { ...RANGE, Direction: 'FORWARD' });
    expect(pages.flatMap((p) => ids(p.Events))).toEqual(['start', 'inside', 'end']);
  });

  it('without StartTime/EndTime the window is the last 7 days', async () => {
    const sim = await start();
    sim.addEvents([{ eventId: 'old', eventTime: isoS(NOW_S - 7 * DAY_S - 1) }, { eventId: 'recent', eventTime: isoS(NOW_S - 7 * DAY_S) }, { eventId: 'now', eventTime: isoS(NOW_S) }]);
    const a = await callV2(sim, {});
    expect(a.body).toMatchObject({ StartTime: isoS(NOW_S - 7 * DAY_S), EndTime: isoS(NOW_S) });
    expect(ids(a.body['Events'] as Array<Record<string, unknown>>)).toEqual(['now', 'recent']);
  });

  it('a NextToken is only valid with the same parameters', async () => {
    const sim = await start();
    sim.generateEvents({ count: 10, fromSeconds: FROM, toSeconds: TO });
    const params = { ...RANGE, Direction: 'FORWARD', MaxResults: '3', 'LookupAttribute.1.Key': 'EventRW', 'LookupAttribute.1.Value': 'Read' };
    const first = await callV2(sim, params);
    const NextToken = first.body['NextToken'] as string;
    expect(NextToken).toEqual(expect.any(String));
    for (const change of [{ MaxResults: '4' }, { Direction: 'BACKWARD' }, { EndTime: isoS(TO + 1) }, { 'LookupAttribute.1.Value': 'Write' }]) {
      expectError(await callV2(sim, { ...params, ...change, NextToken }), 400, 'InvalidNextToken');
    }
    const { Direction: _d, ...withoutDirection } = params;
    expectError(await callV2(sim, { ...withoutDirection, NextToken }), 400, 'InvalidNextToken');
    expectError(await callV2(sim, { ...params, NextToken: `${NextToken}x` }), 400, 'InvalidNextToken');
    expectError(await callV2(sim, { ...params, NextToken: 'eyJhY2NvdW50IjoiMSJ9' }), 400, 'InvalidNextToken');
    // Same parameters through the other signature version: still the same query.
    expect((await callV3(sim, { ...params, NextToken })).status).toBe(200);
    expect((await callV2(sim, { ...params, NextToken })).status).toBe(200);
  });
});

describe('late events', () => {
  it('an event is invisible until sim time reaches eventTime + visibleAfterSeconds', async () => {
    const sim = await start();
    sim.addEvents([{ eventId: 'on-time', eventTime: isoS(NOW_S - 60) }]);
    sim.addEvents([{ eventId: 'late', eventTime: isoS(NOW_S - 60) }], { visibleAfterSeconds: 300 });
    const window = { StartTime: isoS(NOW_S - 600), EndTime: isoS(NOW_S) };
    expect(ids((await callV2(sim, window)).body['Events'] as [])).toEqual(['on-time']);
    sim.advanceClock(239_000);
    expect(ids((await callV2(sim, window, { timestampMs: T0 + 239_000 })).body['Events'] as [])).toEqual(['on-time']);
    sim.advanceClock(1000);
    // BACKWARD: inside one second, eventIds descend.
    expect(ids((await callV2(sim, window, { timestampMs: T0 + 240_000 })).body['Events'] as [])).toEqual(['on-time', 'late']);
  });

  it('visibilityDelaySeconds delays every event', async () => {
    const sim = await start({ visibilityDelaySeconds: 120 });
    sim.addEvents([{ eventId: 'a', eventTime: isoS(NOW_S - 119) }, { eventId: 'b', eventTime: isoS(NOW_S - 120) }]);
    sim.addEvents([{ eventId: 'c', eventTime: isoS(NOW_S - 200) }], { visibleAfterSeconds: 100 });
    const a = await callV2(sim, { StartTime: isoS(NOW_S - 600), EndTime: isoS(NOW_S) });
    expect(ids(a.body['Events'] as [])).toEqual(['b']);
  });

  it('pages of a query already started are not disturbed by late arrivals; a new query sees them', async () => {
    const sim = await start();
    const events = sim.generateEvents({ count: 12, fromSeconds: FROM, toSeconds: TO, sameSecondBurst: 2 });
    // Visible from TO + 3660 s = sim start + 60 s.
    const late = sim.generateEvents({ count: 6, fromSeconds: TO, toSeconds: TO, visibleAfterSeconds: 3600 + 60 });
    const params = { ...RANGE, Direction: 'FORWARD', MaxResults: '5' };
    const first = await callV2(sim, params);
    sim.advanceClock(120_000);
    sim.addEvents([{ eventId: '00000000-0000-4000-A000-000000000000', eventTime: isoS(FROM) }]);
    const seen = ids(first.body['Events'] as []);
    let token = first.body['NextToken'] as string | undefined;
    while (token !== undefined) {
      const page = await callV2(sim, { ...params, NextToken: token }, { timestampMs: T0 + 120_000 });
      seen.push(...ids(page.body['Events'] as []));
      token = page.body['NextToken'] as string | undefined;
    }
    expect(seen).toEqual(ids(events));
    const again = await allPagesAt(sim, params, T0 + 120_000);
    expect(again).toHaveLength(12 + 6 + 1);
    expect(new Set(again)).toEqual(new Set([...ids(events), ...ids(late), '00000000-0000-4000-A000-000000000000']));
  });
});

async function allPagesAt(sim: ActionTrailSim, params: Record<string, string>, timestampMs: number): Promise<unknown[]> {
  const seen: unknown[] = [];
  let token: string | undefined;
  do {
    const page = await callV2(sim, token === undefined ? params : { ...params, NextToken: token }, { timestampMs });
    expect(page.status).toBe(200);
    seen.push(...ids(page.body['Events'] as []));
    token = page.body['NextToken'] as string | undefined;
  } while (token !== undefined);
  return seen;
}

describe('LookupAttribute', () => {
  it('filters by exact value, ANDs two items, lets the second of one key win, ignores a third', async () => {
    const sim = await start();
    const events = sim.generateEvents({ count: 120, fromSeconds: FROM, toSeconds: TO, seed: 7 });
    const query = async (attrs: Record<string, string>): Promise<unknown[]> =>
      (await allPages(sim, { ...RANGE, Direction: 'FORWARD', MaxResults: '50', ...attrs })).flatMap((p) => ids(p.Events));
    const expectIds = (keep: (e: Record<string, unknown>) => boolean): unknown[] => ids(events.filter(keep));
    const user = (e: Record<string, unknown>): unknown => (e['userIdentity'] as Record<string, unknown>)['userName'];

    expect(await query({ 'LookupAttribute.1.Key': 'EventName', 'LookupAttribute.1.Value': 'DescribeInstances' })).toEqual(expectIds((e) => e['eventName'] === 'DescribeInstances'));
    expect(await query({ 'LookupAttribute.1.Key': 'User', 'LookupAttribute.1.Value': '李雷' })).toEqual(expectIds((e) => user(e) === '李雷'));
    const both = expectIds((e) => e['eventRW'] === 'Write' && e['serviceName'] === 'Ecs');
    expect(both.length).toBeGreaterThan(0);
    expect(await query({ 'LookupAttribute.1.Key': 'EventRW', 'LookupAttribute.1.Value': 'Write', 'LookupAttribute.2.Key': 'ServiceName', 'LookupAttribute.2.Value': 'Ecs' })).toEqual(both);
    expect(await query({ 'LookupAttribute.1.Key': 'EventRW', 'LookupAttribute.1.Value': 'write' })).toEqual([]);
    expect(await query({ 'LookupAttribute.1.Key': 'ServiceName', 'LookupAttribute.1.Value': 'Ram', 'LookupAttribute.2.Key': 'ServiceName', 'LookupAttribute.2.Value': 'Ecs' }))
      .toEqual(expectIds((e) => e['serviceName'] === 'Ecs'));
    expect(await query({ 'LookupAttribute.1.Key': 'EventRW', 'LookupAttribute.1.Value': 'Write', 'LookupAttribute.2.Key': 'ServiceName', 'LookupAttribute.2.Value': 'Ecs', 'LookupAttribute.3.Key': 'EventName', 'LookupAttribute.3.Value': 'Nope' }))
      .toEqual(both);
    const instance = events.find((e) => e['eventName'] === 'RunInstances')?.['resourceName'] as string;
    expect(await query({ 'LookupAttribute.1.Key': 'ResourceName', 'LookupAttribute.1.Value': instance.split(';')[1] ?? '' })).toContain(events.find((e) => e['resourceName'] === instance)?.['eventId']);
    expect(await query({ 'LookupAttribute.1.Key': 'RoleName', 'LookupAttribute.1.Value': 'ecs-ops-role' })).toEqual(expectIds((e) => String(user(e)).startsWith('ecs-ops-role:')));
  });

  it('refuses unknown keys and incomplete items with InvalidLookupAttributesException', async () => {
    const sim = await start();
    for (const attrs of [
      { 'LookupAttribute.1.Key': 'Region', 'LookupAttribute.1.Value': 'cn-hangzhou' },
      { 'LookupAttribute.1.Key': 'eventname', 'LookupAttribute.1.Value': 'X' },
      { 'LookupAttribute.1.Key': 'toString', 'LookupAttribute.1.Value': 'X' },
      { 'LookupAttribute.1.Key': 'EventName' },
      { 'LookupAttribute.1.Value': 'X' },
      { 'LookupAttribute.0.Key': 'EventName', 'LookupAttribute.0.Value': 'X' },
      { 'LookupAttribute.1.Name': 'EventName' },
    ]) {
      expectError(await callV2(sim, { ...RANGE, ...attrs }), 400, 'InvalidLookupAttributesException');
    }
  });
});
