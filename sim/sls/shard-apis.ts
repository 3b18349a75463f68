/**
 * `GET /logstores/{ls}/shards/{id}`: GetCursor (`type=cursor`), GetCursorTime (`type=cursor_time`)
 * and PullLogs (`type=log`, or `logs` as the Go SDK sends).
 */
import { deflateSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { encodeLogGroupList } from './protobuf.ts';
import { errors, type SlsReply } from './replies.ts';
import { cursorTime, offsetAtTime, type Shard } from './shard-store.ts';

export type ShardApi = 'GetCursor' | 'GetCursorTime' | 'PullLogs';

export function shardApiOf(type: string | null): ShardApi | undefined {
  if (type === 'cursor') return 'GetCursor';
  if (type === 'cursor_time') return 'GetCursorTime';
  if (type === 'log' || type === 'logs') return 'PullLogs';
  return undefined;
}

/** The offset a cursor names on this shard, or an InvalidCursor error. */
function offsetOf(shard: Shard, cursor: string | null, name = 'cursor'): number | SlsReply {
  if (cursor === null || cursor === '') return errors.invalidCursor(`${name} is missing`);
  const decoded = decodeCursor(cursor);
  if (decoded === undefined) return errors.invalidCursor(`${name} ${cursor} is not a cursor`);
  if (decoded.shard !== shard.id) return errors.invalidCursor(`${name} ${cursor} belongs to another shard`);
  if (decoded.offset > shard.groups.length) return errors.invalidCursor(`${name} ${cursor} is out of range`);
  return decoded.offset;
}

export function getCursor(shard: Shard, from: string | null): SlsReply {
  let offset: number;
  if (from === 'begin') offset = 0;
  else if (from === 'end') offset = shard.groups.length;
  else if (from !== null && /^\d{1,10}$/.test(from)) offset = offsetAtTime(shard, Number(from));
  else return errors.parameterInvalid(`from must be begin, end or unix seconds, got ${String(from)}`);
  return { status: 200, json: { cursor: encodeCursor(shard.id, offset) } };
}

export function getCursorTime(shard: Shard, cursor: string | null): SlsReply {
  const offset = offsetOf(shard, cursor);
  if (typeof offset !== 'number') return offset;
  return { status: 200, json: { cursor_time: String(cursorTime(shard, offset)) } };
}

// lz4-napi is a dev dependency: present in a checkout (tests, the demo), absent where auditpull was
// installed from the registry. Without it the simulator answers deflate or uncompressed, as a server
// picks among the encodings it supports.
const lz4 = ((): { compressSync(data: Buffer): Buffer } | undefined => {
  try {
    return createRequire(import.meta.url)('lz4-napi') as { compressSync(data: Buffer): Buffer };
  } catch {
    return undefined;
  }
})();

/**
 * The first listed encoding we support: `lz4`, `deflate` (zlib stream, as SLS SDKs inflate it),
 * else none. Unsupported ones (`zstd`, `gzip`, …) are skipped.
 */
function encodingOf(acceptEncoding: string): 'lz4' | 'deflate' | undefined {
  for (const token of acceptEncoding.split(',')) {
    const value = token.split(';')[0]?.trim().toLowerCase();
    if ((value === 'lz4' && lz4) || value === 'deflate') return value;
  }
  return undefined;
}

function compress(raw: Buffer, encoding: 'lz4' | 'deflate' | undefined): Buffer {
  if (raw.length === 0 || encoding === undefined) return raw;
  if (encoding === 'deflate') return deflateSync(raw);
  // lz4-napi prefixes the block with its 4-byte little-endian raw size; SLS sends the bare block.
  return (lz4 as NonNullable<typeof lz4>).compressSync(raw).subarray(4);
}

export interface PullParams {
  cursor: string | null;
  endCursor: string | null;
  count: string | null;
  acceptEncoding: string;
  maxCount: number;
}

export function pullLogs(shard: Shard, params: PullParams): SlsReply {
  const start = offsetOf(shard, params.cursor);
  if (typeof start !== 'number') return start;
  let stop = shard.groups.length;
  if (params.endCursor !== null) {
    const end = offsetOf(shard, params.endCursor, 'end_cursor');
    if (typeof end !== 'number') return end;
    stop = Math.max(start, end);
  }
  const count = params.count === null ? Number.NaN : Number(params.count);
  if (!/^\d+$/.test(params.count ?? '') || count < 1 || count > params.maxCount) {
    return errors.parameterInvalid(`count must be an integer in [1, ${params.maxCount}], got ${String(params.count)}`);
  }
  const groups = shard.groups.slice(start, Math.min(stop, start + count));
  const next = start + groups.length;
  const raw = encodeLogGroupList(groups);
  const encoding = encodingOf(params.acceptEncoding);
  const endOfCursor = shard.status === 'readonly' && next === shard.groups.length;
  return {
    status: 200,
    body: compress(raw, encoding),
    headers: {
      'content-type': 'application/x-protobuf',
      'x-log-cursor': encodeCursor(shard.id, next),
      'x-log-count': String(groups.length),
      'x-log-bodyrawsize': String(raw.length),
      ...(encoding === undefined ? {} : { 'x-log-compresstype': encoding }),
      'x-log-end-of-cursor': endOfCursor ? '1' : '0',
      'x-log-cursor-time': String(cursorTime(shard, groups.length === 0 ? start : next - 1)),
      'x-log-read-last-cursor': encodeCursor(shard.id, Math.max(start, next - 1)),
    },
  };
}
