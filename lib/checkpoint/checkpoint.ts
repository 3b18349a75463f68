import type Keyv from 'keyv';
import { AuditpullError } from '../errors/auditpull-error.ts';

/**
 * A versioned checkpoint in a Keyv store, under one key per (input, service). Keyv must be created with
 * `throwOnErrors: true` (see `openStateStore`) so a failed write is never mistaken for success.
 * @public
 */
export interface Checkpoint<S extends { readonly version: number }> {
  readonly key: string;
  /** The stored state, `undefined` when there is none. Throws StateError 501 on a corrupt or unknown-version value. */
  load(): Promise<S | undefined>;
  /** Persist `state`. Throws StateError 502 when the store fails. */
  save(state: S): Promise<void>;
  /** Remove the state. */
  clear(): Promise<void>;
}

/**
 * Create a {@link Checkpoint}. `validate` checks a loaded value and returns it typed, or a reason it is not.
 * @public
 */
export function createCheckpoint<S extends { readonly version: number }>(options: {
  readonly store: Keyv;
  readonly key: string;
  readonly version: S['version'];
  readonly validate: (value: Record<string, unknown>) => S | string;
}): Checkpoint<S> {
  const { store, key } = options;
  return {
    key,
    async load() {
      let value: unknown;
      try {
        value = await store.get(key);
      } catch (error) {
        throw new AuditpullError(501, `State for ${key} cannot be read: ${(error as Error).message}`, { cause: error });
      }
      if (value === undefined || value === null) return undefined;
      if (typeof value !== 'object' || Array.isArray(value)) {
        throw new AuditpullError(501, `State for ${key} is corrupt (not an object); refusing to reset it silently`);
      }
      const record = value as Record<string, unknown>;
      if (record['version'] !== options.version) {
        throw new AuditpullError(501, `State for ${key} has version ${String(record['version'])}, this auditpull reads version ${options.version}`);
      }
      const checked = options.validate(record);
      if (typeof checked === 'string') throw new AuditpullError(501, `State for ${key} is corrupt: ${checked}`);
      return checked;
    },
    async save(state) {
      try {
        const ok = await store.set(key, state);
        if (ok === false) throw new Error('the store reported a failed write');
      } catch (error) {
        throw new AuditpullError(502, `State for ${key} cannot be written: ${(error as Error).message}`, { cause: error });
      }
    },
    async clear() {
      try {
        await store.delete(key);
      } catch (error) {
        throw new AuditpullError(502, `State for ${key} cannot be deleted: ${(error as Error).message}`, { cause: error });
      }
    },
  };
}
