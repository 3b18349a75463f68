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
  /** Windows end at now − lag. */
  readonly lagSeconds: number;
  /** Longest window, so a backfill checkpoints often. */
  readonly maxWindowSeconds: number;
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

/** Margin kept inside the retention limit, so a clamped window is still accepted a few minutes later. */
const RETENTION_MARGIN_SECONDS = 600;

const toIso = (seconds: number) => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');

/**
 * Collect every window from the checkpoint up to now − lag, exactly once per id:
 * each page's fresh items are delivered, then the ids are recorded (one chunk) and the state saved, so a
 * crash between pages re-queries the window and skips what was delivered. A finished window moves
 * `last_run_datetime` to its end, which the next window re-queries inclusively, skipping `last_ids`.
 * @public
 */
export async function pullWindows<T>(options: PullWindowsOptions<T>): Promise<PullStats> {
  const { checkpoint, seen } = options;
  const now = options.now ?? Date.now;
  const logger = options.logger ?? noopLogger;
  const stats: PullStats = { requests: 0, received: 0, duplicates: 0, sent: 0, windows: 0, state: options.state };
  let state = options.state;

  for (;;) {
    options.signal?.throwIfAborted();
    const nowSeconds = Math.floor(now() / 1000);
    const end = nowSeconds - options.lagSeconds;
    let window = state.window;
    let delivered: Set<string>;
    if (window) {
      delivered = await seen.load(window.chunks);
      logger.info(`Resuming unfinished window ${toIso(window.oldest)} to ${toIso(window.latest)} (${delivered.size} events already sent)`);
    } else {
      let start = Math.floor(Date.parse(state.last_run_datetime) / 1000);
      if (options.retentionSeconds !== undefined && start < nowSeconds - options.retentionSeconds) {
        const clamped = nowSeconds - options.retentionSeconds + RETENTION_MARGIN_SECONDS;
        logger.warn(`Start ${toIso(start)} is older than the API keeps (${options.retentionSeconds} s); starting from ${toIso(clamped)} instead`);
        start = clamped;
        state = { ...state, last_run_datetime: toIso(start), last_ids: [] };
      }
      if (start >= end) break;
      window = { oldest: start, latest: Math.min(end, start + options.maxWindowSeconds), chunks: 0, latest_ids: [] };
      delivered = new Set();
    }
    const lastIds = new Set(state.last_ids);
    const latestIds = new Set(window.latest_ids);
    logger.info(`Retrieving events since ${toIso(window.oldest)} to ${toIso(window.latest)}`);

    for await (const page of options.fetchPages({ oldest: window.oldest, latest: window.latest })) {
      stats.requests += 1;
      stats.received += page.items.length;
      const fresh: T[] = [];
      const freshIds: string[] = [];
      for (const item of page.items) {
        const id = options.idOf(item);
        const time = options.timeOf(item);
        if (delivered.has(id) || (time === window.oldest && lastIds.has(id))) {
          stats.duplicates += 1;
          continue;
        }
        delivered.add(id);
        fresh.push(item);
        freshIds.push(id);
        if (time === window.latest) latestIds.add(id);
      }
      if (fresh.length === 0) continue;
      await options.deliver(fresh);
      stats.sent += fresh.length;
      await seen.write(window.chunks, freshIds);
      window = { ...window, chunks: window.chunks + 1, latest_ids: [...latestIds] };
      state = { ...state, window };
      await checkpoint.save(state);
    }

    const finishedChunks = window.chunks;
    state = { version: 1, initial_start_time_in_utc: state.initial_start_time_in_utc, last_run_datetime: toIso(window.latest), last_ids: [...latestIds] };
    await checkpoint.save(state);
    await seen.clear(finishedChunks);
    stats.windows += 1;
  }
  stats.state = state;
  return stats;
}
