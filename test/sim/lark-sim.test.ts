import { afterEach, describe, expect, it } from 'vitest';
import { startLarkSim, type LarkSim, type LarkSimOptions } from '../../sim/lark/index.ts';

const T0 = Date.UTC(2024, 5, 15, 12, 0, 0);
const NOW_S = T0 / 1000;
const MIN = 60_000;
const DAY_S = 86_400;
const TOKEN = '/open-apis/auth/v3/tenant_access_token/internal';
const AUDIT = '/open-apis/admin/v1/audit_infos';

const sims: LarkSim[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((sim) => sim.close()));
});

async function start(options: LarkSimOptions = {}): Promise<LarkSim> {
  const sim = await startLarkSim({ now: () => T0, ...options });
  sims.push(sim);
  return sim;
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

async function answer(response: Response): Promise<Answer> {
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: response.headers };
}

async function requestToken(sim: LarkSim, body: unknown = { app_id: 'cli_sim_app', app_secret: 'sim-secret' }): Promise<Answer> {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  return answer(await fetch(sim.url + TOKEN, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: payload }));
}

async function token(sim: LarkSim): Promise<string> {
  const { body } = await requestToken(sim);
  return body['tenant_access_token'] as string;
}

async function audit(sim: LarkSim, auth: string | undefined, params: Record<string, string | number> = {}): Promise<Answer> {
  const query = new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]));
  const headers: Record<string, string> = auth === undefined ? {} : { authorization: auth };
  return answer(await fetch(`${sim.url}${AUDIT}?${query}`, { headers }));
}

interface Page {
  has_more: boolean;
  page_token?: string;
  items: Array<Record<string, unknown>>;
}

/** Follows page_token to the end; returns every page. */
async function allPages(sim: LarkSim, auth: string, params: Record<string, string | number>): Promise<Page[]> {
  const pages: Page[] = [];
  let pageToken: string | undefined;
  do {
    const { status, body } = await audit(sim, auth, pageToken === undefined ? params : { ...params, page_token: pageToken });
    expect(status).toBe(200);
    expect(body['code']).toBe(0);
    const page = body['data'] as Page;
    pages.push(page);
    expect('page_token' in page).toBe(page.has_more);
    pageToken = page.page_token;
  } while (pageToken !== undefined);
  return pages;
}

describe('tenant_access_token', () => {
  it('returns the same token while >= 30 min remain, a new one below, and keeps the old one valid', async () => {
    const sim = await start();
    const first = await requestToken(sim);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ code: 0, msg: 'ok', tenant_access_token: expect.stringMatching(/^t-[0-9a-f]{40}$/), expire: 7200 });
    const a = first.body['tenant_access_token'] as string;

    sim.advanceClock(90 * MIN); // exactly 1800 s left: still the same token
    expect((await requestToken(sim)).body).toMatchObject({ tenant_access_token: a, expire: 1800 });

    sim.advanceClock(1000); // 1799 s left: a new token, the old one still valid
    const second = await requestToken(sim);
    const b = second.body['tenant_access_token'] as string;
    expect(b).not.toBe(a);
    expect(second.body['expire']).toBe(7200);
    expect((await audit(sim, `Bearer ${a}`)).status).toBe(200);
    expect((await audit(sim, `Bearer ${b}`)).status).toBe(200);
    expect(sim.stats).toMatchObject({ tokenRequests: 3, tokensIssued: 2 });

    sim.advanceClock(1799 * 1000); // a has expired
    expect((await audit(sim, `Bearer ${a}`)).body['code']).toBe(99991663);
    expect((await audit(sim, `Bearer ${b}`)).status).toBe(200);
  });

  it('never has more than two valid tokens for an app', async () => {
    const sim = await start();
    const seen = new Set<string>();
    for (let step = 0; step < 40; step++) {
      seen.add(await token(sim));
      let valid = 0;
      for (const t of seen) if ((await audit(sim, `Bearer ${t}`)).status === 200) valid += 1;
      expect(valid).toBeGreaterThanOrEqual(1);
      expect(valid).toBeLessThanOrEqual(2);
      sim.advanceClock(10 * MIN);
    }
    expect(seen.size).toBeGreaterThan(3);
  });

  it('rejects bad credentials and bodies', async () => {
    const sim = await start({ apps: [{ appId: 'cli_a', appSecret: 's3cret' }] });
    expect(await requestToken(sim, { app_id: 'cli_a', app_secret: 'wrong' })).toMatchObject({ status: 400, body: { code: 10014, msg: 'app secret invalid' } });
    expect(await requestToken(sim, { app_id: 'cli_b', app_secret: 's3cret' })).toMatchObject({ status: 400, body: { code: 10003 } });
    expect(await requestToken(sim, { app_id: 'cli_a' })).toMatchObject({ status: 400, body: { code: 10003 } });
    expect(await requestToken(sim, 'app_id=cli_a&app_secret=s3cret')).toMatchObject({ status: 400, body: { code: 10003 } });
    expect(await requestToken(sim, { app_id: 'cli_a', app_secret: 's3cret' })).toMatchObject({ status: 200, body: { code: 0 } });
    expect(sim.stats).toMatchObject({ tokenRequests: 5, tokensIssued: 1, rejectedRequests: 4 });
  });
});

