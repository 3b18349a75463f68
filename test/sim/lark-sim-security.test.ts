import { describe, expect, it } from 'vitest';
import { ADMIN_LOGS_PATH, startLarkSim } from '../../sim/lark/index.ts';
import { ADMIN, AUDIT, DAY_S, DLP, NOW_S, T0, allPages, bearer, closeSimsAfterEach, get, ids, start, type Page, type Params, type Row } from './security-helpers.ts';

closeSimsAfterEach();

describe('aud_admin_logs', () => {
  it('exports its path and requires a token', async () => {
    expect(ADMIN_LOGS_PATH).toBe(ADMIN);
    const sim = await start();
    expect(await get(sim, ADMIN, undefined)).toMatchObject({ status: 400, body: { code: 99991661 } });
    expect(sim.stats).toMatchObject({ adminRequests: 1, rejectedRequests: 1 });
  });

  it('pages every item exactly once, newest first, for any page size', async () => {
    const sim = await start();
    const from = NOW_S - 3600;
    const items = sim.generateAdminLogs({ count: 237, fromSeconds: from, toSeconds: NOW_S - 60, seed: 7 });
    sim.generateAdminLogs({ count: 20, fromSeconds: from - 600, toSeconds: from - 1, seed: 8 });
    const auth = await bearer(sim);
    for (const pageSize of [1, 7, 100, undefined]) {
      const params: Params = { oldest: from, latest: NOW_S, ...(pageSize === undefined ? {} : { page_size: pageSize }) };
      const pages = await allPages(sim, ADMIN, auth, params);
      expect(ids(pages).sort()).toEqual(items.map((i) => i.unique_id).sort());
      expect(pages.slice(0, -1).every((p) => p.items.length === (pageSize ?? 20))).toBe(true);
      const times = pages.flatMap((p) => p.items.map((i) => Number(i['create_time'])));
      expect(times).toEqual(times.slice().sort((a, b) => b - a));
    }
    expect(sim.stats.adminPageSizes.at(-1)).toBe(20);
    expect(sim.stats.pageSizes).toEqual([]); // audit_infos only
  });

  it('rejects page_size outside 1..maxAdminPageSize with 99992402', async () => {
    const sim = await start();
    const auth = await bearer(sim);
    for (const pageSize of [0, 101, 'abc', -1, 1.5]) {
      const bad = await get(sim, ADMIN, auth, { page_size: pageSize });
      expect(bad).toMatchObject({ status: 400, body: { code: 99992402, msg: 'field validation failed' } });
      expect(bad.body['error']).toMatchObject({ field_violations: [{ field: 'page_size', value: String(pageSize) }] });
    }
    expect((await get(sim, ADMIN, auth, { page_size: 100 })).status).toBe(200);
    const bigger = await start({ maxAdminPageSize: 400 });
    expect((await get(bigger, ADMIN, await bearer(bigger), { page_size: 400 })).status).toBe(200);
  });

  it('seconds by default: both bounds inclusive, latest defaults to now and oldest to 30 days before', async () => {
    const sim = await start();
    const at = (s: number, id: string): Row => ({ unique_id: id, create_time: String(s), user_id: 'a1', category_name: 'Security', event_name: 'x', ip_address: '203.0.113.9', operation_status: 1 });
    sim.addAdminLogs([at(NOW_S - 30 * DAY_S - 1, '1'), at(NOW_S - 30 * DAY_S, '2'), at(NOW_S - 600, '3'), at(NOW_S - 300, '4'), at(NOW_S, '5'), at(NOW_S + 1, '6')]);
    const auth = await bearer(sim);
    expect(ids(await allPages(sim, ADMIN, auth, { oldest: NOW_S - 600, latest: NOW_S - 300 }))).toEqual(['4', '3']);
    expect(ids(await allPages(sim, ADMIN, auth, {}))).toEqual(['5', '4', '3', '2']);
    const code = async (params: Params): Promise<unknown> => (await get(sim, ADMIN, auth, params)).body['code'];
    expect(await code({ oldest: NOW_S, latest: NOW_S - 1 })).toBe(99992402);
    expect(await code({ oldest: '1718400000.5' })).toBe(99992402);
    expect(await code({ latest: 'now' })).toBe(99992402);
    expect(await code({ oldest: NOW_S, latest: NOW_S })).toBe(0);
  });

  it('milliseconds with adminTimeUnit ms', async () => {
    const sim = await start({ adminTimeUnit: 'ms' });
    const items = sim.generateAdminLogs({ count: 60, fromSeconds: NOW_S - 100, toSeconds: NOW_S - 1, seed: 3 });
    expect(items.every((i) => /^\d{13}$/.test(i.create_time))).toBe(true);
    expect(items[0]?.create_time).toBe(String((NOW_S - 100) * 1000));
    expect(items.at(-1)?.create_time).toBe(String((NOW_S - 1) * 1000));
    expect(new Set(items.map((i) => i.create_time)).size).toBeLessThan(60); // some share a millisecond
    const auth = await bearer(sim);
    const pick = items[20] as (typeof items)[number];
    const exact = await allPages(sim, ADMIN, auth, { oldest: pick.create_time, latest: pick.create_time });
    expect(ids(exact).sort()).toEqual(items.filter((i) => i.create_time === pick.create_time).map((i) => i.unique_id).sort());
    expect(ids(await allPages(sim, ADMIN, auth, { page_size: 100 })).length).toBe(60); // default window in ms
    expect(() => sim.addAdminLogs([{ unique_id: 'x', create_time: String(NOW_S) }])).toThrow(/milliseconds/);
  });

  it('filters by user_id, category_name and event_name, and ties page tokens to the query', async () => {
    const sim = await start();
    const items = sim.generateAdminLogs({ count: 200, fromSeconds: NOW_S - 900, toSeconds: NOW_S, seed: 11 });
    const auth = await bearer(sim);
    const first = items[0] as (typeof items)[number];
    for (const field of ['user_id', 'category_name', 'event_name'] as const) {
      const got = ids(await allPages(sim, ADMIN, auth, { page_size: 50, user_id_type: 'open_id', [field]: first[field] }));
      const want = items.filter((i) => i[field] === first[field]).map((i) => i.unique_id);
      expect(got.sort()).toEqual(want.sort());
      expect(want.length).toBeLessThan(200);
    }
    expect((await get(sim, ADMIN, auth, { user_id_type: 'email' })).body['code']).toBe(99992402);
    const page = (await get(sim, ADMIN, auth, { page_size: 5 })).body['data'] as Page;
    expect((await get(sim, ADMIN, auth, { page_size: 5, event_name: 'x', page_token: page.page_token as string })).body['code']).toBe(99992402);
    expect((await get(sim, ADMIN, auth, { page_size: 5, page_token: page.page_token as string })).status).toBe(200);
  });

  it('late items: invisible until their time + visibleAfterSeconds, and never disturb a paging in progress', async () => {
    const sim = await start();
    const auth = await bearer(sim);
    const onTime = sim.generateAdminLogs({ count: 12, fromSeconds: NOW_S - 600, toSeconds: NOW_S - 300, seed: 1 });
    const late = sim.generateAdminLogs({ count: 3, fromSeconds: NOW_S - 30, toSeconds: NOW_S - 20, seed: 2, visibleAfterSeconds: 60 });
    const window = { oldest: NOW_S - 600, latest: NOW_S, page_size: 5 };
    const first = (await get(sim, ADMIN, auth, window)).body['data'] as Page;
    sim.advanceClock(40_000);
    const rest = await allPages(sim, ADMIN, auth, { ...window, page_token: first.page_token as string });
    expect(ids([first, ...rest]).sort()).toEqual(onTime.map((i) => i.unique_id).sort());
    const fresh = ids(await allPages(sim, ADMIN, auth, window));
    expect(fresh.length).toBe(15);
    expect(late.every((i) => fresh.includes(i.unique_id))).toBe(true);
  });

  it('generates deterministic, realistic, unique items', async () => {
    const [a, b] = [await start(), await start()];
    const options = { count: 300, fromSeconds: NOW_S - DAY_S, toSeconds: NOW_S, seed: 42 };
    const items = a.generateAdminLogs(options);
    expect(b.generateAdminLogs(options)).toEqual(items);
    expect(items[0]?.create_time).toBe(String(options.fromSeconds));
    expect(items.at(-1)?.create_time).toBe(String(options.toSeconds));
    expect(new Set(items.map((i) => i.unique_id)).size).toBe(300);
    expect(new Set(items.map((i) => i.create_time)).size).toBeLessThan(250);
    for (const item of items) {
      expect(Object.keys(item).sort()).toEqual(['category_name', 'content', 'create_time', 'event_name', 'ip_address', 'operation_status', 'unique_id', 'user_id']);
      expect(BigInt(item.unique_id) >> 32n).toBe(BigInt(item.create_time));
      expect([1, 2]).toContain(item.operation_status);
    }
    expect(items.filter((i) => i.content.startsWith('{')).every((i) => typeof JSON.parse(i.content) === 'object')).toBe(true);
    expect(new Set(items.map((i) => i.category_name)).size).toBeGreaterThan(3);
    const again = a.generateAdminLogs(options);
    expect(new Set([...items, ...again].map((i) => i.unique_id)).size).toBe(600);
    expect(() => a.addAdminLogs([{ create_time: String(NOW_S) }])).toThrow(/unique_id/);
    expect(() => a.addAdminLogs([{ unique_id: 'x', create_time: String(T0) }])).toThrow(/seconds/);
  });
});

