import pRetry from 'p-retry';

/**
 * Options of a remote state store's retry of lost connections.
 * @public
 */
export interface StateStoreRetryOptions {
  /**
   * How long an operation keeps retrying while the server is unreachable (a Redis or Postgres restart,
   * a failover) before it fails and the service stops with StateError 502. @defaultValue 30000
   */
  readonly retryForMs?: number;
  /** Told before each retry, e.g. to log that the store is unreachable. */
  readonly onRetry?: (info: { readonly attempt: number; readonly delayMs: number; readonly message: string }) => void;
}

/** Errors that mean "the server is not there right now", not "the server said no" (ACL, auth, syntax). */
const CONNECTION_LOST =
  /offline|client is closed|not connected|failed to connect|socket closed|connection (?:is )?(?:closed|terminated|reset|refused)|terminating connection|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|timeout expired|Connection terminated|database system is (?:shutting down|starting up)/i;

/** Postgres SQLSTATEs of a server going away or not up yet: 57P01–57P03 (shutdown, crash, cannot connect now), class 08 (connection). */
const PG_CONNECTION_STATE = /^(?:57P0[1-3]|08[0-9A-Z]{3})$/;

/** Whether a store error is a lost connection, worth retrying. */
export function isConnectionLost(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth += 1) {
    const code = String((e as { code?: unknown }).code ?? '');
    if (CONNECTION_LOST.test(e.message) || CONNECTION_LOST.test(code) || PG_CONNECTION_STATE.test(code)) return true;
  }
  return false;
}

/** The store operations Keyv calls that talk to the server. */
const OPERATIONS = new Set(['get', 'getMany', 'set', 'setMany', 'delete', 'deleteMany', 'has', 'hasMany', 'clear']);

/**
 * Wraps a Keyv storage adapter of a remote server so that an operation failing because the connection is
 * lost is retried (backoff 250 ms doubling to 4 s) for up to `retryForMs`: a store restarting for a few
 * seconds costs a pause, not a stopped service. Other errors fail at once.
 */
export function retryLostConnections<T extends object>(adapter: T, options: StateStoreRetryOptions = {}): T {
  // Once the store is being closed (the collector stopping), an operation still retrying gives up: a retry
  // would open a new connection behind `disconnect` and hold the process.
  let closed = false;
  return new Proxy(adapter, {
    get(target, property) {
      // The adapter's own `this` (not the proxy), so its private fields keep working.
      const value: unknown = Reflect.get(target, property);
      if (typeof value !== 'function') return value;
      if (property === 'disconnect') {
        return (...args: unknown[]) => {
          closed = true;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      if (typeof property !== 'string' || !OPERATIONS.has(property)) return (value as (...a: unknown[]) => unknown).bind(target);
      return (...args: unknown[]) => {
        // Read per call: the store only starts retrying once it has been opened.
        const call = () => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        const retryForMs = options.retryForMs ?? 30_000;
        if (retryForMs <= 0) return call();
        return pRetry(call, {
          retries: 1000,
          minTimeout: 250,
          maxTimeout: 4000,
          factor: 2,
          maxRetryTime: retryForMs,
          shouldRetry: ({ error }) => !closed && isConnectionLost(error),
          onFailedAttempt: ({ error, attemptNumber, retryDelay }) => {
            if (retryDelay > 0 && isConnectionLost(error)) options.onRetry?.({ attempt: attemptNumber, delayMs: retryDelay, message: error.message.replace(/\/\/[^@/\s]*@/g, '//***@') });
          },
        });
      };
    },
    set(target, property, value) {
      return Reflect.set(target, property, value);
    },
  });
}
