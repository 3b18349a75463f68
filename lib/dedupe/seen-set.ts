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
        for (let i = 0; i < count; i += 1) await store.delete(keyOf(i));
      } catch (error) {
        throw new AuditpullError(502, `State chunks under ${prefix} cannot be deleted: ${(error as Error).message}`, { cause: error });
      }
    },
  };
}