describe('audit_infos authentication', () => {
  it('answers 99991661, 99991671 and 99991663', async () => {
    const sim = await start();
    const missing = await audit(sim, undefined);
    expect(missing).toMatchObject({ status: 400, body: { code: 99991661 } });
    expect(missing.body['msg']).toBe('Missing access token for authorization. Please make a request with token attached.');
    expect((await audit(sim, `t-${'0'.repeat(40)}`)).body['code']).toBe(99991661); // no "Bearer"
    expect(await audit(sim, 'Bearer u-abc')).toMatchObject({ status: 400, body: { code: 99991671 } });
    expect(await audit(sim, `Bearer t-${'0'.repeat(40)}`)).toMatchObject({
      status: 400,
      body: { code: 99991663, msg: 'Invalid access token for authorization. Please make a request with token attached.' },
    });
    expect(sim.stats.rejectedRequests).toBe(4);
    expect(sim.stats.auditRequests).toBe(4);
  });

  it('invalidateTokens makes every token invalid until a new one is fetched', async () => {
    const sim = await start();
    const before = await token(sim);
    expect((await audit(sim, `Bearer ${before}`)).status).toBe(200);
    sim.invalidateTokens();
    expect((await audit(sim, `Bearer ${before}`)).body['code']).toBe(99991663);
    const after = await token(sim);
    expect(after).not.toBe(before);
    expect((await audit(sim, `Bearer ${after}`)).body).toMatchObject({ code: 0, msg: 'success' });
    expect((await audit(sim, `Bearer ${before}`)).body['code']).toBe(99991663);
  });
});

