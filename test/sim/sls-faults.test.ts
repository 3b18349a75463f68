import { afterEach, describe, expect, it } from 'vitest';
import { startSlsSim, type SlsSim, type SlsSimOptions } from '../../sim/sls/index.ts';
import { LOGSTORE, NOW_S, T0, call, cursorOf, decodePull, pull, shardPath, tag } from './sls-helpers.ts';

let sim: SlsSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});
const start = async (options: SlsSimOptions = {}): Promise<SlsSim> => {
  sim = await startSlsSim({ now: () => T0, ...options });
  return sim;
};
const one = (i: number): Array<{ logs: Array<{ time: number; contents: Record<string, string> }> }> =>
  [{ logs: [{ time: NOW_S, contents: { seq: String(i), pad: 'abc'.repeat(100) } }] }];

describe('SLS sim: faults', () => {
  it('corrupt: valid headers, undecodable lz4 body; truncate: half the body; both only once', async () => {
    const s = await start();
    for (let i = 0; i < 10; i += 1) s.write(0, one(i));
    const begin = await cursorOf(s, 0, 'begin');
    const good = await pull(s, 0, begin);
    s.inject({ kind: 'corrupt', count: 1 }, { api: 'PullLogs' });
    const corrupt = await pull(s, 0, begin);
    expect(corrupt.status).toBe(200);
    expect(corrupt.headers['x-log-bodyrawsize']).toBe(good.headers['x-log-bodyrawsize']);
    expect(corrupt.headers['x-log-cursor']).toBe(good.headers['x-log-cursor']);
    expect(corrupt.body.equals(good.body)).toBe(false);
    expect(() => decodePull(corrupt)).toThrow();

    s.inject({ kind: 'truncate', count: 1 }, { api: 'PullLogs' });
    const truncated = await pull(s, 0, begin, 1000, { headers: { 'accept-encoding': 'deflate' } });
    expect(truncated.status).toBe(200);
    expect(() => decodePull(truncated)).toThrow();
    expect(decodePull(await pull(s, 0, begin))).toHaveLength(10);
    expect(s.requests.map((r) => r.errorCode).filter((c) => c !== '')).toEqual(['corrupt', 'truncate']);
  });

  it('faults limited to an API leave other APIs alone', async () => {
    const s = await start();
    s.inject({ kind: 'error', count: 2, status: 500, errorCode: 'InternalServerError', errorMessage: 'boom' }, { api: 'PullLogs' });
    const begin = await cursorOf(s, 0, 'begin');
    expect((await call(s, `/logstores/${LOGSTORE}/shards`)).status).toBe(200);
    const failed = await pull(s, 0, begin);
    expect(failed.status).toBe(500);
    expect(failed.json).toEqual({ errorCode: 'InternalServerError', errorMessage: 'boom' });
    expect((await pull(s, 0, begin)).status).toBe(500);
    expect((await pull(s, 0, begin)).status).toBe(200);
  });

  it('throttle: 403 ReadQuotaExceed for the next count requests of any API', async () => {
    const s = await start();
    s.inject({ kind: 'throttle', count: 2 });
    for (let i = 0; i < 2; i += 1) {
      const answer = await call(s, `/logstores/${LOGSTORE}/shards`);
      expect(answer.status).toBe(403);
      expect(answer.json).toEqual({ errorCode: 'ReadQuotaExceed', errorMessage: 'shard read quota exceed' });
    }
    expect((await call(s, `/logstores/${LOGSTORE}/shards`)).status).toBe(200);
    expect(s.stats.throttled).toBe(2);
  });

  it('readQpsPerShard limits pulls per shard per sliding second of sim time', async () => {
    const s = await start({ readQpsPerShard: 2 });
    const begin0 = await cursorOf(s, 0, 'begin');
    const begin1 = await cursorOf(s, 1, 'begin');
    expect((await pull(s, 0, begin0)).status).toBe(200);
    expect((await pull(s, 0, begin0)).status).toBe(200);
    const limited = await pull(s, 0, begin0);
    expect(limited.status).toBe(403);
    expect(limited.json).toMatchObject({ errorCode: 'ReadQuotaExceed' });
    expect((await pull(s, 1, begin1)).status).toBe(200);
    s.advanceClock(1001);
    expect((await pull(s, 0, begin0)).status).toBe(200);
    expect(s.stats.throttled).toBe(1);
  });

  it('hold: never answers until close()', async () => {
    const s = await start();
    s.inject({ kind: 'hold', count: 1 }, { api: 'GetCursor' });
    const held = call(s, shardPath(0), { query: { type: 'cursor', from: 'begin' } }).then(
      () => 'answered',
      () => 'closed',
    );
    const race = await Promise.race([held, new Promise((resolve) => setTimeout(() => resolve('waiting'), 200))]);
    expect(race).toBe('waiting');
    expect(s.requests.at(-1)).toMatchObject({ errorCode: 'held', status: 0 });
    await s.close();
    expect(await held).toBe('closed');
  });
});

