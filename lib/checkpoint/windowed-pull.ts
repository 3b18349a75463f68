import type { Logger } from '../log.ts';
import { noopLogger } from '../log.ts';
import type { ChunkedSeenSet } from '../dedupe/seen-set.ts';
import type { Checkpoint } from './checkpoint.ts';
import type { WindowedState } from './windowed-state.ts';

/**
 * A query window, both ends inclusive, in Unix seconds.
 * @public
 */
export interface TimeWindow {
  readonly oldest: number;
  readonly latest: number;
}

/**
 * Options of {@link pullWindows}.
 * @public
 */
export interface PullWindowsOptions<T> {
  readonly checkpoint: Checkpoint<WindowedState>;
  readonly seen: ChunkedSeenSet;
  /** The loaded state (see `loadOrInitWindowedState`). */
  readonly state: WindowedState;
  /** Pages of one window; pages may come in any order. */
  readonly fetchPages: (window: TimeWindow) => AsyncIterable<{ readonly items: readonly T[] }>;
  /** Dedupe key of an item. */
  readonly idOf: (item: T) => string;
  /** Time of an item, Unix seconds. */
  readonly timeOf: (item: T) => number;
  /** Hand fresh items to the outputs; resolves once every output accepted them. The checkpoint waits for it. */
  readonly deliver: (items: readonly T[]) => Promise<void>;
  /** Names the events in log lines: "Retrieving \<what\> since … to …". @defaultValue `events` */
  readonly what?: string;
  /** Windows end at now − lag. */
  readonly lagSeconds: number;
  /** Longest window, so a backfill checkpoints often. */
  readonly maxWindowSeconds: number;
  /**
   * Re-read this many seconds before the previous window's end, for events the API shows late. Ids already
   * sent there are skipped. 0 re-reads only the boundary second. Must be below `maxWindowSeconds`. @defaultValue 0
   */
  readonly overlapSeconds?: number;
  /** The API keeps this much history; an older start is moved forward with a warning. */
  readonly retentionSeconds?: number;
  readonly now?: () => number;
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
}

/**
 * What one {@link pullWindows} run did.
 * @public
 */
export interface PullStats {
  requests: number;
  received: number;
  duplicates: number;
  sent: number;
  windows: number;
  state: WindowedState;
}

/**
 * Iterates `pages` one page ahead: the next page is requested while the current one is delivered and
 * checkpointed, so the vendor's latency and the output's acknowledgement overlap instead of adding up.
 * Checkpoints still follow delivery page by page; a page fetched ahead and never delivered is simply
 * fetched again after a restart. At most one extra page is held.
 */
async function* readAhead<P>(pages: AsyncIterable<P>): AsyncGenerator<P, void, undefined> {
  const iterator = pages[Symbol.asyncIterator]();
  let next = iterator.next();
  try {
    for (;;) {
      const result = await next;
      if (result.done) return;
      next = iterator.next();
      // A failure of the page fetched ahead surfaces when it is awaited; until then it must not be unhandled.
      next.catch(() => undefined);
      yield result.value;
    }
  } finally {
    // Stopped early (a delivery failed, or the caller broke off): let the source close once its request ends.
    void next.then(() => iterator.return?.(), () => undefined);
  }
}

/** Margin kept inside the retention limit, so a clamped window is still accepted a few minutes later. */
const RETENTION_MARGIN_SECONDS = 600;

const toIso = (seconds: number) => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');

/**
 * Collect every window from the checkpoint up to now − lag, exactly once per id:
 * each page's fresh items are delivered, then the ids are recorded (one chunk) and the state saved, so a
 * crash between pages re-queries the window and skips what was delivered. A finished window moves
 * `last_run_datetime` to its end minus `overlapSeconds`, which the next window re-queries inclusively,
 * skipping `last_ids` (the ids already sent from that second on).
 * @public
 */
