import { createHash } from 'node:crypto';
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import pThrottle from 'p-throttle';
import type { Logger } from '../log.ts';
import { noopLogger } from '../log.ts';
import { untilAborted } from '../http/abort.ts';
import { withRetry, type RetryOptions } from '../http/retry.ts';
import { VERSION } from '../version.ts';
import type { paths } from './generated/schema.ts';
import { LarkError, LARK_INVALID_TOKEN_CODES, classifyLarkError } from './errors.ts';
import { createTenantTokenManager, type TenantTokenManager } from './token-manager.ts';
import type { TokenStore } from './types.ts';

/**
 * Options of {@link createLarkClient}.
 * @public
 */
export interface LarkClientOptions {
  readonly appId: string;
  readonly appSecret: string;
  /** `https://open.larksuite.com` (Lark) or `https://open.feishu.cn` (Feishu). @defaultValue `https://open.larksuite.com` */
  readonly baseUrl?: string;
  /** Shared token cache (a Keyv instance works). @defaultValue an in-process map */
  readonly tokenStore?: TokenStore;
  /** Stop reusing the tenant token when less than this remains. @defaultValue 1740000 (29 minutes; Lark renews below 30) */
  readonly refreshBeforeExpiryMs?: number;
  /**
   * Requests per minute per endpoint (Lark's documented limit for the log APIs is 100). Every service using
   * this client shares the budget; retries count too. The token endpoint is not limited. @defaultValue 100
   */
  readonly requestsPerMinute?: number;
  /** Per-request timeout. @defaultValue 30000 */
  readonly requestTimeoutMs?: number;
  readonly retry?: RetryOptions;
  readonly fetch?: typeof globalThis.fetch;
  readonly now?: () => number;
  readonly logger?: Logger;
}

/**
 * A typed Lark client: the raw openapi-fetch client (token middleware installed) and `call`, which turns
 * a raw call into checked data with token refresh and retries.
 * @public
 */
export interface LarkClient {
  /** Raw client: returns `{data, error, response}` and never throws on HTTP errors. */
  readonly api: Client<paths>;
  readonly tokens: TenantTokenManager;
  readonly baseUrl: string;
  /**
   * Run a raw call with the body `code` checked whatever the HTTP status, the token dropped and the call
   * repeated once when Lark calls it invalid, and retries for rate limits, 5xx and network errors.
   * Rejects with {@link LarkError}.
   */
  call<T>(operation: string, send: (api: Client<paths>, signal: AbortSignal) => Promise<RawResult<T>>, options?: { signal?: AbortSignal }): Promise<T>;
}

/**
 * What an openapi-fetch call resolves to.
 * @public
 */
export interface RawResult<T> {
  readonly data?: T;
  readonly error?: unknown;
  readonly response: Response;
}

const DEFAULT_BASE_URL = 'https://open.larksuite.com';

interface Envelope {
  code: number;
  msg?: string;
  error?: { log_id?: string };
}

function isEnvelope(body: unknown): body is Envelope {
  return typeof body === 'object' && body !== null && typeof (body as { code?: unknown }).code === 'number';
}

function retryAfterMs(response: Response): number | undefined {
  const reset = Number(response.headers.get('x-ogw-ratelimit-reset'));
  return Number.isFinite(reset) && reset > 0 ? reset * 1000 : undefined;
}

/**
 * Check a raw result: a non-zero body `code` (any HTTP status), an error status, or a body that is not
 * Lark's envelope all become a {@link LarkError}.
 * @internal
 */
export function unwrapLarkResult<T>(operation: string, result: RawResult<T>): T {
  const { response } = result;
  const body = result.data ?? result.error;
  const logId = response.headers.get('x-tt-logid') ?? undefined;
  if (!isEnvelope(body)) {
    throw new LarkError({ kind: response.ok ? 'malformed' : 'api', operation, status: response.status, logId, msg: 'answer is not a Lark JSON envelope', retryAfterMs: retryAfterMs(response) });
  }
  if (body.code !== 0 || !response.ok) {
    throw new LarkError({ kind: 'api', operation, status: response.status, code: body.code, msg: body.msg, logId: body.error?.log_id ?? logId, retryAfterMs: retryAfterMs(response) });
  }
  return body as T;
}

function transportError(operation: string, error: unknown): LarkError {
  if (error instanceof LarkError) return error;
  // openapi-fetch throws a SyntaxError when a 2xx body is not JSON (truncated, HTML from a proxy).
  const kind = error instanceof SyntaxError ? 'malformed' : 'network';
  const msg = error instanceof Error ? error.message : String(error);
  return new LarkError({ kind, operation, msg, cause: error });
}

/**
 * Create a Lark client for one custom app.
 * Middleware order: the token middleware is the only one and runs on every attempt, because retries wrap
 * the whole call (see `call`), so each retry carries the current token.
 * @public
 */
