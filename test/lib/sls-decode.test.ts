import { deflateRawSync, deflateSync } from 'node:zlib';
import { compressSync } from 'lz4-napi';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { decodePullLogsBody, flattenLogGroups, SLS_MAX_RAW_SIZE, type SlsLogGroup } from '../../lib/sls/decode.ts';
import { isSlsDecodeError, SlsDecodeError, type SlsDecodeErrorReason } from '../../lib/sls/errors.ts';

// The producer side, as in the Python/Go sls.proto, including the fields the decoder does not declare
// (Reserved/Category = 2, MachineUUID = 5), so skipping them is exercised too.
const { LogGroupList } = protobuf.parse(`
  syntax = "proto2";
  message Log { required uint32 Time = 1; message Content { required string Key = 1; required string Value = 2; }
                repeated Content Contents = 2; optional fixed32 Time_ns = 4; }
  message LogTag { required string Key = 1; required string Value = 2; }
  message LogGroup { repeated Log Logs = 1; optional string Reserved = 2; optional string Topic = 3;
                     optional string Source = 4; optional string MachineUUID = 5; repeated LogTag LogTags = 6; }
  message LogGroupList { repeated LogGroup logGroupList = 1; }
`, { keepCase: true }).root.nested as unknown as { LogGroupList: protobuf.Type };

interface PbGroup {
  Logs: Array<{ Time: number; Contents: Array<{ Key: string; Value: string }>; Time_ns?: number }>;
  Reserved?: string;
  Topic?: string;
  Source?: string;
  MachineUUID?: string;
  LogTags: Array<{ Key: string; Value: string }>;
}

function encode(groups: PbGroup[]): Uint8Array {
  return LogGroupList.encode(LogGroupList.fromObject({ logGroupList: groups })).finish();
}

/** lz4-napi's compressSync prefixes the block with its uncompressed length (u32 LE); SLS sends the bare block. */
function lz4Block(raw: Uint8Array): Uint8Array {
  const framed = compressSync(Buffer.from(raw));
  expect(framed.readUInt32LE(0)).toBe(raw.length);
  return framed.subarray(4);
}

function decodeError(run: () => unknown): SlsDecodeError {
  try {
    run();
  } catch (error) {
    expect(isSlsDecodeError(error)).toBe(true);
    return error as SlsDecodeError;
  }
  throw new Error('expected an SlsDecodeError');
}

function expectReason(run: () => unknown, reason: SlsDecodeErrorReason, message?: RegExp): void {
  const error = decodeError(run);
  expect(error.reason).toBe(reason);
  expect(error.name).toBe('SlsDecodeError');
  if (message) expect(error.message).toMatch(message);
}

const GROUPS: PbGroup[] = [
  {
    Topic: 'actiontrail_audit',
    Source: '10.0.0.1',
    Reserved: 'ignored',
    MachineUUID: 'm-1',
    LogTags: [{ Key: '__receive_time__', Value: '1700000001' }, { Key: '__client_ip__', Value: '203.0.113.9' }],
    Logs: [
      { Time: 1700000000, Time_ns: 123456789, Contents: [{ Key: 'event', Value: '{"eventName":"ConsoleSignin","userIdentity":{"userName":"张三"}}' }, { Key: 'emoji', Value: '🙂 ünïcödé' }, { Key: 'empty', Value: '' }] },
      { Time: 1700000002, Contents: [{ Key: '__time__', Value: 'content wins' }, { Key: '__proto__', Value: 'kept' }] },
    ],
  },
  { LogTags: [], Logs: [] },
  { Topic: '', LogTags: [], Logs: [{ Time: 0, Time_ns: 0, Contents: [] }] },
];

const EXPECTED: SlsLogGroup[] = [
  {
    topic: 'actiontrail_audit',
    source: '10.0.0.1',
    tags: { __receive_time__: '1700000001', __client_ip__: '203.0.113.9' },
    logs: [
      { time: 1700000000, timeNs: 123456789, contents: { event: '{"eventName":"ConsoleSignin","userIdentity":{"userName":"张三"}}', emoji: '🙂 ünïcödé', empty: '' } },
      { time: 1700000002, contents: JSON.parse('{"__time__":"content wins","__proto__":"kept"}') as Record<string, string> },
    ],
  },
  { tags: {}, logs: [] },
  { topic: '', tags: {}, logs: [{ time: 0, timeNs: 0, contents: {} }] },
];

