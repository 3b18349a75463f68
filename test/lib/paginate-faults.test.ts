// The paginators against vendor page faults injected by the simulators: a token repeated forever and an
// endless run of empty pages end in a `malformed` error after a bounded number of requests; a few empty
// pages are followed; resets are retried; invalid UTF-8 bytes arrive as U+FFFD.
import { afterEach, describe, expect, it } from 'vitest';
import {
  createActionTrailClient,
  createLarkClient,
  isActionTrailError,
  isLarkError,
  paginateAuditInfos,
  paginateLookupEvents,
  type LarkClient,
} from '../../lib/index.ts';
import { MAX_EMPTY_PAGES } from '../../lib/lark/paginate.ts';
import { DEFAULT_ACTIONTRAIL_SIM_CREDENTIAL, startActionTrailSim, type ActionTrailSim } from '../../sim/actiontrail/index.ts';
import { DEFAULT_LARK_SIM_APP, startLarkSim, type LarkSim } from '../../sim/lark/index.ts';

const fast = { minDelayMs: 5, maxDelayMs: 20, defaultRetryAfterMs: 10 };
const nowS = () => Math.floor(Date.now() / 1000);
const sims: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((sim) => sim.close()));
});

/** Every page until the paginator ends, and what it threw, if anything. */
async function drain<T>(pages: AsyncIterable<{ readonly items: readonly T[] }>): Promise<{ items: T[]; sizes: number[]; error: unknown }> {
  const items: T[] = [];
  const sizes: number[] = [];
  try {
    for await (const page of pages) {
      items.push(...page.items);
      sizes.push(page.items.length);
    }
    return { items, sizes, error: undefined };
  } catch (error) {
    return { items, sizes, error };
  }
}

describe('Lark paginator against page faults', () => {
  async function setup(count = 100): Promise<{ sim: LarkSim; client: LarkClient; ids: string[]; pages: () => ReturnType<typeof paginateAuditInfos> }> {
    const sim = await startLarkSim();
    sims.push(sim);
    const to = nowS() - 60;
    const ids = sim.generateEvents({ count, fromSeconds: to - 3000, toSeconds: to }).map((e) => e.unique_id);
    const client = createLarkClient({ appId: DEFAULT_LARK_SIM_APP.appId, appSecret: DEFAULT_LARK_SIM_APP.appSecret, baseUrl: sim.url, retry: fast, requestsPerMinute: 1e6 });
    return { sim, client, ids, pages: () => paginateAuditInfos(client, { oldest: to - 3000, latest: to, pageSize: 20 }) };
  }

  it('stops with a malformed error when the page_token sent comes back, after two requests and no repeated item', async () => {
    const { sim, pages } = await setup();
    sim.inject({ kind: 'repeat-page', count: 10_000 });
    const { items, error } = await drain(pages());
    expect(isLarkError(error) && error.kind).toBe('malformed');
    expect((error as Error).message).toMatch(/same page_token twice \(the one just sent\)/);
    expect(items).toHaveLength(40);
    expect(new Set(items.map((i) => i.unique_id)).size).toBe(40);
    expect(sim.stats.auditRequests).toBe(2);
  });

  it('follows empty pages with has_more and a fresh page_token to every event once', async () => {
    const { sim, ids, pages } = await setup();
    sim.inject({ kind: 'empty-page', count: 3 });
    const { items, sizes, error } = await drain(pages());
    expect(error).toBeUndefined();
    expect(sizes).toEqual([20, 0, 0, 0, 20, 20, 20, 20]);
    expect(items.map((i) => i.unique_id).sort()).toEqual([...ids].sort());
  });

  it(`gives up after ${MAX_EMPTY_PAGES} empty pages in a row, each with a new page_token`, async () => {
    const { sim, pages } = await setup();
    sim.inject({ kind: 'empty-page', count: MAX_EMPTY_PAGES + 500 });
    const { sizes, error } = await drain(pages());
    expect(isLarkError(error) && error.kind).toBe('malformed');
    expect((error as Error).message).toMatch(new RegExp(`${MAX_EMPTY_PAGES} empty pages in a row`));
    expect(sizes).toHaveLength(1 + MAX_EMPTY_PAGES);
    expect(sim.stats.auditRequests).toBe(1 + MAX_EMPTY_PAGES);
  });

  it(`follows ${MAX_EMPTY_PAGES - 1} empty pages in a row: the bound is not lower`, async () => {
    const { sim, ids, pages } = await setup();
    sim.inject({ kind: 'empty-page', count: MAX_EMPTY_PAGES - 1 });
    const { items, sizes, error } = await drain(pages());
    expect(error).toBeUndefined();
    expect(sizes.filter((size) => size === 0)).toHaveLength(MAX_EMPTY_PAGES - 1);
    expect(items.map((i) => i.unique_id).sort()).toEqual([...ids].sort());
  }, 30_000);

  it('retries a request whose connection was reset', async () => {
    const { sim, ids, pages } = await setup();
    sim.inject({ kind: 'reset', count: 2 });
    const { items, error } = await drain(pages());
    expect(error).toBeUndefined();
    expect(items.map((i) => i.unique_id).sort()).toEqual([...ids].sort());
    expect(sim.requests.filter((r) => r.path.endsWith('/audit_infos') && r.status === 0)).toHaveLength(2);
  });

  it('the sim sends raw invalid UTF-8; the client reads U+FFFD in their place and the ids intact', async () => {
    const { sim, client, ids, pages } = await setup();
    sim.inject({ kind: 'bad-utf8', count: 1 });
    const raw = await fetch(`${sim.url}/open-apis/admin/v1/audit_infos?page_size=20&oldest=${nowS() - 4000}&latest=${nowS()}`, {
      headers: { authorization: `Bearer ${await client.tokens.getToken()}` },
    });
    const bytes = Buffer.from(await raw.arrayBuffer());
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow(TypeError);
    for (const invalid of [[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80]]) expect(bytes.includes(Buffer.from(invalid))).toBe(true);

    sim.inject({ kind: 'bad-utf8', count: 1 });
    const { items, error } = await drain(pages());
    expect(error).toBeUndefined();
    expect(items.map((i) => i.unique_id).sort()).toEqual([...ids].sort());
    const marked = items.filter((item) => JSON.stringify(item).includes('\uFFFD'));
    expect(marked).toHaveLength(1);
    // Valid UTF-8 from here on: the text survives an encode/decode round trip unchanged.
    const text = JSON.stringify(marked[0]);
    expect(Buffer.from(text, 'utf8').toString('utf8')).toBe(text);
    expect(text).not.toMatch(/[\uD800-\uDFFF]/);
  });
});

