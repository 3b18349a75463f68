import Keyv from 'keyv';
import { AuditpullError } from '../errors/auditpull-error.ts';
import { createSqliteStore } from './sqlite-store.ts';

/**
 * Where state lives. SQLite is embedded and the default; Redis and Postgres come with the operations work.
 * @public
 */
export type StateStoreOptions = { readonly type: 'sqlite'; readonly path: string } | { readonly type: 'memory' };

/**
 * Open the state store as a Keyv that throws on store errors (a failed checkpoint must never pass silently).
 * Throws StateError 500 when it cannot be opened.
 * @public
 */
export async function openStateStore(options: StateStoreOptions, namespace = 'auditpull'): Promise<Keyv> {
  try {
    const store = options.type === 'sqlite' ? createSqliteStore({ path: options.path }) : new Map();
    const keyv = new Keyv({ store, namespace, throwOnErrors: true, emitErrors: false });
    // Touch the store so a corrupt file or bad path fails here, with its own error, not at the first checkpoint.
    await keyv.get('__open_check__');
    return keyv;
  } catch (error) {
    const where = options.type === 'sqlite' ? ` at ${options.path}` : '';
    throw new AuditpullError(500, `State store${where} cannot be opened: ${(error as Error).message}`, { cause: error });
  }
}
