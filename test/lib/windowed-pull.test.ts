import { afterEach, describe, expect, it } from 'vitest';
import {
  createChunkedSeenSet,
  createLarkClient,
  createWindowedCheckpoint,
  isLarkError,
  loadOrInitWindowedState,
  noopLogger,
  openStateStore,
  paginateAuditInfos,
  pullWindows,
  type AuditInfo,
} from '../../lib/index.ts';
import { startLarkSim, type LarkSim } from '../../sim/lark/index.ts';

let sim: LarkSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const T0 = Date.parse('2026-11-20T12:00:00Z');

/** A collector cycle as the runner composes it, on a clock the test moves. */
async function setup(overlapSeconds: number, extra: { retentionSeconds?: number; start?: string; logs?: string[]; maxWindowSeconds?: number } = {}) {
  let clock = T0;
  const now = () => clock;
  sim = await startLarkSim({ now });
  const store = await openStateStore({ type: 'memory' });
  const client = createLarkClient({ appId: 'cli_sim_app', appSecret: 'sim-secret', baseUrl: sim.url, now, requestsPerMinute: 1_000_000, retry: { minDelayMs: 5, maxDelayMs: 10 } });
  const checkpoint = createWindowedCheckpoint(store, 'state:t');
  const seen = createChunkedSeenSet(store, 'state:t:window');
  const sent: string[] = [];
  const cycle = async () => {
    const logger = { ...noopLogger, warn: (m: string) => extra.logs?.push(m) };
    const state = await loadOrInitWindowedState(checkpoint, extra.start ?? new Date(T0 - 3600_000).toISOString(), '', logger);
    return pullWindows<AuditInfo>({
      checkpoint,
      seen,
      state,
      fetchPages: (w) => paginateAuditInfos(client, w),
      idOf: (i) => String(i.unique_id),
      timeOf: (i) => Number(i.event_time),
      deliver: async (items) => void sent.push(...items.map((i) => String(i.unique_id))),
      lagSeconds: 60,
      maxWindowSeconds: extra.maxWindowSeconds ?? 3600,
      overlapSeconds,
      ...(extra.retentionSeconds ? { retentionSeconds: extra.retentionSeconds } : {}),
      now,
      logger,
    });
  };
  return { advance: (ms: number) => (clock += ms), cycle, sent, sim: sim! };
}

describe('pullWindows', () => {
  it('collects events the API shows late when they fall in overlap_seconds, without resending others', async () => {
    const t = await setup(300);
    const s0 = T0 / 1000;
    t.sim.addEvents([{ unique_id: 'on-time', event_time: s0 - 100, event_name: 'x', event_module: 1 }]);
    t.sim.addEvents([{ unique_id: 'late', event_time: s0 - 100, event_name: 'x', event_module: 1 }], { visibleAfterSeconds: 150 });
    await t.cycle();
    expect(t.sent).toEqual(['on-time']);
    t.advance(60_000);
    const second = await t.cycle();
    expect(t.sent).toEqual(['on-time', 'late']);
    expect(second.duplicates).toBe(1);
    t.advance(60_000);
    await t.cycle();
    expect(t.sent).toEqual(['on-time', 'late']);
  });

  it('without overlap an event shown later than the lag is missed (why overlap_seconds exists)', async () => {
    const t = await setup(0);
    const s0 = T0 / 1000;
    t.sim.addEvents([{ unique_id: 'late', event_time: s0 - 100, event_name: 'x', event_module: 1 }], { visibleAfterSeconds: 150 });
    await t.cycle();
    t.advance(60_000);
    await t.cycle();
    expect(t.sent).toEqual([]);
  });

  it('backfills windows with overlap without looping or duplicating', async () => {
    const t = await setup(120);
    const s0 = T0 / 1000;
    const events = t.sim.generateEvents({ count: 500, fromSeconds: s0 - 3500, toSeconds: s0 - 61 });
    const stats = await t.cycle();
    expect(new Set(t.sent).size).toBe(500);
    expect(t.sent).toHaveLength(500);
    expect(stats.windows).toBe(1);
    expect(new Set(t.sent)).toEqual(new Set(events.map((e) => e.unique_id)));
  });
});

describe('API limits', () => {
  it('moves a start older than the 180-day retention forward with a warning instead of looping on 1050001', async () => {
    const logs: string[] = [];
    const t = await setup(0, { retentionSeconds: 180 * 86_400, start: new Date(T0 - 200 * 86_400_000).toISOString(), logs, maxWindowSeconds: 30 * 86_400 });
    const s0 = T0 / 1000;
    const events = t.sim.generateEvents({ count: 50, fromSeconds: s0 - 179 * 86_400, toSeconds: s0 - 178 * 86_400 });
    const stats = await t.cycle().catch((e: unknown) => e);
    expect(stats).not.toBeInstanceOf(Error);
    expect(logs.some((l) => l.includes('older than the API keeps'))).toBe(true);
    expect(new Set(t.sent)).toEqual(new Set(events.map((e) => e.unique_id)));
    // Every query stayed inside Lark's limits: no span over 30 days, nothing older than 180 days.
    const queries = t.sim.requests.filter((r) => r.path.endsWith('/audit_infos'));
    expect(queries.every((r) => r.status === 200)).toBe(true);
  });
});

describe('paginator guards', () => {
  it('treats has_more without a page_token as a malformed answer, never as the end', async () => {
    const fetchStub: typeof fetch = async (input) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (url.pathname.endsWith('/tenant_access_token/internal')) {
        return Response.json({ code: 0, msg: 'ok', tenant_access_token: 't-x', expire: 7200 });
      }
      return Response.json({ code: 0, msg: 'success', data: { has_more: true, items: [{ unique_id: '1', event_time: 1, event_name: 'x', event_module: 1 }] } });
    };
    const client = createLarkClient({ appId: 'a', appSecret: 'b', baseUrl: 'http://127.0.0.1:9', fetch: fetchStub, retry: { retries: 0 } });
    const error = await (async () => {
      for await (const _ of paginateAuditInfos(client, { oldest: 0, latest: 10 }));
    })().catch((e: unknown) => e);
    expect(isLarkError(error) && error.kind).toBe('malformed');
  });

  it('retries a token endpoint 5xx instead of calling it a credentials error', async () => {
    sim = await startLarkSim();
    sim.inject({ kind: 'error', count: 2, status: 503, code: 1000003 }, { path: 'token' });
    const client = createLarkClient({ appId: 'cli_sim_app', appSecret: 'sim-secret', baseUrl: sim.url, retry: { minDelayMs: 5, maxDelayMs: 10 } });
    expect(await client.tokens.getToken()).toMatch(/^t-/);
    expect(sim.stats.tokenRequests).toBe(3);
  });
});
