import { afterEach, describe, expect, it } from 'vitest';
import { startSlsSim, type SlsSim, type SlsSimOptions } from '../../sim/sls/index.ts';
import { NOW_S, T0, call, cursorOf, decodePull, pull, shardPath, tag, type DecodedGroup } from './sls-helpers.ts';

let sim: SlsSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});
const start = async (options: SlsSimOptions = {}): Promise<SlsSim> => {
  sim = await startSlsSim({ now: () => T0, ...options });
  return sim;
};

const log = (i: number, extra: Record<string, string> = {}): { time: number; contents: Record<string, string> } => ({
  time: NOW_S - 100 + i,
  contents: { seq: String(i), msg: `line "${i}" — ü\n`, ...extra },
});

/** Pulls a shard from `cursor` until a pull returns no data; returns every group and the last answer's headers. */
async function drain(s: SlsSim, shard: number, cursor: string, count: number): Promise<{ groups: DecodedGroup[]; last: Record<string, string>; pulls: number }> {
  const groups: DecodedGroup[] = [];
  let next = cursor;
  for (let pulls = 1; ; pulls += 1) {
    const answer = await pull(s, shard, next, count);
    expect(answer.status).toBe(200);
    const page = decodePull(answer);
    expect(Number(answer.headers['x-log-count'])).toBe(page.length);
    if (page.length === 0) {
      expect(answer.headers['x-log-cursor']).toBe(next);
      return { groups, last: answer.headers, pulls };
    }
    groups.push(...page);
    next = answer.headers['x-log-cursor'] ?? '';
  }
}

describe('SLS sim: ListShards', () => {
  it('lists readwrite shards splitting the MD5 key space evenly', async () => {
    const s = await start({ shards: 4 });
    const answer = await call(s, '/logstores/actiontrail_sim-trail/shards');
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual([
      { shardID: 0, status: 'readwrite', inclusiveBeginKey: '0'.repeat(32), exclusiveEndKey: `4${'0'.repeat(31)}`, createTime: NOW_S },
      { shardID: 1, status: 'readwrite', inclusiveBeginKey: `4${'0'.repeat(31)}`, exclusiveEndKey: `8${'0'.repeat(31)}`, createTime: NOW_S },
      { shardID: 2, status: 'readwrite', inclusiveBeginKey: `8${'0'.repeat(31)}`, exclusiveEndKey: `c${'0'.repeat(31)}`, createTime: NOW_S },
      { shardID: 3, status: 'readwrite', inclusiveBeginKey: `c${'0'.repeat(31)}`, exclusiveEndKey: 'f'.repeat(32), createTime: NOW_S },
    ]);
  });
});

describe('SLS sim: GetCursor, GetCursorTime', () => {
  it('begin, end and receive-time cursors; cursor_time; unknown shard; bad from', async () => {
    const s = await start();
    s.write(0, [{ logs: [log(0)], receiveTime: NOW_S - 300 }, { logs: [log(1)], receiveTime: NOW_S - 200 }, { logs: [log(2)], receiveTime: NOW_S - 100 }]);
    const begin = await cursorOf(s, 0, 'begin');
    const end = await cursorOf(s, 0, 'end');
    expect(begin).not.toBe(end);
    expect(Buffer.from(begin, 'base64').toString()).toMatch(/^\d{19}$/);
    expect(await cursorOf(s, 0, '0')).toBe(begin);
    expect(await cursorOf(s, 0, String(NOW_S))).toBe(end);
    const mid = await cursorOf(s, 0, String(NOW_S - 250));
    const groups = decodePull(await pull(s, 0, mid));
    expect(groups.map((g) => g.Logs[0]?.Contents[0]?.Value)).toEqual(['1', '2']);
    expect(await cursorOf(s, 0, String(NOW_S - 200))).toBe(mid);

    const time = async (cursor: string): Promise<unknown> => (await call(s, shardPath(0), { query: { type: 'cursor_time', cursor } })).json;
    expect(await time(begin)).toEqual({ cursor_time: String(NOW_S - 300) });
    expect(await time(mid)).toEqual({ cursor_time: String(NOW_S - 200) });
    expect(await time(end)).toEqual({ cursor_time: String(NOW_S - 100) });

    expect((await call(s, shardPath(7), { query: { type: 'cursor', from: 'begin' } })).json).toMatchObject({ errorCode: 'ShardNotExist' });
    const bad = await call(s, shardPath(0), { query: { type: 'cursor', from: 'yesterday' } });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ errorCode: 'ParameterInvalid' });
  });

  it('refuses cursors that are not ours, from another shard, or out of range with 400 InvalidCursor', async () => {
    const s = await start();
    const other = await cursorOf(s, 1, 'begin');
    for (const cursor of ['MTIz', 'not base64!', other, Buffer.from('1500000000000000009').toString('base64'), '']) {
      const answer = await pull(s, 0, cursor);
      expect(answer.status).toBe(400);
      expect(answer.json).toMatchObject({ errorCode: 'InvalidCursor' });
    }
  });
});

