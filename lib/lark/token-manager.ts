import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { untilAborted } from '../http/abort.ts';
import type { Logger } from '../log.ts';
import { noopLogger } from '../log.ts';
import type { TokenStore } from './types.ts';

/**
 * A tenant token as cached: the token, when Lark says it expires, and when we stop reusing it.
 * @public
 */
export interface CachedTenantToken {
  readonly token: string;
  /** Epoch ms at which Lark stops accepting it. */
  readonly expiresAt: number;
  /** Epoch ms after which a new token is requested (29 minutes before expiry by default). */
  readonly refreshAt: number;
}

/**
 * Options of {@link createTenantTokenManager}.
 * @public
 */
export interface TenantTokenManagerOptions {
  /** Requests a token from Lark: `{token, expireSeconds}`. */
  readonly fetchToken: () => Promise<{ token: string; expireSeconds: number }>;
  /** Cache key; include base URL and app id so brands and apps never share a token. */
  readonly cacheKey: string;
  /** Shared cache (a Keyv instance works). Default: in-process map. */
  readonly store?: TokenStore;
  /**
   * Stop reusing a token when less than this remains. Lark issues a new token only once less than 30 minutes
   * remain; asking at 29 makes sure Lark's clock agrees (a minute of skew), so one request gets the new
   * token instead of the old one again. @defaultValue 1740000 (29 minutes)
   */
  readonly refreshBeforeExpiryMs?: number;
  /**
   * A secret (the app secret) the token is encrypted with (AES-256-GCM, key by HKDF-SHA256 over this and
   * `cacheKey`) before it goes into `store`: a shared state store or a copy of its file then holds no usable
   * token, while every process with the same app secret can still share it. Without it the token is stored
   * as is.
   */
  readonly sealWith?: string;
  readonly now?: () => number;
  readonly logger?: Logger;
}

/**
 * Hands out the tenant access token. One fetch in flight per manager; the token is reused until less than
 * 29 minutes of life remain (Lark issues a new one below 30), so at most two tokens are ever valid.
 * @public
 */
export interface TenantTokenManager {
  /**
   * A token that Lark should accept now. With `signal`, the wait for a fetch in flight ends when it aborts
   * (rejecting with its reason); the fetch itself goes on for the other callers sharing it.
   */
  getToken(options?: { readonly signal?: AbortSignal }): Promise<string>;
  /** Forget `token` (Lark rejected it); the next `getToken` fetches a new one. Other tokens are kept. */
  invalidate(token: string): Promise<void>;
  /** Number of token requests this manager sent to Lark. */
  readonly fetchCount: number;
}

/** When Lark returns a token with little life left, reuse it at least this long before asking again. */
const MIN_REUSE_MS = 60_000;

function mapStore(): TokenStore {
  const map = new Map<string, unknown>();
  return {
    get: async (key) => map.get(key),
    set: async (key, value) => {
      map.set(key, value);
      return true;
    },
    delete: async (key) => map.delete(key),
  };
}

function isCachedToken(value: unknown): value is CachedTenantToken {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v['token'] === 'string' && typeof v['expiresAt'] === 'number' && typeof v['refreshAt'] === 'number';
}

/** How a token is kept in the store: as is, or sealed. */
interface TokenCodec {
  encode(cached: CachedTenantToken): unknown;
  decode(value: unknown): CachedTenantToken | undefined;
}

const plainCodec: TokenCodec = { encode: (cached) => cached, decode: (value) => (isCachedToken(value) ? value : undefined) };

const SEALED_PREFIX = 'aes-256-gcm:';

