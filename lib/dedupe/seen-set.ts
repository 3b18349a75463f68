import type Keyv from 'keyv';
import { AuditpullError } from '../errors/auditpull-error.ts';

/**
 * A persistent set of ids written in chunks, one chunk per delivered page, so recording a page costs one
 * small write however large the set grows. Used for the ids already delivered from an unfinished window.
 * @public
 */
export interface ChunkedSeenSet {
  /** Read chunks `0..count-1` into a set. */
  load(count: number): Promise<Set<string>>;
  /** Write `ids` as chunk `index`. */
  write(index: number, ids: readonly string[]): Promise<void>;
  /** Delete chunks `0..count-1`. */
  clear(count: number): Promise<void>;
}

/** Chunks deleted per store call when a window is cleared. */
const CLEAR_BATCH = 1000;

/**
 * Create a {@link ChunkedSeenSet} under `prefix` in `store`.
 * @public
 */
export function createChunkedSeenSet(store: Keyv, prefix: string): ChunkedSeenSet {
  const keyOf = (index: number) => `${prefix}:${index}`;
  return {
    async load(count) {
      const seen = new Set<string>();
      for (let i = 0; i < count; i += 1) {
        const chunk: unknown = await store.get(keyOf(i));
        if (!Array.isArray(chunk)) throw new AuditpullError(501, `State chunk ${keyOf(i)} is missing or corrupt`);
        for (const id of chunk) seen.add(String(id));
      }
      return seen;
    },
    async write(index, ids) {
      try {
        await store.set(keyOf(index), ids);
      } catch (error) {
        throw new AuditpullError(502, `State chunk ${keyOf(index)} cannot be written: ${(error as Error).message}`, { cause: error });
      }
    },
    async clear(count) {
      try {
        // Batches of keys in one call each (one transaction in SQLite, one round trip to Redis or Postgres):
        // a finished backfill window has thousands of chunks, and one durable delete each stalled the service.
        for (let start = 0; start < count; start += CLEAR_BATCH) {
          const keys = Array.from({ length: Math.min(CLEAR_BATCH, count - start) }, (_, i) => keyOf(start + i));
          await store.deleteMany(keys);
        }
      } catch (error) {
        throw new AuditpullError(502, `State chunks under ${prefix} cannot be deleted: ${(error as Error).message}`, { cause: error });
      }
    },
  };
}
