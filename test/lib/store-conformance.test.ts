import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createChunkedSeenSet,
  createLarkClient,
  createWindowedCheckpoint,
  isAuditpullError,
  openStateStore,
  type StateStoreOptions,
} from '../../lib/index.ts';
import { startLarkSim, type LarkSim } from '../../sim/lark/index.ts';
import { startPostgres, startRedis, type RunningServer } from '../helpers/servers.ts';

// One conformance suite, run against every state backend: SQLite (embedded), and real Redis and
// Postgres servers on loopback.

let redis: RunningServer;
let postgres: RunningServer;
let sim: LarkSim;
beforeAll(async () => {
  [redis, postgres, sim] = await Promise.all([startRedis(), startPostgres(), startLarkSim()]);
}, 60_000);
afterAll(async () => {
  await Promise.all([redis?.stop(), postgres?.stop(), sim?.close()]);
});

const backends: Array<[string, () => StateStoreOptions]> = [
  ['sqlite', () => ({ type: 'sqlite', path: join(mkdtempSync(join(tmpdir(), 'auditpull-conf-')), 'state.sqlite') })],
  ['redis', () => ({ type: 'redis', url: redis.url })],
  ['postgres', () => ({ type: 'postgres', url: postgres.url })],
];

describe.each(backends)('state store conformance: %s', (name, options) => {
  it('keeps versioned checkpoints and seen-set chunks, per namespace, across connections', async () => {
    const opts = options();
    const a = await openStateStore(opts, `ns-${name}-a`);
    const b = await openStateStore(opts, `ns-${name}-a`);
    const other = await openStateStore(opts, `ns-${name}-b`);
    const checkpoint = createWindowedCheckpoint(a, 'state:lark:1:audit_infos');
    const state = { version: 1 as const, initial_start_time_in_utc: '2026-01-01T00:00:00Z', last_run_datetime: '2026-01-02T00:00:00Z', last_ids: ['x', 'y'] };
    await checkpoint.save(state);
    expect(await createWindowedCheckpoint(b, 'state:lark:1:audit_infos').load()).toEqual(state);
    expect(await createWindowedCheckpoint(other, 'state:lark:1:audit_infos').load()).toBeUndefined();
    const seen = createChunkedSeenSet(a, 'state:x:window');
    await seen.write(0, ['1', '2']);
    await seen.write(1, ['3']);
    expect(await createChunkedSeenSet(b, 'state:x:window').load(2)).toEqual(new Set(['1', '2', '3']));
    await seen.clear(2);
    await expect(seen.load(1)).rejects.toSatisfy((e: unknown) => isAuditpullError(e) && e.id === 501);
    await a.set('state:corrupt', { version: 7 });
    await expect(createWindowedCheckpoint(b, 'state:corrupt').load()).rejects.toSatisfy((e: unknown) => isAuditpullError(e) && e.id === 501);
    await checkpoint.clear();
    expect(await checkpoint.load()).toBeUndefined();
    for (const s of [a, b, other]) await s.disconnect().catch(() => {}); // @keyv/postgres shares one pool per URL
  });

  it('shares one Lark tenant token between two processes’ connections', async () => {
    const opts = options();
    const [a, b] = [await openStateStore(opts, `tok-${name}`), await openStateStore(opts, `tok-${name}`)];
    const before = sim.stats.tokenRequests;
    const client = (store: typeof a) => createLarkClient({ appId: 'cli_sim_app', appSecret: 'sim-secret', baseUrl: sim.url, tokenStore: store });
    const token = await client(a).tokens.getToken();
    expect(await client(b).tokens.getToken()).toBe(token);
    expect(sim.stats.tokenRequests - before).toBe(1);
    for (const s of [a, b]) await s.disconnect().catch(() => {});
  });
});

describe('state store failures are coded, never swallowed', () => {
  it('an unreachable Redis or Postgres is StateError 500 with no password printed', async () => {
    for (const opts of [
      { type: 'redis', url: 'redis://:hunter2-secret@127.0.0.1:1' },
      { type: 'postgres', url: 'postgres://postgres:hunter2-secret@127.0.0.1:1/postgres' },
    ] as const) {
      const error = await openStateStore(opts).catch((e: unknown) => e);
      expect(isAuditpullError(error) && error.id, opts.type).toBe(500);
      expect(String(error)).not.toContain('hunter2-secret');
    }
  }, 60_000);

  it('a checkpoint write to a Redis that stays down is retried for retryForMs, then StateError 502', async () => {
    const own = await startRedis();
    const retries: string[] = [];
    const store = await openStateStore({ type: 'redis', url: own.url }, 'auditpull', { retryForMs: 3000, onRetry: (info) => retries.push(info.message) });
    const checkpoint = createWindowedCheckpoint(store, 'state:k');
    await own.stop();
    const started = Date.now();
    const error = await checkpoint
      .save({ version: 1, initial_start_time_in_utc: '2026-01-01T00:00:00Z', last_run_datetime: '2026-01-01T00:00:00Z', last_ids: [] })
      .catch((e: unknown) => e);
    expect(isAuditpullError(error) && error.id).toBe(502);
    expect(retries.length).toBeGreaterThan(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    await store.disconnect().catch(() => {});
  }, 60_000);

  it('a Redis restart between two writes costs a pause: the write after it lands, with the data Redis kept', async () => {
    const own = await startRedis({ persistent: true });
    const store = await openStateStore({ type: 'redis', url: own.url }, 'auditpull', { retryForMs: 20_000 });
    await store.set('before', 1);
    await own.stop();
    const restarted = new Promise((r) => setTimeout(r, 1000)).then(() => own.start());
    await store.set('during', 2);
    await restarted;
    expect(await store.get('before')).toBe(1);
    expect(await store.get('during')).toBe(2);
    await store.disconnect().catch(() => {});
    await own.stop();
  }, 60_000);
});