export async function pullWindows<T>(options: PullWindowsOptions<T>): Promise<PullStats> {
  const { checkpoint, seen } = options;
  const now = options.now ?? Date.now;
  const logger = options.logger ?? noopLogger;
  const stats: PullStats = { requests: 0, received: 0, duplicates: 0, sent: 0, windows: 0, state: options.state };
  let state = options.state;
  const overlap = options.overlapSeconds ?? 0;

  if (!Number.isInteger(overlap) || overlap < 0 || overlap >= options.maxWindowSeconds) {
    throw new RangeError('[auditpull] overlapSeconds must be an integer from 0 to maxWindowSeconds - 1');
  }
  const retention = options.retentionSeconds;

  for (;;) {
    options.signal?.throwIfAborted();
    const nowSeconds = Math.floor(now() / 1000);
    const end = nowSeconds - options.lagSeconds;
    const oldestKept = retention === undefined ? undefined : nowSeconds - retention;
    let window = state.window;
    let delivered = new Set<string>();
    if (window && oldestKept !== undefined && window.oldest < oldestKept) {
      // An unfinished window that fell out of retention (say the output was down for long) can never finish.
      logger.warn(`Unfinished window ${toIso(window.oldest)} to ${toIso(window.latest)} is older than the API keeps; abandoning it`);
      const chunks = window.chunks;
      state = { version: 1, initial_start_time_in_utc: state.initial_start_time_in_utc, last_run_datetime: toIso(window.oldest), last_ids: [] };
      await checkpoint.save(state);
      await seen.clear(chunks);
      window = undefined;
    }
    if (window) {
      delivered = await seen.load(window.chunks);
      logger.info(`Resuming unfinished window ${toIso(window.oldest)} to ${toIso(window.latest)} (${delivered.size} events already sent)`);
    } else {
      let start = Math.floor(Date.parse(state.last_run_datetime) / 1000);
      if (oldestKept !== undefined && start < oldestKept) {
        const clamped = oldestKept + RETENTION_MARGIN_SECONDS;
        logger.warn(`Start ${toIso(start)} is older than the API keeps (${retention} s); starting from ${toIso(clamped)} instead`);
        start = clamped;
        state = { ...state, last_run_datetime: toIso(start), last_ids: [] };
      }
      if (start >= end) break;
      window = { oldest: start, latest: Math.min(end, start + options.maxWindowSeconds), chunks: 0, carry_ids: [] };
    }
    // The next window starts `overlap` seconds before this one ends; the ids sent from there on are carried
    // over so the re-read skips them, while events that arrived late in that span are collected.
    const nextStart = Math.max(window.latest - overlap, window.oldest);
    const lastIds = new Set(state.last_ids);
    const carry = new Set(window.carry_ids);
    logger.info(`Retrieving ${options.what ?? 'events'} since ${toIso(window.oldest)} to ${toIso(window.latest)}`);

    for await (const page of readAhead(options.fetchPages({ oldest: window.oldest, latest: window.latest }))) {
      stats.requests += 1;
      stats.received += page.items.length;
      const fresh: T[] = [];
      const freshIds: string[] = [];
      for (const item of page.items) {
        const id = options.idOf(item);
        if (options.timeOf(item) >= nextStart) carry.add(id);
        if (delivered.has(id) || lastIds.has(id)) {
          stats.duplicates += 1;
          continue;
        }
        delivered.add(id);
        fresh.push(item);
        freshIds.push(id);
      }
      if (fresh.length === 0) continue;
      await options.deliver(fresh);
      stats.sent += fresh.length;
      await seen.write(window.chunks, freshIds);
      window = { ...window, chunks: window.chunks + 1, carry_ids: [...carry] };
      state = { ...state, window };
      await checkpoint.save(state);
    }

    const finishedChunks = window.chunks;
    state = { version: 1, initial_start_time_in_utc: state.initial_start_time_in_utc, last_run_datetime: toIso(nextStart), last_ids: [...carry] };
    await checkpoint.save(state);
    await seen.clear(finishedChunks);
    stats.windows += 1;
    if (window.latest >= end) break;
  }
  stats.state = state;
  return stats;
}