function sealingCodec(secret: string, context: string): TokenCodec {
  const key = Buffer.from(hkdfSync('sha256', secret, 'auditpull tenant token', context, 32));
  return {
    encode({ token, expiresAt, refreshAt }) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      // The times are bound to the token as associated data, so a store edit cannot stretch its life.
      cipher.setAAD(Buffer.from(`${expiresAt}:${refreshAt}`));
      const sealed = Buffer.concat([iv, cipher.update(token, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return { sealed: `${SEALED_PREFIX}${sealed.toString('base64')}`, expiresAt, refreshAt };
    },
    decode(value) {
      if (typeof value !== 'object' || value === null) return undefined;
      const v = value as Record<string, unknown>;
      const { sealed, expiresAt, refreshAt } = v;
      if (typeof sealed !== 'string' || !sealed.startsWith(SEALED_PREFIX) || typeof expiresAt !== 'number' || typeof refreshAt !== 'number') return undefined;
      const bytes = Buffer.from(sealed.slice(SEALED_PREFIX.length), 'base64');
      if (bytes.length < 12 + 16) return undefined;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
        decipher.setAAD(Buffer.from(`${expiresAt}:${refreshAt}`));
        decipher.setAuthTag(bytes.subarray(bytes.length - 16));
        const token = Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]).toString('utf8');
        return { token, expiresAt, refreshAt };
      } catch {
        // Sealed under another secret (rotated) or altered: as good as no token.
        return undefined;
      }
    },
  };
}

/**
 * Create a tenant token manager. Usually made for you by `createLarkClient`.
 * @public
 */
export function createTenantTokenManager(options: TenantTokenManagerOptions): TenantTokenManager {
  const store = options.store ?? mapStore();
  const now = options.now ?? Date.now;
  const refreshBefore = options.refreshBeforeExpiryMs ?? 29 * 60_000;
  const logger = options.logger ?? noopLogger;
  const codec = options.sealWith === undefined ? plainCodec : sealingCodec(options.sealWith, options.cacheKey);
  let inFlight: Promise<string> | undefined;
  let fetchCount = 0;
  // The last token this manager fetched. The store comes first (another process may hold a newer one, and an
  // entry deleted there means Lark rejected the token). When the store holds an entry this manager cannot
  // read — an older auditpull sharing it wrote the token in clear — this one is used instead of a token
  // request before every call, while the two versions overwrite each other.
  let own: CachedTenantToken | undefined;

  const usable = (cached: CachedTenantToken | undefined, at: number): cached is CachedTenantToken =>
    cached !== undefined && at < cached.refreshAt && at < cached.expiresAt;

  async function readCache(): Promise<CachedTenantToken | undefined> {
    const value = await store.get(options.cacheKey);
    if (value === undefined || value === null) return undefined;
    return codec.decode(value) ?? own;
  }

  async function refresh(): Promise<string> {
    // Another process sharing the store may have refreshed it meanwhile.
    const shared = await readCache();
    if (usable(shared, now())) return shared.token;
    fetchCount += 1;
    const fetchedAt = now();
    const { token, expireSeconds } = await options.fetchToken();
    const lifeMs = expireSeconds * 1000;
    const expiresAt = fetchedAt + lifeMs;
    const reuseMs = lifeMs - refreshBefore >= MIN_REUSE_MS ? lifeMs - refreshBefore : Math.min(MIN_REUSE_MS, lifeMs / 2);
    const cached: CachedTenantToken = { token, expiresAt, refreshAt: fetchedAt + reuseMs };
    own = cached;
    await store.set(options.cacheKey, codec.encode(cached), Math.max(1, Math.floor(lifeMs)));
    logger.info('Successfully generated auth token for Lark API', { expiresInSeconds: expireSeconds });
    return token;
  }

  return {
    async getToken(getOptions = {}) {
      const { signal } = getOptions;
      signal?.throwIfAborted();
      const cached = await readCache();
      if (usable(cached, now())) return cached.token;
      inFlight ??= refresh().finally(() => {
        inFlight = undefined;
      });
      return untilAborted(inFlight, signal);
    },
    async invalidate(token) {
      if (own?.token === token) own = undefined;
      const cached = await readCache();
      if (cached?.token === token) await store.delete(options.cacheKey);
      logger.warn('Lark rejected the tenant token; a new one will be requested');
    },
    get fetchCount() {
      return fetchCount;
    },
  };
}
