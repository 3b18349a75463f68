import createClient, { type Client, type Middleware } from 'openapi-fetch';
import pThrottle from 'p-throttle';
import type { Logger } from '../log.ts';
import { noopLogger } from '../log.ts';
import { untilAborted } from '../http/abort.ts';
import { withRetry, type RetryOptions } from '../http/retry.ts';
import { VERSION } from '../version.ts';
import type { AlibabaCredentials, SignatureVersion } from '../alibaba/sign.ts';
import { signRpcRequest } from '../alibaba/rpc-sign.ts';
import { signV3Request } from '../alibaba/v3-sign.ts';
import type { paths } from './generated/schema.ts';
import { ActionTrailError, classifyActionTrailError } from './errors.ts';

/**
 * Options of {@link createActionTrailClient}. Give `region` or `baseUrl`.
 * @public
 */
export interface ActionTrailClientOptions {
  readonly credentials: AlibabaCredentials;
  /** e.g. `cn-hangzhou` → `https://actiontrail.cn-hangzhou.aliyuncs.com`. */
  readonly region?: string;
  /** Overrides the endpoint (VPC endpoint, a proxy, a simulator). */
  readonly baseUrl?: string;
  /** @defaultValue `v3` (ACS3-HMAC-SHA256) */
  readonly signatureVersion?: SignatureVersion;
  /** @defaultValue 30000 */
  readonly requestTimeoutMs?: number;
  /** Sustained calls per second, retries included (Alibaba's limit is about 10/s, UNVERIFIED). @defaultValue 5 */
  readonly requestsPerSecond?: number;
  readonly retry?: RetryOptions;
  readonly fetch?: typeof globalThis.fetch;
  /** Clock for signature timestamps. @defaultValue Date.now */
  readonly now?: () => number;
  readonly logger?: Logger;
}

/**
 * A typed ActionTrail client: the raw openapi-fetch client (signing middleware installed) and `call`, which
 * checks the answer and retries throttling, 5xx and network errors, re-signing every attempt.
 * @public
 */
export interface ActionTrailClient {
  readonly api: Client<paths>;
  readonly baseUrl: string;
  call<T>(send: (api: Client<paths>, signal: AbortSignal) => Promise<{ data?: T; error?: unknown; response: Response }>, options?: { signal?: AbortSignal }): Promise<T>;
}

const ACTION = 'LookupEvents';
const API_VERSION = '2020-07-06';

function retryAfterMs(response: Response): number | undefined {
  // The official core reads x-acs-retry-after as milliseconds.
  const header = response.headers.get('x-acs-retry-after');
  const value = header === null || header.trim() === '' ? Number.NaN : Number(header);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Create an ActionTrail client. Signing is the only middleware; retries wrap whole calls, so each attempt
 * is signed afresh (new timestamp and nonce, as Alibaba requires).
 * @public
 */
export function createActionTrailClient(options: ActionTrailClientOptions): ActionTrailClient {
  const { credentials } = options;
  if (!credentials?.accessKeyId || !credentials.accessKeySecret) throw new TypeError('[auditpull] createActionTrailClient needs accessKeyId and accessKeySecret');
  if (!options.baseUrl && !options.region) throw new TypeError('[auditpull] createActionTrailClient needs region or baseUrl');
  if (options.region && !/^[a-z0-9-]+$/.test(options.region)) throw new TypeError('[auditpull] region must look like cn-hangzhou');
  const baseUrl = (options.baseUrl ?? `https://actiontrail.${options.region}.aliyuncs.com`).replace(/\/+$/, '');
  const version = options.signatureVersion ?? 'v3';
  const now = options.now ?? Date.now;
  const logger = options.logger ?? noopLogger;
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  const api = createClient<paths>({ baseUrl, fetch: options.fetch ?? globalThis.fetch, headers: { 'User-Agent': `auditpull/${VERSION}` } });

  const sign: Middleware = {
    onRequest({ request }) {
      const url = new URL(request.url);
      const params: Record<string, string> = {};
      for (const [key, value] of url.searchParams) if (key !== 'Action' && key !== 'Version') params[key] = value;
      const at = new Date(now());
      if (version === 'v2') {
        const signed = signRpcRequest({ method: request.method === 'POST' ? 'POST' : 'GET', params, credentials, action: ACTION, version: API_VERSION, now: at });
        url.search = new URLSearchParams(signed).toString();
        return new Request(url, request);
      }
      const query = { ...params, Action: ACTION, Version: API_VERSION };
      const headers = signV3Request({ method: request.method, host: url.host, path: url.pathname, query, credentials, action: ACTION, version: API_VERSION, now: at });
      url.search = new URLSearchParams(query).toString();
      const signedRequest = new Request(url, request);
      for (const [name, value] of Object.entries(headers)) signedRequest.headers.set(name, value);
      return signedRequest;
    },
  };
  api.use(sign);

  const rate = options.requestsPerSecond ?? 5;
  if (!(rate > 0)) throw new TypeError('[auditpull] requestsPerSecond must be a positive number');
  const burst = Math.ceil(rate);
  const slot = pThrottle({ limit: burst, interval: Math.round((1000 * burst) / rate), strict: true })(async () => {});

  async function once<T>(send: (api: Client<paths>, signal: AbortSignal) => Promise<{ data?: T; error?: unknown; response: Response }>, signal: AbortSignal | undefined): Promise<T> {
    signal?.throwIfAborted();
    // Waiting for a slot is short at the default rate, but a stop must never wait behind a queue of calls.
    await untilAborted(slot(), signal);
    let result: { data?: T; error?: unknown; response: Response };
    const timeout = AbortSignal.timeout(timeoutMs);
    try {
      result = await send(api, signal ? AbortSignal.any([signal, timeout]) : timeout);
    } catch (error) {
      const kind = error instanceof SyntaxError ? 'malformed' : 'network';
      throw new ActionTrailError({ kind, message: error instanceof Error ? error.message : String(error), cause: error });
    }
    const { response } = result;
    const requestId = response.headers.get('x-acs-request-id') ?? undefined;
    if (!response.ok || result.error !== undefined) {
      const body = isObject(result.error) ? result.error : {};
      const code = typeof body['Code'] === 'string' ? body['Code'] : undefined;
      const message = typeof body['Message'] === 'string' ? body['Message'] : undefined;
      throw new ActionTrailError({ kind: code ? 'api' : response.status >= 500 ? 'api' : 'malformed', status: response.status, code, message, requestId: (body['RequestId'] as string | undefined) ?? requestId, retryAfterMs: retryAfterMs(response) });
    }
    if (!isObject(result.data) || typeof result.data['RequestId'] !== 'string' || ('Events' in result.data && !Array.isArray(result.data['Events']))) {
      throw new ActionTrailError({ kind: 'malformed', status: response.status, requestId, message: 'answer is not a LookupEvents response' });
    }
    return result.data as T;
  }

  return {
    api,
    baseUrl,
    call(send, callOptions = {}) {
      return withRetry(() => once(send, callOptions.signal), classifyActionTrailError, { logger, ...options.retry, operation: ACTION, ...(callOptions.signal ? { signal: callOptions.signal } : {}) });
    },
  };
}