describe('SLS sim: PullLogs', () => {
  it('pages a shard exactly once via x-log-cursor, then repeats the cursor with no data', async () => {
    const s = await start();
    for (let i = 0; i < 25; i += 1) {
      s.write(1, [{ topic: 't', source: '10.0.0.1', tags: { __hostname__: 'h1' }, logs: [log(i), log(i + 100)] }]);
    }
    const { groups, last, pulls } = await drain(s, 1, await cursorOf(s, 1, 'begin'), 7);
    expect(pulls).toBe(5);
    expect(groups.flatMap((g) => g.Logs.map((l) => l.Contents[0]?.Value))).toEqual(
      Array.from({ length: 25 }, (_, i) => [String(i), String(i + 100)]).flat(),
    );
    const first = groups[0] as DecodedGroup;
    expect(first.Topic).toBe('t');
    expect(first.Source).toBe('10.0.0.1');
    expect(first.Logs[0]).toMatchObject({ Time: NOW_S - 100, Contents: [{ Key: 'seq', Value: '0' }, { Key: 'msg', Value: 'line "0" — ü\n' }] });
    expect(tag(first, '__hostname__')).toBe('h1');
    expect(tag(first, '__receive_time__')).toBe(String(NOW_S));
    expect(tag(first, '__pack_id__')).toMatch(/^[0-9A-F]+-0$/);
    expect(last['x-log-end-of-cursor']).toBe('0');
    expect(last['x-log-bodyrawsize']).toBe('0');
    expect(s.stats.pulls).toBe(5);
  });

  it('count is 1..maxCount log groups; end_cursor bounds a pull; type=logs is accepted', async () => {
    const s = await start({ maxCount: 10 });
    s.write(0, Array.from({ length: 5 }, (_, i) => ({ logs: [log(i)] })));
    const begin = await cursorOf(s, 0, 'begin');
    for (const count of [0, 11, 1.5]) {
      const answer = await pull(s, 0, begin, count);
      expect(answer.status).toBe(400);
      expect(answer.json).toMatchObject({ errorCode: 'ParameterInvalid' });
    }
    const two = await pull(s, 0, begin, 2);
    expect(two.headers['x-log-count']).toBe('2');
    const stop = two.headers['x-log-cursor'] ?? '';
    const bounded = await pull(s, 0, begin, 10, { query: { end_cursor: stop } });
    expect(bounded.headers['x-log-count']).toBe('2');
    expect(bounded.headers['x-log-cursor']).toBe(stop);
    const logs = await pull(s, 0, stop, 10, { query: { type: 'logs' } });
    expect(decodePull(logs).map((g) => g.Logs[0]?.Contents[0]?.Value)).toEqual(['2', '3', '4']);
  });

  it('encodes lz4 (raw block), deflate (zlib) and none with matching headers', async () => {
    const s = await start();
    s.write(0, Array.from({ length: 30 }, (_, i) => ({ topic: 'same', logs: [log(i, { pad: 'x'.repeat(200) })] })));
    const begin = await cursorOf(s, 0, 'begin');
    const bodies = new Map<string, DecodedGroup[]>();
    for (const [encoding, type] of [['lz4', 'lz4'], ['deflate', 'deflate'], ['', undefined], ['zstd, deflate', 'deflate']] as const) {
      const answer = await pull(s, 0, begin, 100, { headers: { 'accept-encoding': encoding } });
      expect(answer.headers['x-log-compresstype']).toBe(type);
      expect(answer.headers['content-type']).toBe('application/x-protobuf');
      const raw = Number(answer.headers['x-log-bodyrawsize']);
      if (type === undefined) expect(answer.body.length).toBe(raw);
      else expect(answer.body.length).toBeLessThan(raw / 4);
      bodies.set(encoding, decodePull(answer));
    }
    const lz4 = bodies.get('lz4');
    expect(lz4).toHaveLength(30);
    for (const decoded of bodies.values()) expect(decoded).toEqual(lz4);
  });

  it('x-log-cursor-time and x-log-read-last-cursor follow the groups returned', async () => {
    const s = await start();
    s.write(0, [{ logs: [log(0)], receiveTime: NOW_S - 50 }, { logs: [log(1)], receiveTime: NOW_S - 40 }]);
    const answer = await pull(s, 0, await cursorOf(s, 0, 'begin'));
    expect(answer.headers['x-log-cursor-time']).toBe(String(NOW_S - 40));
    const time = await call(s, shardPath(0), { query: { type: 'cursor_time', cursor: answer.headers['x-log-read-last-cursor'] ?? '' } });
    expect(time.json).toEqual({ cursor_time: String(NOW_S - 40) });
  });
});