export function createLarkClient(options: LarkClientOptions): LarkClient {
  if (!options.appId || !options.appSecret) throw new TypeError('[auditpull] createLarkClient needs appId and appSecret');
  const baseUrl = (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
  const logger = options.logger ?? noopLogger;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  const headers = { 'User-Agent': `auditpull/${VERSION}` };
  const api = createClient<paths>({ baseUrl, fetch: fetchImpl, headers });
  const tokenApi = createClient<paths>({ baseUrl, fetch: fetchImpl, headers });

  // openapi-fetch throws a bare SyntaxError for a 2xx body that is not JSON and the answer is lost; keep its
  // status and type (token requests are single-flight) so "HTTP 200, text/html" can be told.
  let tokenAnswer: { status: number; contentType: string } | undefined;
  tokenApi.use({
    onResponse({ response }) {
      tokenAnswer = { status: response.status, contentType: response.headers.get('content-type') ?? 'no content type' };
    },
  });

  async function requestToken(): Promise<{ token: string; expireSeconds: number }> {
    const operation = 'tenant_access_token';
    let result: RawResult<unknown>;
    tokenAnswer = undefined;
    try {
      result = await tokenApi.POST('/open-apis/auth/v3/tenant_access_token/internal', {
        body: { app_id: options.appId, app_secret: options.appSecret },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      if (error instanceof SyntaxError && tokenAnswer !== undefined) {
        const { status, contentType } = tokenAnswer;
        throw new LarkError({ kind: 'malformed', operation, status, msg: `answer (${contentType}) is not valid JSON: ${error.message}`, cause: error });
      }
      throw transportError(operation, error);
    }
    const body = unwrapLarkResult(operation, result) as { tenant_access_token?: unknown; expire?: unknown };
    if (typeof body.tenant_access_token !== 'string' || typeof body.expire !== 'number') {
      throw new LarkError({ kind: 'malformed', operation, status: result.response.status, msg: 'token response lacks tenant_access_token or expire' });
    }
    return { token: body.tenant_access_token, expireSeconds: body.expire };
  }

  const tokens = createTenantTokenManager({
    // The secret's digest is in the key so a rotated (or mistyped) secret never reuses a token cached by another.
    cacheKey: `lark:tenant_access_token:${baseUrl}:${options.appId}:${createHash('sha256').update(options.appSecret).digest('hex').slice(0, 16)}`,
    ...(options.tokenStore ? { store: options.tokenStore } : {}),
    // A token in a shared store is encrypted under the app secret: the state holds nothing usable on its own.
    sealWith: options.appSecret,
    ...(options.refreshBeforeExpiryMs === undefined ? {} : { refreshBeforeExpiryMs: options.refreshBeforeExpiryMs }),
    ...(options.now ? { now: options.now } : {}),
    logger,
    // Token requests get the same retries as API calls (5xx, rate limits, network); wrong credentials fail at once.
    fetchToken: () => withRetry(requestToken, classifyLarkError, { logger, ...options.retry, operation: 'tenant_access_token' }),
  });

  // The token each response was sent with, so a rejection invalidates exactly that token.
  const sentWith = new WeakMap<Response, string>();
  const auth: Middleware = {
    async onRequest({ request }) {
      // The request's signal carries the caller's stop: a stop must not wait for a token fetch in trouble.
      const token = await tokens.getToken({ signal: request.signal });
      request.headers.set('Authorization', `Bearer ${token}`);
      return request;
    },
    onResponse({ request, response }) {
      const token = request.headers.get('Authorization')?.slice('Bearer '.length);
      if (token) sentWith.set(response, token);
      return response;
    },
  };
  api.use(auth);

  // One limiter per endpoint, shared by every caller of this client.
  const requestsPerMinute = options.requestsPerMinute ?? 100;
  if (!(requestsPerMinute > 0)) throw new TypeError('[auditpull] requestsPerMinute must be a positive number');
  const limiters = new Map<string, () => Promise<void>>();
  const slot = (operation: string, signal: AbortSignal | undefined): Promise<void> => {
    let limiter = limiters.get(operation);
    if (!limiter) {
      limiter = pThrottle({ limit: requestsPerMinute, interval: 60_000, strict: true })(async () => {});
      limiters.set(operation, limiter);
    }
    // A stop request must not wait for a rate-limit slot (up to a minute).
    return signal?.aborted ? Promise.reject(signal.reason) : untilAborted(limiter(), signal);
  };

  async function once<T>(operation: string, send: (api: Client<paths>, signal: AbortSignal) => Promise<RawResult<T>>, signal: AbortSignal | undefined): Promise<T> {
    await slot(operation, signal);
    let result: RawResult<T>;
    try {
      result = await send(api, AbortSignal.timeout(timeoutMs));
    } catch (error) {
      throw transportError(operation, error);
    }
    try {
      return unwrapLarkResult(operation, result);
    } catch (error) {
      if (error instanceof LarkError && error.code !== undefined && LARK_INVALID_TOKEN_CODES.has(error.code)) {
        const used = sentWith.get(result.response);
        if (used) await tokens.invalidate(used);
      }
      throw error;
    }
  }

  return {
    api,
    tokens,
    baseUrl,
    call(operation, send, callOptions = {}) {
      const retry = { logger, ...options.retry, operation, ...(callOptions.signal ? { signal: callOptions.signal } : {}) };
      return withRetry(
        async () => {
          try {
            return await once(operation, send, callOptions.signal);
          } catch (error) {
            // One immediate repeat with a fresh token; a second rejection is reported as is.
            if (error instanceof LarkError && error.code !== undefined && LARK_INVALID_TOKEN_CODES.has(error.code)) {
              return once(operation, send, callOptions.signal);
            }
            throw error;
          }
        },
        classifyLarkError,
        retry,
      );
    },
  };
}