describe('audit_infos paging and filters', () => {
  it('covers every event of a window exactly once for any page size', async () => {
    const sim = await start();
    const from = NOW_S - 3600;
    const events = sim.generateEvents({ count: 237, fromSeconds: from, toSeconds: NOW_S - 60, seed: 7 });
    sim.generateEvents({ count: 30, fromSeconds: NOW_S - 7200, toSeconds: from - 1, seed: 8 }); // outside the window
    const expected = events.map((e) => e.unique_id).sort();
    const auth = `Bearer ${await token(sim)}`;
    for (const pageSize of [1, 7, 20, 200, undefined]) {
      const params: Record<string, number> = { oldest: from, latest: NOW_S };
      if (pageSize !== undefined) params['page_size'] = pageSize;
      const pages = await allPages(sim, auth, params);
      const ids = pages.flatMap((p) => p.items.map((i) => i['unique_id'] as string));
      expect(ids.slice().sort()).toEqual(expected);
      expect(pages.slice(0, -1).every((p) => p.items.length === (pageSize ?? 20))).toBe(true);
      const times = pages.flatMap((p) => p.items.map((i) => i['event_time'] as number));
      expect(times).toEqual(times.slice().sort((a, b) => b - a)); // newest first
    }
    expect(sim.stats.pageSizes.slice(0, 3)).toEqual([1, 1, 1]);
    expect(sim.stats.pageSizes.at(-1)).toBe(20);
  });

  it('rejects page_size outside 1..200 with 1050005', async () => {
    const sim = await start();
    const auth = `Bearer ${await token(sim)}`;
    for (const pageSize of [0, 201, 'abc', -1, 1.5]) {
      expect(await audit(sim, auth, { page_size: pageSize })).toMatchObject({ status: 400, body: { code: 1050005 } });
    }
    expect((await audit(sim, auth, { page_size: 200 })).status).toBe(200);
  });

  it('includes both ends of [oldest, latest]', async () => {
    const sim = await start();
    const oldest = NOW_S - 600;
    const latest = NOW_S - 300;
    const at = (s: number, id: string): Record<string, unknown> => ({ unique_id: id, event_time: s, event_name: 'login', event_module: 6 });
    sim.addEvents([at(oldest - 1, '1'), at(oldest, '2'), at(oldest + 100, '3'), at(latest, '4'), at(latest + 1, '5')]);
    const pages = await allPages(sim, `Bearer ${await token(sim)}`, { oldest, latest });
    expect(pages.flatMap((p) => p.items.map((i) => i['unique_id']))).toEqual(['4', '3', '2']);
  });

  it('enforces the 30-day span, the 180-day retention and integer times', async () => {
    const sim = await start();
    const auth = `Bearer ${await token(sim)}`;
    const code = async (params: Record<string, string | number>): Promise<unknown> => (await audit(sim, auth, params)).body['code'];
    expect(await code({ oldest: NOW_S - 30 * DAY_S, latest: NOW_S })).toBe(0);
    expect(await code({ oldest: NOW_S - 30 * DAY_S - 1, latest: NOW_S })).toBe(1050001);
    expect(await code({ oldest: NOW_S, latest: NOW_S - 1 })).toBe(1050001);
    expect(await code({ oldest: NOW_S - 180 * DAY_S, latest: NOW_S - 170 * DAY_S })).toBe(0);
    expect(await code({ oldest: NOW_S - 180 * DAY_S - 1, latest: NOW_S - 170 * DAY_S })).toBe(1050001);
    expect(await code({ latest: NOW_S - 175 * DAY_S })).toBe(1050001); // default oldest = latest - 30 days
    const bad = await audit(sim, auth, { oldest: '1718400000.5' });
    expect(bad).toMatchObject({ status: 400, body: { code: 1050004 } });
    expect(await code({ oldest: NOW_S * 1000 - 60_000 })).toBe(1050001); // milliseconds are a time error
  });

  it('accepts only page tokens it issued for the same query', async () => {
    const sim = await start();
    sim.generateEvents({ count: 10, fromSeconds: NOW_S - 100, toSeconds: NOW_S - 1, seed: 3 });
    const auth = `Bearer ${await token(sim)}`;
    const query = { oldest: NOW_S - 100, latest: NOW_S, page_size: 3 };
    const first = (await audit(sim, auth, query)).body['data'] as Page;
    const pageToken = first.page_token as string;
    expect(pageToken).toMatch(/%2B/); // Lark-like: the client must percent-encode it
    const second = await audit(sim, auth, { ...query, page_token: pageToken });
    const again = await audit(sim, auth, { ...query, page_token: pageToken });
    expect(again.body).toEqual(second.body); // a retried page is the same page
    expect(await audit(sim, auth, { ...query, page_size: 5, page_token: pageToken })).toMatchObject({ status: 200 });
    for (const params of [
      { ...query, page_token: 'garbage' },
      { ...query, oldest: NOW_S - 99, page_token: pageToken },
      { ...query, event_module: 1, page_token: pageToken },
      { ...query, page_token: pageToken.replaceAll('%2B', '+') },
    ]) {
      expect(await audit(sim, auth, params)).toMatchObject({ status: 400, body: { code: 1050006 } });
    }
    // A raw (not percent-encoded) token is read as a different string.
    const raw = await fetch(`${sim.url}${AUDIT}?oldest=${query.oldest}&latest=${query.latest}&page_size=3&page_token=${pageToken}`, { headers: { authorization: auth } });
    expect(((await raw.json()) as { code: number }).code).toBe(1050006);
  });

  it('filters by event_name, event_module and operator', async () => {
    const sim = await start();
    const events = sim.generateEvents({ count: 300, fromSeconds: NOW_S - 3000, toSeconds: NOW_S - 10, seed: 11 });
    const auth = `Bearer ${await token(sim)}`;
    const window = { oldest: NOW_S - 3000, latest: NOW_S, page_size: 200, user_id_type: 'open_id' };
    const ids = async (params: Record<string, string | number>): Promise<string[]> =>
      (await allPages(sim, auth, { ...window, ...params })).flatMap((p) => p.items.map((i) => i['unique_id'] as string)).sort();
    const expectIds = (pred: (e: (typeof events)[number]) => boolean): string[] => events.filter(pred).map((e) => e.unique_id).sort();
    expect(await ids({ event_name: 'space_edit_doc' })).toEqual(expectIds((e) => e.event_name === 'space_edit_doc'));
    expect(await ids({ event_module: 2 })).toEqual(expectIds((e) => e.event_module === 2));
    const operator = events[0]?.operator_value as string;
    expect(await ids({ operator_type: 'user', operator_value: operator })).toEqual(expectIds((e) => e.operator_value === operator));
    expect((await audit(sim, auth, { operator_value: operator })).body['code']).toBe(1050004);
    expect((await audit(sim, auth, { event_module: 7 })).body['code']).toBe(1050011);
  });
});

