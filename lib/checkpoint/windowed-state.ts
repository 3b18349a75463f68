import type { Logger } from '../log.ts';
import { createCheckpoint, type Checkpoint } from './checkpoint.ts';
import type Keyv from 'keyv';

/**
 * State of a time-windowed service (Lark logs, ActionTrail). `last_run_datetime` is the start of the next
 * window, re-queried inclusively; `last_ids` are the ids already delivered from that second on. `window` is an
 * unfinished window: its ids delivered so far are in chunks next to the state.
 * @public
 */
export interface WindowedState {
  readonly version: 1;
  readonly initial_start_time_in_utc: string;
  readonly last_run_datetime: string;
  readonly last_ids: readonly string[];
  readonly window?: {
    readonly oldest: number;
    readonly latest: number;
    /** Number of chunks of delivered ids. */
    readonly chunks: number;
    /** Ids seen from the next window's start on: the next window's `last_ids`. */
    readonly carry_ids: readonly string[];
  };
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

function validate(value: Record<string, unknown>): WindowedState | string {
  if (typeof value['initial_start_time_in_utc'] !== 'string') return 'initial_start_time_in_utc is not a string';
  if (typeof value['last_run_datetime'] !== 'string' || Number.isNaN(Date.parse(value['last_run_datetime']))) return 'last_run_datetime is not a date';
  if (!isStringArray(value['last_ids'])) return 'last_ids is not a list of ids';
  const window = value['window'];
  if (window !== undefined) {
    const w = window as Record<string, unknown>;
    if (typeof w !== 'object' || w === null || !Number.isInteger(w['oldest']) || !Number.isInteger(w['latest']) || !Number.isInteger(w['chunks']) || !isStringArray(w['carry_ids'])) {
      return 'window is malformed';
    }
  }
  return value as unknown as WindowedState;
}

/**
 * The checkpoint of a windowed service, stored under `key`.
 * @public
 */
export function createWindowedCheckpoint(store: Keyv, key: string): Checkpoint<WindowedState> {
  return createCheckpoint<WindowedState>({ store, key, version: 1, validate });
}

/**
 * Load the state. It starts afresh when there is none (from `configuredStart`, else `defaultStart`) and
 * when the configured `initial_start_time_in_utc` differs from the stored one (logged, as the Devo
 * collectors do). Without a configured start the stored state is kept whatever start it had.
 * @public
 */
export async function loadOrInitWindowedState(
  checkpoint: Checkpoint<WindowedState>,
  configuredStart: string | undefined,
  defaultStart: string,
  logger: Logger,
): Promise<WindowedState> {
  const stored = await checkpoint.load();
  const initialStart = configuredStart ?? stored?.initial_start_time_in_utc ?? defaultStart;
  const fresh: WindowedState = { version: 1, initial_start_time_in_utc: initialStart, last_run_datetime: initialStart, last_ids: [] };
  if (stored === undefined) {
    logger.info(`No state found; collecting from ${initialStart}`);
    await checkpoint.save(fresh);
    return fresh;
  }
  // Compared as instants: writing the same date as …00Z or …00.000Z must not reset anything.
  if (Date.parse(stored.initial_start_time_in_utc) !== Date.parse(initialStart)) {
    logger.warn(
      `initial_start_time_in_utc changed from ${stored.initial_start_time_in_utc} to ${initialStart}: the state has been reset and collection restarts from ${initialStart}`,
    );
    await checkpoint.save(fresh);
    return fresh;
  }
  logger.info(`State loaded: collecting from ${stored.last_run_datetime}`);
  return stored;
}