describe('ActionTrail paginator against page faults', () => {
  async function setup(): Promise<{ sim: ActionTrailSim; ids: string[]; pages: () => ReturnType<typeof paginateLookupEvents> }> {
    const sim = await startActionTrailSim({ throttlePerSecond: 1_000_000 });
    sims.push(sim);
    const to = nowS() - 700;
    const ids = sim.generateEvents({ count: 100, fromSeconds: to - 3000, toSeconds: to }).map((e) => String(e['eventId']));
    const client = createActionTrailClient({ credentials: DEFAULT_ACTIONTRAIL_SIM_CREDENTIAL, baseUrl: sim.url, retry: fast, requestsPerSecond: 1e6 });
    return { sim, ids, pages: () => paginateLookupEvents(client, { startTime: to - 3000, endTime: to + 1, maxResults: 20 }) };
  }

  it('stops with a malformed error when the NextToken sent comes back, after two requests and no repeated event', async () => {
    const { sim, pages } = await setup();
    sim.inject({ kind: 'repeat-page', count: 10_000 });
    const { items, error } = await drain(pages());
    expect(isActionTrailError(error) && error.kind).toBe('malformed');
    expect((error as Error).message).toMatch(/same NextToken twice \(the one just sent\)/);
    expect(new Set(items.map((e) => e.eventId)).size).toBe(40);
    expect(items).toHaveLength(40);
    expect(sim.stats.requests).toBe(2);
  });

  it('follows empty pages with a fresh NextToken to every event once', async () => {
    const { sim, ids, pages } = await setup();
    sim.inject({ kind: 'empty-page', count: 3 });
    const { items, sizes, error } = await drain(pages());
    expect(error).toBeUndefined();
    expect(sizes).toEqual([20, 0, 0, 0, 20, 20, 20, 20]);
    expect(items.map((e) => String(e.eventId)).sort()).toEqual([...ids].sort());
  });

  it(`gives up after ${MAX_EMPTY_PAGES} empty pages in a row`, async () => {
    const { sim, pages } = await setup();
    sim.inject({ kind: 'empty-page', count: MAX_EMPTY_PAGES + 500 });
    const { error } = await drain(pages());
    expect(isActionTrailError(error) && error.kind).toBe('malformed');
    expect((error as Error).message).toMatch(new RegExp(`${MAX_EMPTY_PAGES} empty pages in a row`));
    expect(sim.stats.requests).toBe(1 + MAX_EMPTY_PAGES);
  }, 30_000);

  it('retries a request whose connection was reset', async () => {
    const { sim, ids, pages } = await setup();
    sim.inject({ kind: 'reset', count: 2 });
    const { items, error } = await drain(pages());
    expect(error).toBeUndefined();
    expect(items.map((e) => String(e.eventId)).sort()).toEqual([...ids].sort());
    expect(sim.requests.filter((r) => r.code === 'reset')).toHaveLength(2);
  });
});