describe('security endpoints: limits, faults and tokens', () => {
  const dlpQuery = { page_size: 10, start_time: T0 - 60_000, end_time: T0 };

  it('rate-limits per app per endpoint', async () => {
    const sim = await start({ rateLimitPerMinute: 2 });
    const auth = await bearer(sim);
    for (let i = 0; i < 2; i++) expect((await get(sim, ADMIN, auth)).status).toBe(200);
    const limited = await get(sim, ADMIN, auth);
    expect(limited).toMatchObject({ status: 429, body: { code: 99991400, msg: 'request trigger frequency limit' } });
    expect(limited.headers.get('x-ogw-ratelimit-limit')).toBe('2');
    expect(limited.headers.get('x-ogw-ratelimit-reset')).toBe('60');
    for (let i = 0; i < 2; i++) expect((await get(sim, DLP, auth, dlpQuery)).status).toBe(200);
    expect((await get(sim, DLP, auth, dlpQuery)).status).toBe(429);
    expect((await get(sim, AUDIT, auth)).status).toBe(200);
    expect(sim.stats.rateLimited).toBe(2);
    sim.advanceClock(60_000);
    expect((await get(sim, ADMIN, auth)).status).toBe(200);
  });

  it('applies injected faults to the named path only', async () => {
    const sim = await start();
    const auth = await bearer(sim);
    sim.inject({ kind: 'error', count: 1, status: 500, code: 1781001, msg: 'internal error' }, { path: 'dlp_execute_log' });
    sim.inject({ kind: 'rate-limit', count: 1, resetSeconds: 2 }, { path: 'admin_log' });
    sim.inject({ kind: 'malformed', count: 1 }, { path: 'admin_log' });
    expect((await get(sim, AUDIT, auth)).status).toBe(200);
    expect(await get(sim, DLP, auth, dlpQuery)).toMatchObject({ status: 500, body: { code: 1781001 } });
    expect((await get(sim, DLP, auth, dlpQuery)).status).toBe(200);
    const limited = await get(sim, ADMIN, auth);
    expect(limited).toMatchObject({ status: 429, body: { code: 99991400 } });
    expect(limited.headers.get('x-ogw-ratelimit-reset')).toBe('2');
    const malformed = await fetch(`${sim.url}${ADMIN}`, { headers: { authorization: auth } });
    expect(malformed.status).toBe(200);
    await expect(malformed.json()).rejects.toThrow();
    expect((await get(sim, ADMIN, auth)).status).toBe(200);
  });

  it('holds a request on a security path until close()', async () => {
    const sim = await startLarkSim({ now: () => T0 });
    const auth = await bearer(sim);
    sim.inject({ kind: 'hold', count: 1 }, { path: 'dlp_execute_log' });
    const outcome = fetch(`${sim.url}${DLP}?page_size=1&start_time=1&end_time=2`, { headers: { authorization: auth } }).then(() => 'answered', () => 'failed');
    while (sim.requests.length < 2) await new Promise((r) => setTimeout(r, 5));
    expect(await Promise.race([outcome, new Promise((r) => setTimeout(() => r('waiting'), 150))])).toBe('waiting');
    expect(sim.requests[1]).toMatchObject({ path: DLP, status: 0, code: -1 });
    await sim.close();
    expect(await outcome).toBe('failed');
  });

  it('counts requests that carry a token that was valid once, and records when tokens were minted', async () => {
    const sim = await start({ tokenLifetimeSeconds: 600, refreshWindowSeconds: 60 });
    const a = await bearer(sim);
    expect((await get(sim, ADMIN, a)).status).toBe(200);
    expect((await get(sim, AUDIT, `Bearer t-${'0'.repeat(40)}`)).body['code']).toBe(99991663); // never valid: not stale
    expect(sim.stats).toMatchObject({ staleTokenRequests: 0, expiredTokenRequests: 0, rejectedRequests: 1 });

    sim.advanceClock(600_000); // a expires
    expect((await get(sim, DLP, a, dlpQuery)).body['code']).toBe(99991663);
    sim.inject({ kind: 'error', count: 1, status: 500, code: 1500 }, { path: 'admin_log' });
    expect((await get(sim, ADMIN, a)).status).toBe(500); // answered by the fault, still counted
    expect(sim.stats).toMatchObject({ staleTokenRequests: 2, expiredTokenRequests: 2 });

    const b = await bearer(sim);
    expect((await get(sim, AUDIT, b)).status).toBe(200);
    sim.invalidateTokens();
    expect((await get(sim, AUDIT, b)).body['code']).toBe(99991663);
    expect(sim.stats).toMatchObject({ staleTokenRequests: 3, expiredTokenRequests: 2, rejectedRequests: 3 });
    await bearer(sim);
    expect(sim.stats.tokenIssuedAt).toEqual([T0, T0 + 600_000, T0 + 600_000]);
    expect(sim.stats.tokensIssued).toBe(3);
  });
});
