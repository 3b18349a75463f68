import { describe, expect, it } from 'vitest';
import { DLP_EXECUTE_LOGS_PATH } from '../../sim/lark/index.ts';
import { DAY_S, DLP, NOW_S, T0, allPages, bearer, canonical, closeSimsAfterEach, get, start, type Page, type Params, type Row } from './security-helpers.ts';

closeSimsAfterEach();

describe('dlp_execute_logs parameters', () => {
  const window = { start_time: T0 - 3_600_000, end_time: T0 };

  it('requires page_size (1..maxDlpPageSize), start_time and end_time: 400 code 1781000', async () => {
    expect(DLP_EXECUTE_LOGS_PATH).toBe(DLP);
    const sim = await start();
    const auth = await bearer(sim);
    const invalid = { status: 400, body: { code: 1781000, msg: 'param invalid' } };
    for (const params of [
      window,
      { page_size: 10, end_time: T0 },
      { page_size: 10, start_time: T0 },
      { ...window, page_size: 0 },
      { ...window, page_size: 51 },
      { ...window, page_size: 'ten' },
      { page_size: 10, start_time: T0, end_time: T0 - 1 },
      { page_size: 10, start_time: '2024-06-15', end_time: T0 },
      { ...window, page_size: 10, locale: 'fr-FR' },
      { ...window, page_size: 10, actions: [1, 9] },
      { ...window, page_size: 10, actions: 'block' },
      { ...window, page_size: 10, apply_module: 5 },
      { ...window, page_size: 10, include_system_log: 'yes' },
      { ...window, page_size: 10, engine_type: 'x' },
      { ...window, page_size: 10, user_id_type: 'email' },
      { ...window, page_size: 10, page_token: 'garbage' },
    ]) {
      expect(await get(sim, DLP, auth, params)).toMatchObject(invalid);
    }
    expect((await get(sim, DLP, auth, { ...window, page_size: 50 })).body).toEqual({ code: 0, msg: 'success', data: { items: [], has_more: false } });
    const bigger = await start({ maxDlpPageSize: 100 });
    expect((await get(bigger, DLP, await bearer(bigger), { ...window, page_size: 100 })).status).toBe(200);
    expect(sim.stats.dlpRequests).toBe(17);
  });

  it('milliseconds by default, both bounds inclusive', async () => {
    const sim = await start();
    const row = (time: number, tag: string): Row => ({ time: String(time), user_name: tag, trigger_event_type: 'im_message_send' });
    sim.addDlpLogs([row(T0 - 1001, 'a'), row(T0 - 1000, 'b'), row(T0 - 500, 'c'), row(T0, 'd'), row(T0 + 1, 'e')]);
    const pages = await allPages(sim, DLP, await bearer(sim), { page_size: 10, start_time: T0 - 1000, end_time: T0 });
    expect(pages.flatMap((p) => p.items.map((i) => i['user_name']))).toEqual(['d', 'c', 'b']);
    const items = sim.generateDlpLogs({ count: 5, fromSeconds: NOW_S - 10, toSeconds: NOW_S, seed: 1 });
    expect(items.every((i) => /^\d{13}$/.test(i.time))).toBe(true);
    expect(() => sim.addDlpLogs([{ time: NOW_S }])).toThrow(/milliseconds/);
    expect(() => sim.addDlpLogs([{ time: 'soon' }])).toThrow(/time/);
  });

  it('seconds with dlpTimeUnit s', async () => {
    const sim = await start({ dlpTimeUnit: 's' });
    const items = sim.generateDlpLogs({ count: 30, fromSeconds: NOW_S - 100, toSeconds: NOW_S, seed: 2 });
    expect(items.every((i) => /^\d{10}$/.test(i.time))).toBe(true);
    const auth = await bearer(sim);
    const pages = await allPages(sim, DLP, auth, { page_size: 50, start_time: NOW_S - 100, end_time: NOW_S, include_system_log: 'true' });
    expect(pages.flatMap((p) => p.items).length).toBe(30);
    const edge = await allPages(sim, DLP, auth, { page_size: 50, start_time: NOW_S, end_time: NOW_S, include_system_log: 'true' });
    expect(edge.flatMap((p) => p.items).length).toBe(items.filter((i) => i.time === String(NOW_S)).length);
    expect(edge.flatMap((p) => p.items).length).toBeGreaterThan(0);
  });

  it('filters by apply_module, repeated actions, user_id, policy_name and include_system_log', async () => {
    const sim = await start();
    const rows = sim.generateDlpLogs({ count: 300, fromSeconds: NOW_S - 3000, toSeconds: NOW_S, seed: 5 });
    const auth = await bearer(sim);
    const fetchAll = async (params: Params): Promise<string[]> =>
      (await allPages(sim, DLP, auth, { page_size: 50, start_time: (NOW_S - 3000) * 1000, end_time: T0, ...params })).flatMap((p) => p.items.map(canonical)).sort();
    const want = (pred: (r: (typeof rows)[number]) => boolean): string[] => rows.filter(pred).map(canonical).sort();
    const system = (r: (typeof rows)[number]): boolean => r.trigger_event_type === 'system_scan';
    expect(rows.some(system)).toBe(true);
    expect(await fetchAll({})).toEqual(want((r) => !system(r)));
    expect(await fetchAll({ include_system_log: 'false' })).toEqual(want((r) => !system(r)));
    expect(await fetchAll({ include_system_log: 'true' })).toEqual(want(() => true));
    expect(await fetchAll({ apply_module: 99, include_system_log: 'true', locale: 'ja-JP', engine_type: 1 })).toEqual(want(() => true));
    expect(await fetchAll({ apply_module: 1 })).toEqual(want((r) => r.applicable_service === 'Messenger'));
    expect(await fetchAll({ actions: [1, 4] })).toEqual(want((r) => !system(r) && ['Block', 'Record only'].includes(r.system_action)));
    expect(sim.requests.at(-1)?.queryAll?.['actions']).toEqual(['1', '4']);
    const user = rows.find((r) => typeof r.user_id === 'number')?.user_id as number;
    const byUser = want((r) => !system(r) && String(r.user_id) === String(user));
    expect(new Set(rows.filter((r) => String(r.user_id) === String(user)).map((r) => typeof r.user_id))).toEqual(new Set(['number', 'string']));
    expect(await fetchAll({ user_id: user })).toEqual(byUser);
    const policy = rows[0]?.hit_policies[0]?.policy_name as string;
    expect(await fetchAll({ policy_name: policy, include_system_log: 'true' })).toEqual(want((r) => r.hit_policies.some((p) => p.policy_name === policy)));
  });
});

