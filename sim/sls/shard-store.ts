/**
 * Shards of the one simulated logstore: MD5 key ranges, log groups in receive order, and the
 * split/merge life cycle (the parent turns readonly and stays readable to its end).
 */
import { createHash } from 'node:crypto';
import type { PbLogGroup } from './protobuf.ts';
import type { SlsSimLogGroup } from './types.ts';

export interface StoredGroup extends PbLogGroup {
  /** Server receive time, epoch seconds. */
  receiveTime: number;
}

export interface Shard {
  id: number;
  status: 'readwrite' | 'readonly';
  /** Inclusive begin and exclusive end of the MD5 key range, as numbers below 2^128. */
  begin: bigint;
  end: bigint;
  createTime: number;
  groups: StoredGroup[];
}

const KEY_SPACE = 1n << 128n;
const UINT32 = 0xffff_ffff;

/** The last shard's exclusive end is shown as 32 `f`s, as SLS lists it. */
const keyHex = (key: bigint): string => (key >= KEY_SPACE ? 'f'.repeat(32) : key.toString(16).padStart(32, '0'));

const isUint32 = (n: number): boolean => Number.isSafeInteger(n) && n >= 0 && n <= UINT32;

export class ShardStore {
  readonly #shards = new Map<number, Shard>();
  readonly #packPrefix: string;

  constructor(count: number, nowSeconds: number, packSeed: string) {
    for (let id = 0; id < count; id += 1) {
      const begin = (KEY_SPACE * BigInt(id)) / BigInt(count);
      const end = (KEY_SPACE * BigInt(id + 1)) / BigInt(count);
      this.#shards.set(id, { id, status: 'readwrite', begin, end, createTime: nowSeconds, groups: [] });
    }
    this.#packPrefix = createHash('md5').update(packSeed).digest('hex').slice(0, 12).toUpperCase();
  }

  get(id: number): Shard | undefined {
    return this.#shards.get(id);
  }

  /** Every shard, by id. */
  all(): Shard[] {
    return [...this.#shards.values()].sort((a, b) => a.id - b.id);
  }

  /** ListShards rows, by shard id. */
  list(): Array<Record<string, unknown>> {
    return this.all().map((s) => ({ shardID: s.id, status: s.status, inclusiveBeginKey: keyHex(s.begin), exclusiveEndKey: keyHex(s.end), createTime: s.createTime }));
  }

  /** The readwrite shard whose key range holds `keyHex` (an MD5 hex digest). */
  shardForKey(hex: string): number {
    const key = BigInt(`0x${hex}`);
    const shard = [...this.#shards.values()].find((s) => s.status === 'readwrite' && s.begin <= key && key < s.end);
    if (shard === undefined) throw new Error(`no readwrite shard holds key ${hex}`);
    return shard.id;
  }

  write(id: number, groups: readonly SlsSimLogGroup[], nowSeconds: number): void {
    const shard = this.#writable(id);
    // Validate everything first so a bad group leaves the shard untouched.
    let last = shard.groups.at(-1)?.receiveTime ?? 0;
    const receiveTimes = groups.map((group) => {
      if (group.logs.length === 0) throw new RangeError('a log group needs at least one log');
      for (const log of group.logs) {
        if (!isUint32(log.time)) throw new RangeError(`log time must be uint32 seconds, got ${log.time}`);
        if (log.timeNs !== undefined && !isUint32(log.timeNs)) throw new RangeError(`timeNs must be uint32, got ${log.timeNs}`);
      }
      if (group.receiveTime !== undefined && (!isUint32(group.receiveTime) || group.receiveTime < last)) {
        throw new RangeError(`receiveTime must be uint32 seconds, not before the shard's last group (${last}), got ${group.receiveTime}`);
      }
      last = group.receiveTime ?? Math.max(last, nowSeconds);
      return last;
    });
    groups.forEach((group, i) => {
      const receiveTime = receiveTimes[i] ?? nowSeconds;
      const index = shard.groups.length;
      shard.groups.push({
        logs: group.logs.map((log) => ({
          time: log.time,
          ...(log.timeNs === undefined ? {} : { timeNs: log.timeNs }),
          contents: Object.entries(log.contents),
        })),
        ...(group.topic === undefined ? {} : { topic: group.topic }),
        ...(group.source === undefined ? {} : { source: group.source }),
        tags: [
          ...Object.entries(group.tags ?? {}),
          ['__receive_time__', String(receiveTime)],
          ['__pack_id__', `${this.#packPrefix}${id.toString(16).toUpperCase().padStart(4, '0')}-${index.toString(16).toUpperCase()}`],
        ],
        receiveTime,
      });
    });
  }

  split(id: number, nowSeconds: number): [number, number] {
    const parent = this.#writable(id);
    const mid = (parent.begin + parent.end) / 2n;
    const left = this.#add(parent.begin, mid, nowSeconds);
    const right = this.#add(mid, parent.end, nowSeconds);
    parent.status = 'readonly';
    return [left, right];
  }

  merge(a: number, b: number, nowSeconds: number): number {
    const first = this.#writable(a);
    const second = this.#writable(b);
    if (first.end !== second.begin) throw new RangeError(`shards ${a} and ${b} are not adjacent (${a} must end where ${b} begins)`);
    const merged = this.#add(first.begin, second.end, nowSeconds);
    first.status = 'readonly';
    second.status = 'readonly';
    return merged;
  }

  #writable(id: number): Shard {
    const shard = this.#shards.get(id);
    if (shard === undefined) throw new RangeError(`shard ${id} does not exist`);
    if (shard.status !== 'readwrite') throw new RangeError(`shard ${id} is readonly`);
    return shard;
  }

  #add(begin: bigint, end: bigint, nowSeconds: number): number {
    const id = Math.max(...this.#shards.keys()) + 1;
    this.#shards.set(id, { id, status: 'readwrite', begin, end, createTime: nowSeconds, groups: [] });
    return id;
  }
}

/** Index of the first group received at or after `seconds`; the end when there is none. */
export function offsetAtTime(shard: Shard, seconds: number): number {
  const index = shard.groups.findIndex((group) => group.receiveTime >= seconds);
  return index === -1 ? shard.groups.length : index;
}

/**
 * The receive time a cursor points at: its group's, or for the end cursor the last group's
 * (the shard's creation time when it is empty). UNVERIFIED for the end cursor.
 */
export function cursorTime(shard: Shard, offset: number): number {
  return (shard.groups[offset] ?? shard.groups.at(-1))?.receiveTime ?? shard.createTime;
}