describe('SLS sim: split and merge', () => {
  it('a split parent is readonly, readable to its end, then x-log-end-of-cursor is 1', async () => {
    const s = await start();
    s.write(0, [{ logs: [log(0)] }, { logs: [log(1)] }]);
    const [left, right] = s.splitShard(0);
    expect([left, right]).toEqual([2, 3]);
    expect(() => s.write(0, [{ logs: [log(2)] }])).toThrow(/readonly/);
    s.write(left, [{ logs: [log(3)] }]);
    const shards = (await call(s, '/logstores/actiontrail_sim-trail/shards')).json as Array<Record<string, unknown>>;
    expect(shards.map((r) => [r['shardID'], r['status'], r['inclusiveBeginKey'], r['exclusiveEndKey']])).toEqual([
      [0, 'readonly', '0'.repeat(32), `8${'0'.repeat(31)}`],
      [1, 'readwrite', `8${'0'.repeat(31)}`, 'f'.repeat(32)],
      [2, 'readwrite', '0'.repeat(32), `4${'0'.repeat(31)}`],
      [3, 'readwrite', `4${'0'.repeat(31)}`, `8${'0'.repeat(31)}`],
    ]);
    const first = await pull(s, 0, await cursorOf(s, 0, 'begin'), 1);
    expect(first.headers['x-log-end-of-cursor']).toBe('0');
    const second = await pull(s, 0, first.headers['x-log-cursor'] ?? '', 1);
    expect(second.headers['x-log-end-of-cursor']).toBe('1');
    const after = await pull(s, 0, second.headers['x-log-cursor'] ?? '', 1);
    expect(after.headers['x-log-count']).toBe('0');
    expect(after.headers['x-log-end-of-cursor']).toBe('1');
    const child = await drain(s, left, await cursorOf(s, left, 'begin'), 10);
    expect(child.groups).toHaveLength(1);
    expect(child.last['x-log-end-of-cursor']).toBe('0');
  });

  it('merging adjacent shards makes both readonly; non-adjacent merges are refused', async () => {
    const s = await start({ shards: 3 });
    expect(() => s.mergeShards(0, 2)).toThrow(/adjacent/);
    s.write(1, [{ logs: [log(0)] }]);
    const merged = s.mergeShards(1, 2);
    expect(merged).toBe(3);
    const empty = await pull(s, 2, await cursorOf(s, 2, 'begin'));
    expect(empty.headers['x-log-end-of-cursor']).toBe('1');
    const { last } = await drain(s, 1, await cursorOf(s, 1, 'begin'), 10);
    expect(last['x-log-end-of-cursor']).toBe('1');
    const list = (await call(s, '/logstores/actiontrail_sim-trail/shards')).json as Array<Record<string, unknown>>;
    expect(list.at(-1)).toMatchObject({ shardID: 3, status: 'readwrite', exclusiveEndKey: 'f'.repeat(32) });
    expect(list.filter((r) => r['status'] === 'readonly').map((r) => r['shardID'])).toEqual([1, 2]);
  });
});