describe('decodePullLogsBody', () => {
  const raw = encode(GROUPS);

  it('decodes a raw LZ4 block (lz4-napi output without its size prefix)', () => {
    const groups = decodePullLogsBody(lz4Block(raw), { compressType: 'lz4', rawSize: raw.length });
    expect(groups).toStrictEqual(EXPECTED);
    expect(Object.hasOwn(groups[0]?.logs[1]?.contents ?? {}, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(groups[0]?.logs[1]?.contents)).toBe(Object.prototype);
  });

  it('decodes zlib-wrapped deflate and, told apart by its header, raw deflate', () => {
    expect(decodePullLogsBody(deflateSync(raw), { compressType: 'deflate', rawSize: raw.length })).toStrictEqual(EXPECTED);
    expect(decodePullLogsBody(deflateRawSync(raw), { compressType: 'deflate', rawSize: raw.length })).toStrictEqual(EXPECTED);
  });

  it('decodes an uncompressed body', () => {
    expect(decodePullLogsBody(raw, { compressType: 'none', rawSize: raw.length })).toStrictEqual(EXPECTED);
  });

  it('returns [] for rawSize 0 with an empty body or an empty stream', () => {
    expect(decodePullLogsBody(new Uint8Array(0), { compressType: 'lz4', rawSize: 0 })).toEqual([]);
    expect(decodePullLogsBody(lz4Block(new Uint8Array(0)), { compressType: 'lz4', rawSize: 0 })).toEqual([]);
    expect(decodePullLogsBody(deflateSync(new Uint8Array(0)), { compressType: 'deflate', rawSize: 0 })).toEqual([]);
    expect(decodePullLogsBody(new Uint8Array(0), { compressType: 'none', rawSize: 0 })).toEqual([]);
  });

  it('rejects a corrupt LZ4 block: a match offset before the start of the output', () => {
    // 1 literal 'A', then a match 5 bytes back when only 1 byte is out.
    expectReason(() => decodePullLogsBody(new Uint8Array([0x10, 0x41, 0x05, 0x00, 0x00]), { compressType: 'lz4', rawSize: 5 }), 'lz4', /offset 5/);
    // Offset 0 is never valid.
    expectReason(() => decodePullLogsBody(new Uint8Array([0x10, 0x41, 0x00, 0x00, 0x00]), { compressType: 'lz4', rawSize: 5 }), 'lz4', /offset 0/);
  });

  it('rejects a truncated LZ4 block', () => {
    const block = lz4Block(raw);
    // Literals announced but cut off, and a block cut inside a match offset.
    expectReason(() => decodePullLogsBody(block.subarray(0, 10), { compressType: 'lz4', rawSize: raw.length }), 'lz4', /truncated/);
    expectReason(() => decodePullLogsBody(new Uint8Array([0x14, 0x41, 0x01]), { compressType: 'lz4', rawSize: 9 }), 'lz4', /truncated/);
    expectReason(() => decodePullLogsBody(new Uint8Array([0xf0, 0xff]), { compressType: 'lz4', rawSize: 400 }), 'lz4', /truncated/);
  });

  it('rejects a body that decompresses to another length than x-log-bodyrawsize', () => {
    expectReason(() => decodePullLogsBody(lz4Block(raw), { compressType: 'lz4', rawSize: raw.length + 1 }), 'size', new RegExp(`${raw.length} bytes`));
    expectReason(() => decodePullLogsBody(lz4Block(raw), { compressType: 'lz4', rawSize: raw.length - 1 }), 'size');
    expectReason(() => decodePullLogsBody(lz4Block(raw), { compressType: 'lz4', rawSize: 0 }), 'size');
    expectReason(() => decodePullLogsBody(deflateSync(raw), { compressType: 'deflate', rawSize: raw.length + 1 }), 'size');
    expectReason(() => decodePullLogsBody(deflateSync(raw), { compressType: 'deflate', rawSize: raw.length - 1 }), 'size', new RegExp(`inflates to ${raw.length} bytes`));
    expectReason(() => decodePullLogsBody(deflateSync(raw), { compressType: 'deflate', rawSize: 10 }), 'size', /more than/);
    expectReason(() => decodePullLogsBody(raw, { compressType: 'none', rawSize: raw.length - 1 }), 'size');
  });

  it('rejects a rawSize that is not a byte count or is above the cap, before decompressing', () => {
    for (const rawSize of [Number.NaN, -1, 1.5, Infinity]) {
      expectReason(() => decodePullLogsBody(lz4Block(raw), { compressType: 'lz4', rawSize }), 'size', /not a byte count/);
    }
    expectReason(() => decodePullLogsBody(lz4Block(raw), { compressType: 'lz4', rawSize: SLS_MAX_RAW_SIZE + 1 }), 'size', /cap/);
  });

  it('rejects a truncated or corrupt deflate stream', () => {
    const zipped = deflateSync(raw);
    expectReason(() => decodePullLogsBody(zipped.subarray(0, zipped.length - 8), { compressType: 'deflate', rawSize: raw.length }), 'deflate', /zlib/);
    const bad = Buffer.from(zipped);
    bad[2] = 0xff;
    expectReason(() => decodePullLogsBody(bad, { compressType: 'deflate', rawSize: raw.length }), 'deflate');
  });

  it('rejects bytes that are not a LogGroupList', () => {
    const garbage = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    expectReason(() => decodePullLogsBody(garbage, { compressType: 'none', rawSize: garbage.length }), 'protobuf', /invalid LogGroupList/);
    // A LogGroupList truncated in the middle of a group.
    expectReason(() => decodePullLogsBody(raw.subarray(0, raw.length - 3), { compressType: 'none', rawSize: raw.length - 3 }), 'protobuf');
    // A log without its required Time.
    const noTime = new Uint8Array([0x0a, 0x02, 0x0a, 0x00]);
    expectReason(() => decodePullLogsBody(noTime, { compressType: 'none', rawSize: noTime.length }), 'protobuf', /Time/);
    // Well-formed protobuf with only unknown fields holds no group: not a LogGroupList.
    const unknownOnly = new Uint8Array([0x10, 0x01]);
    expectReason(() => decodePullLogsBody(unknownOnly, { compressType: 'none', rawSize: unknownOnly.length }), 'protobuf', /no LogGroup/);
    // The same garbage behind LZ4.
    expectReason(() => decodePullLogsBody(lz4Block(garbage), { compressType: 'lz4', rawSize: garbage.length }), 'protobuf');
  });

  it('never throws anything but SlsDecodeError on a damaged LZ4 body', () => {
    const block = lz4Block(raw);
    let rejected = 0;
    for (let i = 0; i < block.length; i++) {
      for (const flip of [0x01, 0x80, 0xff]) {
        const damaged = Buffer.from(block);
        damaged[i] = (damaged[i] ?? 0) ^ flip;
        try {
          decodePullLogsBody(damaged, { compressType: 'lz4', rawSize: raw.length });
        } catch (error) {
          expect(isSlsDecodeError(error), String(error)).toBe(true);
          rejected++;
        }
      }
    }
    expect(rejected).toBeGreaterThan(0);
  });

  it('decodes 1000 log groups (a full PullLogs count) quickly', () => {
    const groups: PbGroup[] = Array.from({ length: 1000 }, (_, g) => ({
      Topic: 'actiontrail_audit',
      Source: `10.0.${g >> 8}.${g & 255}`,
      LogTags: [{ Key: '__receive_time__', Value: String(1700000000 + g) }],
      Logs: Array.from({ length: 5 }, (_, l) => ({
        Time: 1700000000 + g,
        Time_ns: l,
        Contents: [
          { Key: 'event', Value: JSON.stringify({ eventId: `${g}-${l}`, eventName: 'DescribeInstances', requestParameters: { RegionId: 'cn-hangzhou', PageSize: 100 } }) },
          { Key: 'acs:regionId', Value: 'cn-hangzhou' },
        ],
      })),
    }));
    const body = encode(groups);
    const block = lz4Block(body);
    const started = performance.now();
    const decoded = decodePullLogsBody(block, { compressType: 'lz4', rawSize: body.length });
    const flat = flattenLogGroups(decoded);
    const elapsed = performance.now() - started;
    expect(decoded).toHaveLength(1000);
    expect(flat).toHaveLength(5000);
    expect(flat[4999]).toEqual({
      __time__: '1700000999',
      __topic__: 'actiontrail_audit',
      __source__: '10.0.3.231',
      __time_ns_part__: '4',
      '__tag__:__receive_time__': '1700000999',
      event: JSON.stringify({ eventId: '999-4', eventName: 'DescribeInstances', requestParameters: { RegionId: 'cn-hangzhou', PageSize: 100 } }),
      'acs:regionId': 'cn-hangzhou',
    });
    expect(new Set(flat.map((r) => JSON.parse(r['event'] ?? '{}').eventId)).size).toBe(5000);
    // Generous bound for slow CI; it takes a few milliseconds.
    expect(elapsed).toBeLessThan(2000);
  });
});

describe('flattenLogGroups', () => {
  it('follows the Python SDK: time, topic, source, ns part, tags, then contents, contents winning', () => {
    const raw = encode(GROUPS);
    const flat = flattenLogGroups(decodePullLogsBody(raw, { compressType: 'none', rawSize: raw.length }));
    expect(flat).toStrictEqual([
      {
        __time__: '1700000000',
        __topic__: 'actiontrail_audit',
        __source__: '10.0.0.1',
        __time_ns_part__: '123456789',
        '__tag__:__receive_time__': '1700000001',
        '__tag__:__client_ip__': '203.0.113.9',
        event: '{"eventName":"ConsoleSignin","userIdentity":{"userName":"张三"}}',
        emoji: '🙂 ünïcödé',
        empty: '',
      },
      JSON.parse(
        '{"__time__":"content wins","__topic__":"actiontrail_audit","__source__":"10.0.0.1","__tag__:__receive_time__":"1700000001","__tag__:__client_ip__":"203.0.113.9","__proto__":"kept"}',
      ),
      // Empty groups give no records; topic and source default to '' and a zero ns part is left out.
      { __time__: '0', __topic__: '', __source__: '' },
    ]);
    expect(Object.keys(flat[0] ?? {})).toEqual([
      '__time__', '__topic__', '__source__', '__time_ns_part__', '__tag__:__receive_time__', '__tag__:__client_ip__', 'event', 'emoji', 'empty',
    ]);
  });
});
