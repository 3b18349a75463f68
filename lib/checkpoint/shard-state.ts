import type Keyv from 'keyv';
import { createCheckpoint, type Checkpoint } from './checkpoint.ts';

/**
 * Where one shard's reading stands: the cursor of the next pull, and `done` once a readonly shard (after a
 * split or merge) was read to its end.
 * @public
 */
export interface ShardCursor {
  readonly cursor: string;
  readonly done?: boolean;
}

/**
 * State of a cursor-based service (SLS): the exact cursor of every shard, saved after each delivered batch.
 * @public
 */
export interface ShardCursorState {
  readonly version: 1;
  readonly initial_start_time_in_utc: string;
  readonly cursors: Readonly<Record<string, ShardCursor>>;
}

function validate(value: Record<string, unknown>): ShardCursorState | string {
  if (typeof value['initial_start_time_in_utc'] !== 'string') return 'initial_start_time_in_utc is not a string';
  const cursors = value['cursors'];
  if (typeof cursors !== 'object' || cursors === null || Array.isArray(cursors)) return 'cursors is not a map';
  for (const [shard, entry] of Object.entries(cursors)) {
    if (!/^\d+$/.test(shard) || typeof entry !== 'object' || entry === null || typeof (entry as { cursor?: unknown }).cursor !== 'string') return `cursor of shard ${shard} is malformed`;
  }
  return value as unknown as ShardCursorState;
}

/**
 * The checkpoint of a cursor-based service, stored under `key`.
 * @public
 */
export function createShardCursorCheckpoint(store: Keyv, key: string): Checkpoint<ShardCursorState> {
  return createCheckpoint<ShardCursorState>({ store, key, version: 1, validate });
}
