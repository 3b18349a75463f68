import { randomBytes } from 'node:crypto';
import { parseUtcSecond } from './time.ts';

/** An event of the data set with the fields the server needs pulled out. */
export interface StoredEvent {
  readonly event: Readonly<Record<string, unknown>>;
  /** eventTime in epoch seconds. */
  readonly second: number;
  readonly eventId: string;
  /** This event's own visibility delay, on top of the simulator's visibilityDelaySeconds. */
  readonly extraDelaySeconds: number;
  readonly seq: number;
}

export type Direction = 'FORWARD' | 'BACKWARD';

/** Oldest first; ties inside a second by eventId, then insertion. BACKWARD is the exact reverse. */
function forward(a: StoredEvent, b: StoredEvent): number {
  if (a.second !== b.second) return a.second - b.second;
  if (a.eventId !== b.eventId) return a.eventId < b.eventId ? -1 : 1;
  return a.seq - b.seq;
}

export interface Selection {
  startSecond: number;
  endSecond: number;
  nowMs: number;
  delaySeconds: number;
  direction: Direction;
  filter: (event: Readonly<Record<string, unknown>>) => boolean;
}

/** The simulator's data set. */
export class EventStore {
  readonly #events: StoredEvent[] = [];
  readonly #ids = new Set<string>();
  #seq = 0;

  /** Validates every event first, so a bad fixture adds nothing. */
  add(events: ReadonlyArray<Record<string, unknown>>, extraDelaySeconds = 0): void {
    if (!Number.isFinite(extraDelaySeconds) || extraDelaySeconds < 0) {
      throw new RangeError(`visibleAfterSeconds must be a non-negative number, got ${extraDelaySeconds}`);
    }
    const seconds = events.map((event, index) => {
      const { eventId, eventTime } = event;
      if (typeof eventId !== 'string' || eventId === '') throw new TypeError(`event ${index}: eventId must be a non-empty string`);
      const ms = typeof eventTime === 'string' ? parseUtcSecond(eventTime) : undefined;
      if (ms === undefined) throw new TypeError(`event ${index}: eventTime must be YYYY-MM-DDThh:mm:ssZ, got ${String(eventTime)}`);
      return ms / 1000;
    });
    events.forEach((event, index) => {
      const eventId = event['eventId'] as string;
      this.#events.push({ event: structuredClone(event), second: seconds[index] as number, eventId, extraDelaySeconds, seq: this.#seq++ });
      this.#ids.add(eventId);
    });
  }

  has(eventId: string): boolean {
    return this.#ids.has(eventId);
  }

  /** Events with `startSecond <= eventTime <= endSecond`, visible at `nowMs`, accepted by `filter`. */
  select(s: Selection): StoredEvent[] {
    const selected = this.#events
      .filter((e) => e.second >= s.startSecond && e.second <= s.endSecond)
      .filter((e) => s.nowMs >= (e.second + s.delaySeconds + e.extraDelaySeconds) * 1000 && s.filter(e.event))
      .sort(forward);
    return s.direction === 'FORWARD' ? selected : selected.reverse();
  }
}

interface Snapshot {
  readonly key: string;
  readonly entries: readonly StoredEvent[];
  readonly window: { startSecond: number; endSecond: number };
  readonly nonce: string;
  readonly tokens: Map<number, string>;
}

const MAX_SNAPSHOTS = 1000;
/** The sim's account; real tokens are base64 JSON starting `{"account":"…` (`eyJhY2NvdW50Ijoi…`). */
export const SIM_ACCOUNT_ID = '1234567890123456';

/**
 * Base64 of the JSON, padded so the token holds `+`, `/` and `=`: a client that does not
 * percent-encode NextToken when it signs fails here as it would against Alibaba.
 */
function encodeToken(payload: Record<string, unknown>): string {
  for (let pad = 0; ; pad++) {
    const filler = `${'a'.repeat(pad % 3)}>>>???${'b'.repeat(Math.floor(pad / 3))}`;
    const token = Buffer.from(JSON.stringify({ ...payload, pad: filler })).toString('base64');
    if (token.includes('+') && token.includes('/') && token.endsWith('=')) return token;
  }
}

/**
 * NextToken. The first page of a query freezes the matching events (a snapshot), so later pages
 * neither skip nor repeat events when late ones arrive meanwhile. A token names a snapshot and an
 * offset and is only accepted with the same parameters that produced it.
 */
export class Snapshots {
  readonly #snapshots = new Map<number, Snapshot>();
  readonly #tokens = new Map<string, { snapshotId: number; offset: number }>();
  #nextId = 1;

  start(key: string, entries: readonly StoredEvent[], window: Snapshot['window']): number {
    const id = this.#nextId++;
    this.#snapshots.set(id, { key, entries, window, nonce: randomBytes(6).toString('hex'), tokens: new Map() });
    if (this.#snapshots.size > MAX_SNAPSHOTS) this.#evictOldest();
    return id;
  }

  get(snapshotId: number): Snapshot | undefined {
    return this.#snapshots.get(snapshotId);
  }

  /** The token for `offset` in a snapshot; the same string each time it is asked for. */
  tokenFor(snapshotId: number, offset: number): string {
    const snapshot = this.#snapshots.get(snapshotId);
    if (snapshot === undefined) throw new Error(`unknown snapshot ${snapshotId}`);
    let token = snapshot.tokens.get(offset);
    if (token === undefined) {
      token = encodeToken({ account: SIM_ACCOUNT_ID, snapshot: snapshotId, offset, nonce: snapshot.nonce });
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
