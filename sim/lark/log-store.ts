import type { Random } from './data.ts';
import type { LarkSimTimeUnit } from './security-types.ts';

/** An item of a security log data set with the fields the server needs pulled out. */
export interface LogEntry {
  readonly item: Readonly<Record<string, unknown>>;
  /** The item's time in the store's unit. */
  readonly time: number;
  /** unique_id for admin logs, the canonical content for DLP rows (which have no id). */
  readonly key: string;
  /** Sim time (epoch ms) from which the item is returned; 0 for items that were never late. */
  readonly visibleAtMs: number;
  readonly seq: number;
}

export const msPerUnit = (unit: LarkSimTimeUnit): number => (unit === 'ms' ? 1 : 1000);

/** Seconds-vs-milliseconds guard: epoch seconds stay below 1e11 until the year 5138. */
const SECONDS_CEILING = 1e11;

/**
 * Reads an item's time (an integer, or an integer string) in `unit`; throws a message naming the
 * item when it is not one, or is plainly in the other unit.
 */
export function itemTime(value: unknown, unit: LarkSimTimeUnit, label: string): number {
  const time = typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : value;
  const unitName = unit === 'ms' ? 'milliseconds' : 'seconds';
  if (typeof time !== 'number' || !Number.isSafeInteger(time) || time < 0) {
    throw new TypeError(`${label} must be an integer number of ${unitName}, got ${JSON.stringify(value)}`);
  }
  if (unit === 's' ? time >= SECONDS_CEILING : time < SECONDS_CEILING) {
    throw new TypeError(`${label} must be in ${unitName} (the simulator's time unit), got ${time}`);
  }
  return time;
}

/**
 * Encodes sorted epoch seconds as time strings in `unit`, sorted. In milliseconds every time is
 * an instant of `[first second, last second]`: the first item is at the start of its second,
 * items of the last second at its start too (so "up to now" covers them), others anywhere in
 * their second; about half the items that share a second also share the millisecond.
 */
export function encodeTimes(random: Random, seconds: readonly number[], unit: LarkSimTimeUnit): string[] {
  if (unit === 's') return seconds.map(String);
  const last = seconds[seconds.length - 1];
  const times: number[] = [];
  seconds.forEach((second, index) => {
    const previous = times[times.length - 1];
    if (index === 0 || second === last) times.push(second * 1000);
    else if (previous !== undefined && Math.floor(previous / 1000) === second && random() < 0.5) times.push(previous);
    else times.push(second * 1000 + Math.floor(random() * 1000));
  });
  return times.sort((a, b) => a - b).map(String);
}

/** Numeric id strings by value, other strings lexically. */
function compareKeys(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b) && a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Newest first, ties by key (descending), then by insertion. Lark documents no order. */
function newestFirst(a: LogEntry, b: LogEntry): number {
  return b.time - a.time || compareKeys(b.key, a.key) || b.seq - a.seq;
}

/** A security log data set whose item times are in one unit. */
export class LogStore {
  readonly #entries: LogEntry[] = [];
  readonly #keys = new Set<string>();
  readonly #unitMs: number;
  #seq = 0;

  constructor(unit: LarkSimTimeUnit) {
    this.#unitMs = msPerUnit(unit);
  }

  /**
   * Adds items; `read` returns an item's time and key or throws. Every item is read first, so a
   * bad fixture adds nothing.
   */
  add(
    items: ReadonlyArray<Record<string, unknown>>,
    read: (item: Readonly<Record<string, unknown>>, index: number) => { time: number; key: string },
    visibleAfterSeconds = 0,
  ): void {
    if (!Number.isFinite(visibleAfterSeconds) || visibleAfterSeconds < 0) {
      throw new RangeError(`visibleAfterSeconds must be a non-negative number, got ${visibleAfterSeconds}`);
    }
    const keyed = items.map((item, index) => read(item, index));
    items.forEach((item, index) => {
      const { time, key } = keyed[index] as { time: number; key: string };
      this.#entries.push({
        item: structuredClone(item),
        time,
        key,
        visibleAtMs: visibleAfterSeconds > 0 ? time * this.#unitMs + visibleAfterSeconds * 1000 : 0,
        seq: this.#seq++,
      });
      this.#keys.add(key);
    });
  }

  has(key: string): boolean {
    return this.#keys.has(key);
  }

  /** Items with `from <= time <= to`, visible at `nowMs`, accepted by `filter`, newest first. */
  select(from: number, to: number, nowMs: number, filter: (item: Readonly<Record<string, unknown>>) => boolean): LogEntry[] {
    return this.#entries.filter((e) => e.time >= from && e.time <= to && nowMs >= e.visibleAtMs && filter(e.item)).sort(newestFirst);
  }
}
