import Keyv from 'keyv';
import KeyvPostgres from '@keyv/postgres';
import KeyvRedis from '@keyv/redis';
import { createRequire } from 'node:module';
import type pg from 'pg';
import { AuditpullError } from '../errors/auditpull-error.ts';
import { createSqliteStore } from './sqlite-store.ts';
import { retryLostConnections, type StateStoreRetryOptions } from './transient-retry.ts';

/**
 * Where state lives: SQLite (embedded, the default), Redis or Postgres (shared by several processes), or
 * memory (throwaway runs and tests).
 * @public
 */
export type StateStoreOptions =
  | { readonly type: 'sqlite'; readonly path: string }
  | { readonly type: 'redis'; readonly url: string }
  | { readonly type: 'postgres'; readonly url: string; readonly table?: string | undefined }
  | { readonly type: 'memory' };

/**
 * @keyv/postgres makes its pool with `new pg.Pool(options)` and never listens for the pool's 'error' event.
 * When the server restarts, each idle connection's error is re-emitted on the pool, and with no listener
 * Node throws it: the process dies (printing the connection's parameters). So the adapter is made while
 * `pg.Pool` — of the `pg` copy the adapter itself loads, whichever that is — is a subclass that listens:
 * the broken connection is dropped, and the next query fails coded or is retried. The pool is created
 * synchronously in the adapter's constructor; `pg.Pool` is put back right after, so the rest of the
 * process (an embedding application's own pools) never sees the swap.
 */
function withListenedPool<T>(make: () => T): T {
  const pgOfAdapter = createRequire(import.meta.resolve('@keyv/postgres'))('pg') as typeof pg;
  const BasePool = pgOfAdapter.Pool;
  pgOfAdapter.Pool = class ListenedPool extends BasePool {
    constructor(config?: pg.PoolConfig) {
      super(config);
      this.on('error', () => {});
    }
  };
  try {
    return make();
  } finally {
    pgOfAdapter.Pool = BasePool;
  }
}

/** How long a remote store may take to answer before the operation fails (and the service stops coded). */
const REMOTE_TIMEOUT_MS = 5000;

function adapter(options: StateStoreOptions, retry: StateStoreRetryOptions): unknown {
  switch (options.type) {
    case 'sqlite':
      return createSqliteStore({ path: options.path });
    case 'redis':
      // No offline queue and a bounded reconnect: with Redis down a checkpoint write must fail, not wait forever.
      return retryLostConnections(
        new KeyvRedis(
        {
          url: options.url,
          disableOfflineQueue: true,
          socket: { connectTimeout: REMOTE_TIMEOUT_MS, reconnectStrategy: (retries: number) => (retries > 5 ? new Error('Redis is unreachable') : Math.min(retries * 200, 2000)) },
        },
        // Not @keyv/redis's connectionTimeout: its timer is never cleared and holds the process open; the socket's connectTimeout bounds connecting.
        { throwOnConnectError: true, throwOnErrors: true },
        ),
        retry,
      );
    case 'postgres':
      return retryLostConnections(withListenedPool(() => new KeyvPostgres({ uri: options.url, table: options.table ?? 'auditpull_state', connectionTimeoutMillis: REMOTE_TIMEOUT_MS, max: 4 })), retry);
    case 'memory':
      return new Map();
  }
}

/** The store's location for messages, with any password in a URL masked. */
function where(options: StateStoreOptions): string {
  if (options.type === 'sqlite') return ` at ${options.path}`;
  if (options.type === 'memory') return '';
  try {
    const url = new URL(options.url);
    if (url.password) url.password = '***';
    return ` at ${url.toString()}`;
  } catch {
    return ` (${options.type})`;
  }
}

/**
 * Open the state store as a Keyv that throws on store errors (a failed checkpoint must never pass silently).
 * Throws StateError 500 when it cannot be opened. Once open, a Redis or Postgres store retries operations
 * that fail because the connection was lost for `retry.retryForMs` (30 s) before they fail.
 * @public
 */
export async function openStateStore(options: StateStoreOptions, namespace = 'auditpull', retry: StateStoreRetryOptions = {}): Promise<Keyv> {
  let keyv: Keyv | undefined;
  // Opening fails fast: an unreachable server at start is a setup error, not an outage to wait out.
  let opened = false;
  try {
    const store = adapter(options, {
      ...retry,
      get retryForMs() {
        return opened ? (retry.retryForMs ?? 30_000) : 0;
      },
    });
    keyv = new Keyv({ store, namespace, throwOnErrors: true, emitErrors: false });
    // Touch the store so a corrupt file, bad path or unreachable server fails here, not at the first checkpoint.
    await keyv.get('__open_check__');
    opened = true;
    return keyv;
  } catch (error) {
    await keyv?.disconnect().catch(() => {});
    const message = (error as Error).message.replace(/\/\/[^@/\s]*@/g, '//***@');
    throw new AuditpullError(500, `State store${where(options)} cannot be opened: ${message}`, { cause: error });
  }
}