describe('SLS sim: writeActionTrailEvents', () => {
  it('writes realistic events as {event: JSON} logs over shards by MD5(eventId), in groups', async () => {
    const s = await start({ shards: 3 });
    const written = s.writeActionTrailEvents({ count: 120, fromSeconds: NOW_S - 3600, toSeconds: NOW_S - 60, seed: 7, perGroup: 5 });
    expect(written).toHaveLength(120);
    const pulled = new Map<string, { shard: number; topic: string; time: number; receive: number }>();
    for (const shard of [0, 1, 2]) {
      const groups = decodePull(await pull(s, shard, await cursorOf(s, shard, 'begin')));
      for (const group of groups) {
        expect(group.Logs.length).toBeLessThanOrEqual(5);
        expect(group.Topic).toBe('actiontrail_audit_event');
        for (const entry of group.Logs) {
          expect(entry.Contents.map((c) => c.Key)).toEqual(['event']);
          const event = JSON.parse(entry.Contents[0]?.Value ?? '') as Record<string, unknown>;
          pulled.set(String(event['eventId']), { shard, topic: group.Topic ?? '', time: entry.Time, receive: Number(tag(group, '__receive_time__')) });
        }
      }
    }
    expect(pulled.size).toBe(120);
    const sizes = written.map((w) => JSON.stringify(w.event).length);
    expect(Math.min(...sizes)).toBeGreaterThan(500);
    expect(sizes.reduce((a, b) => a + b, 0) / sizes.length).toBeGreaterThan(900);
    for (const { shard, event } of written) {
      if (typeof event === 'string') throw new Error('no bad JSON expected');
      expect(event).toMatchObject({ eventId: expect.any(String), eventName: expect.any(String), userIdentity: expect.any(Object), acsRegion: expect.any(String) });
      const seen = pulled.get(String(event['eventId']));
      expect(seen?.shard).toBe(shard);
      expect(seen?.time).toBe(Date.parse(String(event['eventTime'])) / 1000);
      expect(seen?.receive).toBeGreaterThan(seen?.time ?? Infinity);
      expect(seen?.receive).toBeLessThan((seen?.time ?? 0) + 3600);
    }
    expect(new Set(written.map((w) => w.shard))).toEqual(new Set([0, 1, 2]));
  });

  it('topicVariantRate and badJsonRate', async () => {
    const s = await start();
    const written = s.writeActionTrailEvents({ count: 200, fromSeconds: NOW_S - 600, toSeconds: NOW_S, seed: 3, badJsonRate: 0.1, topicVariantRate: 0.5 });
    const bad = written.filter((w) => typeof w.event === 'string');
    expect(bad.length).toBeGreaterThan(5);
    expect(bad.length).toBeLessThan(40);
    const topics = new Map<string, number>();
    let invalid = 0;
    for (const shard of [0, 1]) {
      for (const group of decodePull(await pull(s, shard, await cursorOf(s, shard, 'begin')))) {
        topics.set(group.Topic ?? '', (topics.get(group.Topic ?? '') ?? 0) + 1);
        for (const entry of group.Logs) {
          const keys = entry.Contents.map((c) => c.Key);
          expect(keys).toEqual(group.Topic === 'actiontrail_event' ? ['event', 'owner_id'] : ['event']);
          try {
            JSON.parse(entry.Contents[0]?.Value ?? '');
          } catch {
            invalid += 1;
          }
        }
      }
    }
    expect(invalid).toBe(bad.length);
    expect([...topics.keys()].sort()).toEqual(['actiontrail_audit_event', 'actiontrail_event']);
  });
});

