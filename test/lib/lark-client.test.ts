import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Keyv from 'keyv';
import { createLarkClient, isLarkError, openStateStore, paginateAuditInfos, type LarkClient } from '../../lib/index.ts';
import { startLarkSim, type LarkSim } from '../../sim/lark/index.ts';

let sim: LarkSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const fast = { minDelayMs: 5, maxDelayMs: 20, defaultRetryAfterMs: 10 };

function client(s: LarkSim, extra: Partial<Parameters<typeof createLarkClient>[0]> = {}): LarkClient {
  return createLarkClient({ appId: 'cli_sim_app', appSecret: 'sim-secret', baseUrl: s.url, retry: fast, ...extra });
}

async function collect(c: LarkClient, oldest: number, latest: number, pageSize?: number) {
  const pages = [];
  for await (const page of paginateAuditInfos(c, { oldest, latest, ...(pageSize ? { pageSize } : {}) })) pages.push(page);
  return pages;
}

describe('Lark client against the simulator', () => {
  it('pages through a window with the configured page size until has_more is false', async () => {
    sim = await startLarkSim();
    const nowS = Math.floor(Date.now() / 1000);
    const events = sim.generateEvents({ count: 450, fromSeconds: nowS - 3000, toSeconds: nowS - 60 });
    const pages = await collect(client(sim), nowS - 3000, nowS - 60, 200);
    expect(pages.map((p) => p.items.length)).toEqual([200, 200, 50]);
    expect(pages.at(-1)?.hasMore).toBe(false);
    const ids = new Set(pages.flatMap((p) => p.items.map((i) => i.unique_id)));
    expect(ids).toEqual(new Set(events.map((e) => e.unique_id)));
    expect(sim.stats.pageSizes).toEqual([200, 200, 200]);
    // Default page size is 100, not Lark's 20.
    await collect(client(sim), nowS - 3000, nowS - 60);
    expect(sim.stats.pageSizes.slice(3)).toEqual([100, 100, 100, 100, 100]);
    await expect(collect(client(sim), nowS - 10, nowS, 201)).rejects.toThrow(RangeError);
  });

  it('keeps one token fetch in flight and shares the token through a Keyv store', async () => {
    sim = await startLarkSim({ latencyMs: 30 });
    const store = new Keyv();
    const a = client(sim, { tokenStore: store });
    const tokens = await Promise.all(Array.from({ length: 20 }, () => a.tokens.getToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(sim.stats.tokenRequests).toBe(1);
    // A second client (another service or process) on the same store reuses it.
    const b = client(sim, { tokenStore: store });
    expect(await b.tokens.getToken()).toBe(tokens[0]);
    expect(sim.stats.tokenRequests).toBe(1);
  });

  it('shares the token between separate state-store connections to one SQLite file, as processes do', async () => {
    sim = await startLarkSim();
    const path = join(mkdtempSync(join(tmpdir(), 'auditpull-tok-')), 'state.sqlite');
    const [storeA, storeB] = [await openStateStore({ type: 'sqlite', path }), await openStateStore({ type: 'sqlite', path })];
    const a = client(sim, { tokenStore: storeA });
    const b = client(sim, { tokenStore: storeB });
    const token = await a.tokens.getToken();
    expect(await b.tokens.getToken()).toBe(token);
    expect(sim.stats.tokenRequests).toBe(1);
    // b was told the shared token is dead: it drops it for both.
    sim.invalidateTokens();
    await b.tokens.invalidate(token);
    const next = await a.tokens.getToken();
    expect(next).not.toBe(token);
    expect(await b.tokens.getToken()).toBe(next);
    expect(sim.stats.tokenRequests).toBe(2);
  });

  it('reuses the token until less than 30 minutes remain, then gets the new one Lark issues', async () => {
    let offset = 0;
    const now = () => Date.now() + offset;
    sim = await startLarkSim({ now });
    const c = client(sim, { now });
    const first = await c.tokens.getToken();
    offset = 89 * 60_000; // 31 minutes left
    expect(await c.tokens.getToken()).toBe(first);
    expect(sim.stats.tokenRequests).toBe(1);
    offset = 90 * 60_000; // exactly 30 minutes left: still reused (we ask at 29, so Lark's answer is new)
    expect(await c.tokens.getToken()).toBe(first);
    offset = 91 * 60_000 + 1000; // under 29 minutes left: a new token, the old one still valid
    const second = await c.tokens.getToken();
    expect(second).not.toBe(first);
    expect(sim.stats.tokenRequests).toBe(2);
    expect(sim.stats.tokensIssued).toBe(2);
  });

  it('drops a rejected token, fetches a new one and retries once; the body code counts whatever the status', async () => {
    sim = await startLarkSim();
    const c = client(sim);
    const nowS = Math.floor(Date.now() / 1000);
    sim.generateEvents({ count: 5, fromSeconds: nowS - 100, toSeconds: nowS - 50 });
    await collect(c, nowS - 100, nowS);
    sim.invalidateTokens();
    const pages = await collect(c, nowS - 100, nowS);
    expect(pages[0]?.items).toHaveLength(5);
    expect(sim.stats.tokenRequests).toBe(2);
    expect(sim.stats.rejectedRequests).toBe(1);
    // Lark sometimes sends 99991663 with HTTP 200.
    sim.inject({ kind: 'error', count: 1, status: 200, code: 99991663, msg: 'Invalid access token' });
    expect((await collect(c, nowS - 100, nowS))[0]?.items).toHaveLength(5);
    expect(sim.stats.tokenRequests).toBe(3);
  });

  it('retries 429 after x-ogw-ratelimit-reset, 5xx, internal codes and malformed bodies; never a parameter error', async () => {
    sim = await startLarkSim();
    const c = client(sim);
    const nowS = Math.floor(Date.now() / 1000);
    sim.generateEvents({ count: 3, fromSeconds: nowS - 100, toSeconds: nowS - 50 });
    sim.inject({ kind: 'rate-limit', count: 1, resetSeconds: 1 });
    sim.inject({ kind: 'rate-limit', count: 1, resetSeconds: 0, status: 400 });
    const started = Date.now();
    expect((await collect(c, nowS - 100, nowS))[0]?.items).toHaveLength(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    sim.inject({ kind: 'error', count: 1, status: 500, code: 1050002, msg: 'DATABASE_ERR' });
    sim.inject({ kind: 'malformed', count: 1 });
    sim.inject({ kind: 'error', count: 1, status: 503, code: 1000003 });
    expect((await collect(c, nowS - 100, nowS))[0]?.items).toHaveLength(3);
    const before = sim.stats.auditRequests;
    const error = await collect(c, nowS - 40 * 86_400, nowS).catch((e: unknown) => e);
    expect(isLarkError(error) && [error.kind, error.status, error.code]).toEqual(['api', 400, 1050001]);
    expect(sim.stats.auditRequests - before).toBe(1);
  });

  it('reports a wrong secret as a token API error without the secret', async () => {
    sim = await startLarkSim();
    const c = createLarkClient({ appId: 'cli_sim_app', appSecret: 'not-the-secret', baseUrl: sim.url, retry: fast });
    const error = await c.tokens.getToken().catch((e: unknown) => e);
    expect(isLarkError(error) && error.operation).toBe('tenant_access_token');
    expect(isLarkError(error) && error.kind).toBe('api');
    expect(String(error)).not.toContain('not-the-secret');
    expect(sim.stats.tokenRequests).toBe(1);
  });
});
