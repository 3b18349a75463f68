import { randomBytes } from 'node:crypto';

/** An item of the data set with the fields the server needs pulled out. */
export interface StoredEvent {
  readonly item: Readonly<Record<string, unknown>>;
  readonly eventTime: number;
  readonly uniqueId: string;
  /** Sim time (epoch ms) from which the item is returned; 0 for items that were never late. */
  readonly visibleAtMs: number;
  readonly seq: number;
}

/** Compares numeric id strings by value, other strings lexically. */
function compareIds(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b) && a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Newest first, ties by unique_id (descending), then by insertion. Lark documents no order. */
function newestFirst(a: StoredEvent, b: StoredEvent): number {
  return b.eventTime - a.eventTime || compareIds(b.uniqueId, a.uniqueId) || b.seq - a.seq;
}

/** The simulator's data set. */
export class EventStore {
  readonly #events: StoredEvent[] = [];
  readonly #ids = new Set<string>();
  #seq = 0;

  /** Validates every item first, so a bad fixture adds nothing. */
  add(items: ReadonlyArray<Record<string, unknown>>, visibleAfterSeconds = 0): void {
    if (!Number.isFinite(visibleAfterSeconds) || visibleAfterSeconds < 0) {
      throw new RangeError(`visibleAfterSeconds must be a non-negative number, got ${visibleAfterSeconds}`);
    }
    items.forEach((item, index) => {
      const { event_time: time, unique_id: id } = item;
      if (typeof time !== 'number' || !Number.isSafeInteger(time) || time < 0 || time > 1e11) {
        throw new TypeError(`event ${index}: event_time must be an integer number of seconds, got ${String(time)}`);
      }
      if (typeof id !== 'string' || id === '') {
        throw new TypeError(`event ${index}: unique_id must be a non-empty string`);
      }
    });
    for (const item of items) {
      const eventTime = item['event_time'] as number;
      const uniqueId = item['unique_id'] as string;
      this.#events.push({
        item: structuredClone(item),
        eventTime,
        uniqueId,
        visibleAtMs: visibleAfterSeconds > 0 ? (eventTime + visibleAfterSeconds) * 1000 : 0,
        seq: this.#seq++,
      });
      this.#ids.add(uniqueId);
    }
  }

  has(uniqueId: string): boolean {
    return this.#ids.has(uniqueId);
  }

  /** Items with `oldest <= event_time <= latest`, visible at `nowMs`, accepted by `filter`, newest first. */
  select(oldest: number, latest: number, nowMs: number, filter: (item: Readonly<Record<string, unknown>>) => boolean): StoredEvent[] {
    return this.#events
      .filter((e) => e.eventTime >= oldest && e.eventTime <= latest && nowMs >= e.visibleAtMs && filter(e.item))
      .sort(newestFirst);
  }
}

interface Snapshot<E> {
  readonly key: string;
  readonly entries: readonly E[];
  readonly nonce: string;
  readonly tokens: Map<number, string>;
}

const MAX_SNAPSHOTS = 1000;
/** Bytes whose base64 is `+/+/`, so every token carries characters a query string must escape. */
const TOKEN_MAGIC = Buffer.from([0xfb, 0xff, 0xbf]);

/**
 * Page tokens. The first page of a query freezes the list of matching items (a snapshot), so
 * later pages neither skip nor repeat items when late events appear meanwhile. A token names a
 * snapshot and an offset; it is only accepted with the same query that produced it.
 *
 * Tokens look like Lark's (standard base64 with `+` written as `%2B`, e.g. `LC39/f1%2B/Sz9…`),
 * so a client that does not percent-encode them fails here as it would against Lark.
 */
export class PageTokens<E = StoredEvent> {
  readonly #snapshots = new Map<number, Snapshot<E>>();
  readonly #tokens = new Map<string, { snapshotId: number; offset: number }>();
  #nextId = 1;

  start(key: string, entries: readonly E[]): number {
    const id = this.#nextId++;
    this.#snapshots.set(id, { key, entries, nonce: randomBytes(6).toString('hex'), tokens: new Map() });
    if (this.#snapshots.size > MAX_SNAPSHOTS) this.#evictOldest();
    return id;
  }

  entries(snapshotId: number): readonly E[] {
    return this.#snapshots.get(snapshotId)?.entries ?? [];
  }

  /** The token for `offset` in a snapshot; the same string each time it is asked for. */
  tokenFor(snapshotId: number, offset: number): string {
    const snapshot = this.#snapshots.get(snapshotId);
    if (snapshot === undefined) throw new Error(`unknown snapshot ${snapshotId}`);
    let token = snapshot.tokens.get(offset);
    if (token === undefined) {
      const payload = Buffer.from(JSON.stringify({ s: snapshotId, o: offset, n: snapshot.nonce }));
      token = Buffer.concat([TOKEN_MAGIC, payload]).toString('base64').replaceAll('+', '%2B');
      snapshot.tokens.set(offset, token);
      this.#tokens.set(token, { snapshotId, offset });
    }
    return token;
  }

  /** Resolves a token given with the query `key`; undefined when unknown, evicted or for another query. */
  resolve(token: string, key: string): { snapshotId: number; offset: number } | undefined {
    const found = this.#tokens.get(token);
    if (found === undefined || this.#snapshots.get(found.snapshotId)?.key !== key) return undefined;
    return found;
  }

  #evictOldest(): void {
    const [oldestId, oldest] = this.#snapshots.entries().next().value ?? [];
    if (oldestId === undefined || oldest === undefined) return;
    for (const token of oldest.tokens.values()) this.#tokens.delete(token);
    this.#snapshots.delete(oldestId);
  }
}