describe('SLS sim: consumer groups', () => {
  const groups = `/logstores/${LOGSTORE}/consumergroups`;
  const post = (s: SlsSim, path: string, query: Record<string, string>, body: unknown) =>
    call(s, path, { method: 'POST', query, body: JSON.stringify(body) });

  it('create, heartbeat assignment (one consumer, then two), checkpoints', async () => {
    const s = await start({ shards: 4 });
    expect((await post(s, groups, {}, { consumerGroup: 'cg', timeout: 60, order: false })).status).toBe(200);
    expect((await post(s, groups, {}, { consumerGroup: 'cg', timeout: 60, order: false })).json).toMatchObject({ errorCode: 'ConsumerGroupAlreadyExist' });
    expect((await call(s, groups)).json).toEqual([{ name: 'cg', timeout: 60, order: false }]);
    const beat = async (consumer: string, held: number[]): Promise<unknown> =>
      (await post(s, `${groups}/cg`, { type: 'heartbeat', consumer }, held)).json;
    expect(await beat('a', [])).toEqual([0, 1, 2, 3]);
    expect(await beat('b', [])).toEqual([]); // a was given everything
    expect(await beat('a', [0, 1, 2, 3])).toEqual([0, 2]); // rebalanced: a must let go of 1 and 3
    expect(await beat('b', [])).toEqual([]); // a has not released them yet
    expect(await beat('a', [0, 2])).toEqual([0, 2]);
    expect(await beat('b', [])).toEqual([1, 3]);
    s.advanceClock(61_000);
    expect(await beat('b', [1, 3])).toEqual([0, 1, 2, 3]); // a timed out

    const cursor = await cursorOf(s, 1, 'end');
    expect((await post(s, `${groups}/cg`, { type: 'checkpoint', consumer: 'b', forceSuccess: 'false' }, { shard: 1, checkpoint: cursor })).status).toBe(200);
    expect((await post(s, `${groups}/cg`, { type: 'checkpoint', consumer: 'zz', forceSuccess: 'false' }, { shard: 1, checkpoint: cursor })).status).toBe(400);
    expect((await post(s, `${groups}/cg`, { type: 'checkpoint', forceSuccess: 'false' }, { shard: 1, checkpoint: cursor })).status).toBe(400);
    expect((await post(s, `${groups}/cg`, { type: 'checkpoint', forceSuccess: 'true' }, { shard: 2, checkpoint: cursor })).json).toMatchObject({ errorCode: 'InvalidCursor' });
    const one = await call(s, `${groups}/cg`, { query: { shard: '1' } });
    expect(one.json).toEqual([{ shard: 1, checkpoint: cursor, updateTime: (T0 + 61_000) * 1000, consumer: 'b' }]);
    const all = (await call(s, `${groups}/cg`)).json as Array<Record<string, unknown>>;
    expect(all.map((r) => r['checkpoint'] === '' ? r['shard'] : -1)).toEqual([0, -1, 2, 3]);
    expect((await call(s, `${groups}/nope`)).json).toMatchObject({ errorCode: 'ConsumerGroupNotExist' });
  });
});