describe('late events', () => {
  it('are invisible until event_time + visibleAfterSeconds, and never disturb a paging in progress', async () => {
    const sim = await start();
    const auth = `Bearer ${await token(sim)}`;
    const window = { oldest: NOW_S - 600, latest: NOW_S, page_size: 5 };
    const onTime = sim.generateEvents({ count: 12, fromSeconds: NOW_S - 600, toSeconds: NOW_S - 300, seed: 1 });
    const late = sim.generateEvents({ count: 4, fromSeconds: NOW_S - 30, toSeconds: NOW_S - 20, seed: 2, visibleAfterSeconds: 60 });

    const first = (await audit(sim, auth, window)).body['data'] as Page;
    sim.advanceClock(40_000); // the late events (event_time <= now - 20) are visible now
    const rest = await allPages(sim, auth, { ...window, page_token: first.page_token as string });
    const seen = [first, ...rest].flatMap((p) => p.items.map((i) => i['unique_id'] as string));
    expect(seen.slice().sort()).toEqual(onTime.map((e) => e.unique_id).sort());

    const fresh = await allPages(sim, auth, { ...window, latest: NOW_S + 40 });
    expect(fresh.flatMap((p) => p.items).length).toBe(16);
    expect(late.every((e) => fresh.some((p) => p.items.some((i) => i['unique_id'] === e.unique_id)))).toBe(true);
  });

  it('become visible exactly at event_time + visibleAfterSeconds', async () => {
    const sim = await start();
    sim.addEvents([{ unique_id: '7380000000000000001', event_time: NOW_S - 10 }], { visibleAfterSeconds: 120 });
    const auth = `Bearer ${await token(sim)}`;
    const count = async (): Promise<number> =>
      ((await audit(sim, auth, { oldest: NOW_S - 60, latest: NOW_S + 200 })).body['data'] as Page).items.length;
    expect(await count()).toBe(0);
    sim.advanceClock(109_999);
    expect(await count()).toBe(0);
    sim.advanceClock(1);
    expect(await count()).toBe(1);
  });
});

