import { inflateRawSync, inflateSync } from 'node:zlib';
import protobuf from 'protobufjs/light.js';
import { SlsDecodeError } from './errors.ts';
import { decompressLz4Block } from './lz4.ts';

/**
 * One log: its time in Unix seconds, the nanosecond part when the producer sent one, and its fields.
 * @public
 */
export interface SlsLog {
  readonly time: number;
  /** `Time_ns`, the nanoseconds within `time`; absent when not on the wire. */
  readonly timeNs?: number;
  /** Fields by name; a repeated name keeps its last value. */
  readonly contents: Readonly<Record<string, string>>;
}

/**
 * One log group as PullLogs returns it.
 * @public
 */
export interface SlsLogGroup {
  readonly logs: readonly SlsLog[];
  readonly topic?: string;
  readonly source?: string;
  /** `LogTags` by key, e.g. `__receive_time__`, `__client_ip__`. */
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * The body encodings of PullLogs: the `x-log-compresstype` response header (`none` for an absent one).
 * @public
 */
export type SlsCompressType = 'lz4' | 'deflate' | 'none';

/**
 * How PullLogs said the body is encoded.
 * @public
 */
export interface SlsDecodeOptions {
  readonly compressType: SlsCompressType;
  /** `x-log-bodyrawsize`: the exact length of the decompressed protobuf. */
  readonly rawSize: number;
}

/**
 * The largest `x-log-bodyrawsize` accepted: well above what 1000 log groups of audit events take, and a
 * bound on what a corrupt header can make us allocate.
 * @public
 */
export const SLS_MAX_RAW_SIZE = 64 * 1024 * 1024;

// The SLS `LogGroupList` (sls.proto), built in code so nothing is read from disk at runtime. Field 2 of
// LogGroup (Reserved/Category) and 5 (MachineUUID) are not declared: protobuf skips unknown fields.
// `edition: 'proto2'` gives explicit presence, as sls.proto has: without it protobufjs 8 drops a field
// equal to its default (Topic '', Time_ns 0) as if it had not been sent.
const LogGroupList = protobuf.Root.fromJSON({
  nested: {
    Log: {
      edition: 'proto2',
      fields: {
        Time: { rule: 'required', type: 'uint32', id: 1 },
        Contents: { rule: 'repeated', type: 'Content', id: 2 },
        Time_ns: { type: 'fixed32', id: 4 },
      },
      nested: {
        Content: {
          fields: {
            Key: { rule: 'required', type: 'string', id: 1 },
            Value: { rule: 'required', type: 'string', id: 2 },
          },
        },
      },
    },
    LogTag: {
      edition: 'proto2',
      fields: {
        Key: { rule: 'required', type: 'string', id: 1 },
        Value: { rule: 'required', type: 'string', id: 2 },
      },
    },
    LogGroup: {
      edition: 'proto2',
      fields: {
        Logs: { rule: 'repeated', type: 'Log', id: 1 },
        Topic: { type: 'string', id: 3 },
        Source: { type: 'string', id: 4 },
        LogTags: { rule: 'repeated', type: 'LogTag', id: 6 },
      },
    },
    LogGroupList: {
      edition: 'proto2',
      fields: { logGroupList: { rule: 'repeated', type: 'LogGroup', id: 1 } },
    },
  },
}).lookupType('LogGroupList');

interface PbPair { readonly Key: string; readonly Value: string }
interface PbLog { readonly Time: number; readonly Contents: readonly PbPair[]; readonly Time_ns?: number }
interface PbLogGroup { readonly Logs: readonly PbLog[]; readonly Topic?: string; readonly Source?: string; readonly LogTags: readonly PbPair[] }
interface PbLogGroupList { readonly logGroupList: readonly PbLogGroup[] }

/**
 * Sets `record[key]` as an own property even for `__proto__`, which plain assignment would swallow.
 */
function put(record: Record<string, string>, key: string, value: string): void {
  if (key === '__proto__') Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  else record[key] = value;
}

function pairs(list: readonly PbPair[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (const { Key, Value } of list) put(record, Key, Value);
  return record;
}

function toGroup(group: PbLogGroup): SlsLogGroup {
  const logs: SlsLog[] = [];
  for (const log of group.Logs) {
    const contents = pairs(log.Contents);
    // protobufjs keeps defaults on the prototype, so an own property means the field was on the wire.
    logs.push(Object.hasOwn(log, 'Time_ns') ? { time: log.Time, timeNs: log.Time_ns ?? 0, contents } : { time: log.Time, contents });
  }
  return {
    logs,
    ...(Object.hasOwn(group, 'Topic') ? { topic: group.Topic ?? '' } : {}),
    ...(Object.hasOwn(group, 'Source') ? { source: group.Source ?? '' } : {}),
    tags: pairs(group.LogTags),
  };
}

function inflate(body: Uint8Array, rawSize: number): Uint8Array {
  // SLS "deflate" is zlib-wrapped (RFC 1950, what the SDKs' zlib.decompress expects). A raw RFC 1951
  // stream is also accepted: it is told apart by the header check (CMF method 8, CMF·FLG divisible by
  // 31) rather than by retrying after an error, so a corrupt zlib stream reports its own error.
  const cmf = body[0] ?? 0;
  const flg = body[1] ?? 0;
  const zlibWrapped = body.length >= 2 && (cmf & 0x0f) === 8 && ((cmf << 8) | flg) % 31 === 0;
  let out: Uint8Array;
  try {
    // One byte of headroom so a longer stream is caught as a size mismatch, not cut to fit.
    out = (zlibWrapped ? inflateSync : inflateRawSync)(body, { maxOutputLength: rawSize + 1 });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new SlsDecodeError('size', `deflate body inflates to more than x-log-bodyrawsize ${rawSize} bytes`, { cause: error });
    }
    throw new SlsDecodeError('deflate', `corrupt ${zlibWrapped ? 'zlib' : 'raw deflate'} stream: ${(error as Error).message}`, { cause: error });
  }
  if (out.length !== rawSize) {
    throw new SlsDecodeError('size', `deflate body inflates to ${out.length} bytes, x-log-bodyrawsize says ${rawSize}`);
  }
  return out;
}

function decompress(body: Uint8Array, { compressType, rawSize }: SlsDecodeOptions): Uint8Array {
  switch (compressType) {
    case 'lz4':
      return decompressLz4Block(body, rawSize);
    case 'deflate':
      return inflate(body, rawSize);
    case 'none':
      if (body.length !== rawSize) throw new SlsDecodeError('size', `uncompressed body is ${body.length} bytes, x-log-bodyrawsize says ${rawSize}`);
      return body;
    default:
      throw new SlsDecodeError('size', `unknown compress type ${JSON.stringify(compressType satisfies never)}`);
  }
}

/**
 * Decodes a PullLogs body: decompresses it to exactly `rawSize` bytes and parses the protobuf
 * `LogGroupList`. Any mismatch — a corrupt or truncated LZ4 block or deflate stream, a decompressed
 * length other than `rawSize`, a `rawSize` that is not an integer in 0..{@link SLS_MAX_RAW_SIZE}, or an
 * invalid protobuf — throws {@link SlsDecodeError}; nothing is decoded partly. A body that
 * decompresses to nothing is `[]`.
 * @public
 */
export function decodePullLogsBody(body: Uint8Array, options: SlsDecodeOptions): SlsLogGroup[] {
  const { rawSize } = options;
  if (!Number.isSafeInteger(rawSize) || rawSize < 0) {
    throw new SlsDecodeError('size', `x-log-bodyrawsize ${String(rawSize)} is not a byte count`);
  }
  if (rawSize > SLS_MAX_RAW_SIZE) {
    throw new SlsDecodeError('size', `x-log-bodyrawsize ${rawSize} exceeds the ${SLS_MAX_RAW_SIZE}-byte cap; pull fewer log groups at once`);
  }
  const raw = decompress(body, options);
  if (raw.length === 0) return [];
  let list: PbLogGroupList;
  try {
    // A Buffer view makes protobufjs decode strings with Node's native UTF-8 decoder.
    const buffer = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    list = LogGroupList.decode(buffer) as unknown as PbLogGroupList;
  } catch (error) {
    throw new SlsDecodeError('protobuf', `invalid LogGroupList protobuf (${rawSize} bytes): ${(error as Error).message}`, { cause: error });
  }
  // A LogGroupList with no groups encodes to zero bytes, so bytes that hold none are not one.
  if (list.logGroupList.length === 0) {
    throw new SlsDecodeError('protobuf', `${rawSize} bytes hold no LogGroup: not a LogGroupList`);
  }
  return list.logGroupList.map(toGroup);
}

/**
 * Flattens log groups the way the Python SDK's `loggroups_to_flattern_list` does: one record per log,
 * `__time__` (seconds, as a string), `__topic__` and `__source__` (`''` when absent), then
 * `__time_ns_part__` when non-zero, then `__tag__:<key>` per tag, then the log's contents. Later keys
 * win, so a content named like a reserved key (`__time__`, `__tag__:x`) replaces it, as in Python.
 * @public
 */
export function flattenLogGroups(groups: readonly SlsLogGroup[]): Array<Record<string, string>> {
  const out: Array<Record<string, string>> = [];
  for (const group of groups) {
    const tags = Object.entries(group.tags).map(([key, value]) => [`__tag__:${key}`, value] as const);
    for (const log of group.logs) {
      const record: Record<string, string> = {
        __time__: String(log.time),
        __topic__: group.topic ?? '',
        __source__: group.source ?? '',
      };
      if (log.timeNs) record['__time_ns_part__'] = String(log.timeNs);
      for (const [key, value] of tags) record[key] = value;
      for (const [key, value] of Object.entries(log.contents)) put(record, key, value);
      out.push(record);
    }
  }
  return out;
}