describe('dlp_execute_logs rows', () => {
  it('are realistic, distinct, deterministic, with ids sometimes numbers and sometimes strings', async () => {
    const [a, b] = [await start(), await start()];
    const options = { count: 400, fromSeconds: NOW_S - DAY_S, toSeconds: NOW_S, seed: 9 };
    const rows = a.generateDlpLogs(options);
    expect(b.generateDlpLogs(options)).toEqual(rows);
    expect(new Set(rows.map(canonical)).size).toBe(400);
    expect(rows[0]?.time).toBe(String(options.fromSeconds * 1000));
    expect(new Set(rows.map((r) => r.time.slice(0, 10))).size).toBeLessThan(300); // many share a second
    for (const field of ['user_id', 'chat_id', 'message_id', 'sender_id'] as const) {
      const types = new Set(rows.filter((r) => r[field] !== '').map((r) => typeof r[field]));
      expect(types).toEqual(new Set(['number', 'string']));
      expect(rows.every((r) => typeof r[field] !== 'number' || Number.isSafeInteger(r[field]))).toBe(true);
    }
    for (const row of rows) {
      expect(Object.keys(row)).toHaveLength(31);
      expect('unique_id' in row || 'id' in row).toBe(false);
      expect(row.hit_policies.length).toBeGreaterThan(0);
      expect(Object.keys(row.evidence_detail)).toHaveLength(8);
    }
    expect(new Set(rows.map((r) => r.applicable_service))).toEqual(new Set(['Messenger', 'Docs', 'Drive']));
    const json = JSON.stringify(rows);
    for (const escaped of ['\\"', '\\n', '\\\\', '\\t']) expect(json).toContain(escaped);
    const more = a.generateDlpLogs(options);
    expect(new Set([...rows, ...more].map(canonical)).size).toBe(800);
  });

  it('pages every row exactly once when dlpDuplicateRate is 0', async () => {
    const sim = await start();
    const rows = sim.generateDlpLogs({ count: 123, fromSeconds: NOW_S - 600, toSeconds: NOW_S, seed: 4 });
    const pages = await allPages(sim, DLP, await bearer(sim), { page_size: 10, start_time: (NOW_S - 600) * 1000, end_time: T0, include_system_log: 'true' });
    expect(pages.flatMap((p) => p.items.map(canonical)).sort()).toEqual(rows.map(canonical).sort());
    expect(pages.length).toBe(13);
    expect(sim.stats.dlpDuplicatesServed).toBe(0);
    expect(sim.stats.dlpPageSizes).toEqual(Array(13).fill(10));
  });

  it('repeats rows at dlpDuplicateRate, on the same page and the next, with shuffled keys', async () => {
    const sim = await start({ dlpDuplicateRate: 0.3 });
    const rows = sim.generateDlpLogs({ count: 300, fromSeconds: NOW_S - 3600, toSeconds: NOW_S, seed: 6 });
    const query = { page_size: 20, start_time: (NOW_S - 3600) * 1000, end_time: T0, include_system_log: 'true' };
    const auth = await bearer(sim);
    const pages = await allPages(sim, DLP, auth, query);
    const served = pages.flatMap((p) => p.items);
    expect(new Set(served.map(canonical))).toEqual(new Set(rows.map(canonical)));
    const duplicates = served.length - rows.length;
    expect(duplicates).toBe(sim.stats.dlpDuplicatesServed);
    expect(duplicates).toBeGreaterThan(300 * 0.3 * 0.7);
    expect(duplicates).toBeLessThan(300 * 0.3 * 1.3);
    expect(pages.every((p) => p.items.length <= 20)).toBe(true);
    expect(pages.slice(0, -1).every((p) => p.items.length === 20)).toBe(true);

    let samePage = 0;
    let nextPage = 0;
    const seen = new Map<string, { page: number; text: string }>();
    pages.forEach((page, index) => {
      for (const item of page.items) {
        const first = seen.get(canonical(item));
        if (first === undefined) {
          seen.set(canonical(item), { page: index, text: JSON.stringify(item) });
          continue;
        }
        expect(JSON.stringify(item)).not.toBe(first.text); // same content, other key order
        expect(index - first.page).toBeLessThanOrEqual(1);
        if (index === first.page) samePage += 1;
        else nextPage += 1;
      }
    });
    expect(samePage).toBeGreaterThan(0);
    expect(nextPage).toBeGreaterThan(0);
    expect(samePage + nextPage).toBe(duplicates);

    // A retried page is the same page; a new query plans its own duplicates.
    const second = pages[0]?.page_token as string;
    const retry = await get(sim, DLP, auth, { ...query, page_token: second });
    expect(retry.body['data']).toEqual(pages[1]);
  });

  it('puts a duplicate on the same and on the next page even at a tiny rate', async () => {
    const sim = await start({ dlpDuplicateRate: 0.001 });
    sim.generateDlpLogs({ count: 30, fromSeconds: NOW_S - 60, toSeconds: NOW_S, seed: 8 });
    const pages = await allPages(sim, DLP, await bearer(sim), { page_size: 10, start_time: T0 - 60_000, end_time: T0, include_system_log: 'true' });
    const [first, second] = pages.map((p) => p.items.map(canonical));
    expect(new Set(first).size).toBeLessThan(first?.length ?? 0);
    expect(second?.some((row) => first?.includes(row))).toBe(true);
    expect(sim.stats.dlpDuplicatesServed).toBeGreaterThanOrEqual(2);
  });

  it('late rows: invisible until their time + visibleAfterSeconds', async () => {
    const sim = await start();
    sim.addDlpLogs([{ time: String(T0 - 10_000), user_name: 'late' }], { visibleAfterSeconds: 120 });
    const auth = await bearer(sim);
    const count = async (): Promise<number> =>
      ((await get(sim, DLP, auth, { page_size: 5, start_time: T0 - 60_000, end_time: T0 + 200_000 })).body['data'] as Page).items.length;
    expect(await count()).toBe(0);
    sim.advanceClock(109_999);
    expect(await count()).toBe(0);
    sim.advanceClock(1);
    expect(await count()).toBe(1);
  });
});