describe('faults and limits', () => {
  it('injected rate limits answer 429 (or 400) with the x-ogw headers', async () => {
    const sim = await start();
    const auth = `Bearer ${await token(sim)}`;
    sim.inject({ kind: 'rate-limit', count: 2, resetSeconds: 3 });
    sim.inject({ kind: 'rate-limit', count: 1, resetSeconds: 1, status: 400 });
    for (const status of [429, 429, 400]) {
      const limited = await audit(sim, auth);
      expect(limited).toMatchObject({ status, body: { code: 99991400, msg: 'request trigger frequency limit' } });
      expect(limited.headers.get('x-ogw-ratelimit-limit')).toBe('100');
    }
    expect(sim.requests.at(-3)?.status).toBe(429);
    expect((await audit(sim, auth)).status).toBe(200);
    expect(sim.stats.rateLimited).toBe(3);
  });

  it('rateLimitPerMinute limits per app per endpoint over a sliding minute', async () => {
    const sim = await start({ rateLimitPerMinute: 3 });
    const auth = `Bearer ${await token(sim)}`;
    for (let i = 0; i < 3; i++) {
      expect((await audit(sim, auth)).status).toBe(200);
      sim.advanceClock(10_000);
    }
    const limited = await audit(sim, auth);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-ogw-ratelimit-limit')).toBe('3');
    expect(limited.headers.get('x-ogw-ratelimit-reset')).toBe('30'); // first hit at +0 leaves the window at +60
    expect((await requestToken(sim)).status).toBe(200); // another endpoint, another budget
    sim.advanceClock(30_000);
    expect((await audit(sim, auth)).status).toBe(200);
  });

  it('hold never answers until close()', async () => {
    const sim = await startLarkSim({ now: () => T0 });
    const auth = `Bearer ${await token(sim)}`;
    sim.inject({ kind: 'hold', count: 1 });
    const pending = fetch(`${sim.url}${AUDIT}`, { headers: { authorization: auth } });
    const outcome = pending.then(
      () => 'answered',
      () => 'failed',
    );
    while (sim.requests.length < 2) await new Promise((r) => setTimeout(r, 5));
    const raced = await Promise.race([outcome, new Promise((r) => setTimeout(() => r('still waiting'), 200))]);
    expect(raced).toBe('still waiting');
    expect(sim.requests[1]).toMatchObject({ path: AUDIT, status: 0, code: -1 });
    await sim.close();
    expect(await outcome).toBe('failed');
  });

  it('malformed answers 200 with truncated JSON, once', async () => {
    const sim = await start();
    const auth = `Bearer ${await token(sim)}`;
    sim.inject({ kind: 'malformed', count: 1 });
    const response = await fetch(`${sim.url}${AUDIT}`, { headers: { authorization: auth } });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text.startsWith('{')).toBe(true);
    expect(() => JSON.parse(text) as unknown).toThrow();
    expect((await audit(sim, auth)).status).toBe(200);
  });

  it('error faults on either path', async () => {
    const sim = await start();
    sim.inject({ kind: 'error', count: 1, status: 500, code: 1050002, msg: 'DATABASE_ERR' });
    sim.inject({ kind: 'error', count: 1, status: 500, code: 10012, msg: 'get tenant access token fail' }, { path: 'token' });
    expect(await requestToken(sim)).toMatchObject({ status: 500, body: { code: 10012 } });
    const auth = `Bearer ${await token(sim)}`;
    expect(await audit(sim, auth)).toMatchObject({ status: 500, body: { code: 1050002, msg: 'DATABASE_ERR' } });
    expect((await audit(sim, auth)).status).toBe(200);
  });

  it('latencyMs delays every answer', async () => {
    const sim = await start({ latencyMs: 150 });
    const started = performance.now();
    expect((await requestToken(sim)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('answers 404 on other paths and logs every request', async () => {
    const sim = await start();
    const notFound = await answer(await fetch(`${sim.url}/open-apis/admin/v1/nope?x=1`));
    expect(notFound).toMatchObject({ status: 404, body: { code: 404, msg: 'not found' } });
    expect(sim.requests).toEqual([{ method: 'GET', path: '/open-apis/admin/v1/nope', query: { x: '1' }, status: 404, code: 404, at: T0 }]);
  });
});

describe('generated events', () => {
  it('are deterministic, complete, realistic and exercise JSON escaping', async () => {
    const a = await start();
    const b = await start();
    const options = { count: 400, fromSeconds: NOW_S - 86_400, toSeconds: NOW_S, seed: 42 };
    const events = a.generateEvents(options);
    expect(b.generateEvents(options)).toEqual(events);
    expect(events.length).toBe(400);
    expect(events[0]?.event_time).toBe(options.fromSeconds);
    expect(events.at(-1)?.event_time).toBe(options.toSeconds);
    expect(new Set(events.map((e) => e.unique_id)).size).toBe(400);
    expect(new Set(events.map((e) => e.event_id)).size).toBeLessThan(400);
    expect(new Set(events.map((e) => e.event_time)).size).toBeLessThan(300);
    for (const e of events) {
      expect(e.unique_id).toMatch(/^\d{19}$/);
      expect(BigInt(e.unique_id) >> 32n).toBe(BigInt(e.event_time));
      expect(Object.keys(e).sort()).toEqual([
        'audit_context', 'audit_detail', 'common_drawers', 'department_ids', 'event_id', 'event_module', 'event_name',
        'event_time', 'extend', 'ip', 'objects', 'operator_app', 'operator_app_name', 'operator_detail', 'operator_tenant',
        'operator_type', 'operator_value', 'recipients', 'unique_id',
      ]);
    }
    const json = JSON.stringify(events);
    for (const escaped of ['\\"', '\\n', '\\\\', '\\u0001']) expect(json).toContain(escaped);
    expect(json).toMatch(/[\u{1F300}-\u{1FAFF}]/u);
    expect(json).toContain('\u2028');
    expect(events.some((e) => e.ip.includes(':'))).toBe(true);

    // What the server returns is byte-for-byte what was generated.
    const pages = await allPages(a, `Bearer ${await token(a)}`, { oldest: options.fromSeconds, latest: NOW_S, page_size: 200 });
    const served = new Map(pages.flatMap((p) => p.items).map((i) => [i['unique_id'], i]));
    expect(events.every((e) => JSON.stringify(served.get(e.unique_id)) === JSON.stringify(e))).toBe(true);
  });

  it('keeps unique_id unique across calls and rejects bad fixtures', async () => {
    const sim = await start();
    const one = sim.generateEvents({ count: 50, fromSeconds: NOW_S - 5, toSeconds: NOW_S, seed: 5 });
    const two = sim.generateEvents({ count: 50, fromSeconds: NOW_S - 5, toSeconds: NOW_S, seed: 5 });
    expect(new Set([...one, ...two].map((e) => e.unique_id)).size).toBe(100);
    expect(() => sim.addEvents([{ unique_id: 'x', event_time: T0 }])).toThrow(/seconds/);
    expect(() => sim.addEvents([{ event_time: NOW_S }])).toThrow(/unique_id/);
  });
});
