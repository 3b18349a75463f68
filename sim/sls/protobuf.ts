/**
 * A hand-written protobuf encoder for SLS `LogGroupList` (research/alibaba.md §3.3). lib/
 * decodes with protobufjs; this side writes the bytes itself so the two cannot share a bug.
 */

/** One log as stored: seconds, optional nanosecond part, contents in insertion order. */
export interface PbLog {
  time: number;
  timeNs?: number;
  contents: ReadonlyArray<readonly [string, string]>;
}

export interface PbLogGroup {
  logs: readonly PbLog[];
  topic?: string;
  source?: string;
  tags: ReadonlyArray<readonly [string, string]>;
}

const WIRE_VARINT = 0;
const WIRE_LENGTH = 2;
const WIRE_FIXED32 = 5;

function varint(value: number): Buffer {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`varint needs a non-negative integer, got ${value}`);
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

const key = (field: number, wire: number): Buffer => varint(field * 8 + wire);

const bytesField = (field: number, payload: Buffer): Buffer => Buffer.concat([key(field, WIRE_LENGTH), varint(payload.length), payload]);

const stringField = (field: number, text: string): Buffer => bytesField(field, Buffer.from(text, 'utf8'));

function fixed32Field(field: number, value: number): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt32LE(value >>> 0);
  return Buffer.concat([key(field, WIRE_FIXED32), payload]);
}

/** `{Key = 1, Value = 2}`: the shape of both `Log.Content` and `LogTag`. */
const pair = ([k, v]: readonly [string, string]): Buffer => Buffer.concat([stringField(1, k), stringField(2, v)]);

/** `Log { uint32 Time = 1; repeated Content Contents = 2; fixed32 Time_ns = 4 }`. */
export function encodeLog(log: PbLog): Buffer {
  return Buffer.concat([
    key(1, WIRE_VARINT),
    varint(log.time),
    ...log.contents.map((content) => bytesField(2, pair(content))),
    ...(log.timeNs === undefined ? [] : [fixed32Field(4, log.timeNs)]),
  ]);
}

/** `LogGroup { repeated Log Logs = 1; string Topic = 3; string Source = 4; repeated LogTag LogTags = 6 }`. */
export function encodeLogGroup(group: PbLogGroup): Buffer {
  return Buffer.concat([
    ...group.logs.map((log) => bytesField(1, encodeLog(log))),
    ...(group.topic === undefined ? [] : [stringField(3, group.topic)]),
    ...(group.source === undefined ? [] : [stringField(4, group.source)]),
    ...group.tags.map((tag) => bytesField(6, pair(tag))),
  ]);
}

/** `LogGroupList { repeated LogGroup logGroupList = 1 }`; no groups encode as zero bytes. */
export function encodeLogGroupList(groups: readonly PbLogGroup[]): Buffer {
  return Buffer.concat(groups.map((group) => bytesField(1, encodeLogGroup(group))));
}
