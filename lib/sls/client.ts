import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { Logger } from '../log.ts';
import { noopLogger } from '../log.ts';
import { redactVendorMessage } from '../http/redact.ts';
import { withRetry, type RetryDecision, type RetryOptions } from '../http/retry.ts';
import { VERSION } from '../version.ts';
import type { AlibabaCredentials } from '../alibaba/sign.ts';
import type { components, paths } from './generated/schema.ts';
import { signSlsV1 } from './sign-v1.ts';
import { signSlsV4 } from './sign-v4.ts';
import { decodePullLogsBody, type SlsCompressType, type SlsLogGroup } from './decode.ts';
import { isSlsDecodeError } from './errors.ts';

/**
 * Options of {@link createSlsClient}. Give `region` (or `endpoint`), or `baseUrl`.
 * @public
 */
export interface SlsClientOptions {
  readonly project: string;
  readonly credentials: AlibabaCredentials;
  /** e.g. `cn-hangzhou`: the endpoint is `{project}.cn-hangzhou.log.aliyuncs.com`; also the v4 signing region. */
  readonly region?: string;
  /** Endpoint host without the project, e.g. `cn-hangzhou-intranet.log.aliyuncs.com`. */
  readonly endpoint?: string;
  /** Used as is (a proxy or a simulator): the project is not put in the host. */
  readonly baseUrl?: string;
  /** @defaultValue `v1` (HMAC-SHA1, accepted everywhere); `v4` is SLS4-HMAC-SHA256 and needs `region`. */
  readonly signatureVersion?: 'v1' | 'v4';
  /** @defaultValue 30000 */
  readonly requestTimeoutMs?: number;
  readonly retry?: RetryOptions;
  readonly fetch?: typeof globalThis.fetch;
  /** Clock for request dates. @defaultValue Date.now */
  readonly now?: () => number;
  readonly logger?: Logger;
}

/**
 * One shard as ListShards returns it.
 * @public
 */
export type SlsShard = components['schemas']['Shard'];

/**
 * One PullLogs answer, decoded.
 * @public
 */
export interface PullLogsResult {
  readonly groups: readonly SlsLogGroup[];
  /** Where the next pull starts. Equal to the request's cursor when there was nothing to read. */
  readonly nextCursor: string;
  /** Log groups in this answer. */
  readonly count: number;
  /** A readonly shard read to its end: it will never have more. */
  readonly endOfCursor: boolean;
}

/**
 * An SLS error answer or transport failure.
 * @public
 */
export class SlsError extends Error {
  override readonly name = 'SlsError';
  readonly kind: 'api' | 'network' | 'malformed';
  readonly status: number | undefined;
  readonly errorCode: string | undefined;
  readonly requestId: string | undefined;
  constructor(init: { kind: 'api' | 'network' | 'malformed'; operation: string; status?: number | undefined; errorCode?: string | undefined; message?: string | undefined; requestId?: string | undefined; cause?: unknown }) {
    const where = init.status === undefined ? '' : ` HTTP ${init.status}`;
    super(`SLS ${init.operation} failed (${init.kind}${where}${init.errorCode ? ` ${init.errorCode}` : ''})${init.message ? `: ${redactVendorMessage(init.message)}` : ''}`, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind;
    this.status = init.status;
    this.errorCode = init.errorCode;
    this.requestId = init.requestId;
  }
}

/**
 * Type guard by name.
 * @public
 */
export function isSlsError(value: unknown): value is SlsError {
  return value instanceof Error && value.name === 'SlsError';
}

/**
 * Retry decision for SLS: read-quota answers wait and retry, 5xx, network errors and corrupt bodies back
 * off (a corrupt body is never skipped: the cursor stays), everything else fails at once.
 * @public
 */
export function classifySlsError(error: unknown): RetryDecision {
  if (isSlsDecodeError(error)) return { kind: 'transient' };
  if (!isSlsError(error)) return { kind: 'fatal' };
  if (error.kind !== 'api') return { kind: 'transient' };
  const code = `${error.errorCode ?? ''} ${error.message}`;
  if (/Quota|QPS|Throttl/i.test(code) || error.status === 429) return { kind: 'rate-limited', retryAfterMs: undefined };
  if ((error.status ?? 0) >= 500 || /InternalServerError|RequestTimeout|ServerBusy/.test(code)) return { kind: 'transient' };
  return { kind: 'fatal' };
}

/**
 * A typed SLS client for one project: the raw openapi-fetch client (signing middleware installed) and the
 * calls a sequential reader needs, each checked and retried (re-signed on every attempt).
 * @public
 */
export interface SlsClient {
  readonly api: Client<paths>;
  readonly project: string;
  listShards(logstore: string, options?: { signal?: AbortSignal }): Promise<SlsShard[]>;
  /** A cursor at `from`: `begin`, `end`, or a Unix time in seconds (server receive time). */
  getCursor(logstore: string, shard: number, from: 'begin' | 'end' | number, options?: { signal?: AbortSignal }): Promise<string>;
  pullLogs(logstore: string, shard: number, query: { cursor: string; count: number; signal?: AbortSignal }): Promise<PullLogsResult>;
}

function bodyOf(error: unknown): { errorCode?: string; errorMessage?: string } {
  return typeof error === 'object' && error !== null ? (error as { errorCode?: string; errorMessage?: string }) : {};
}

/**
 * Create an SLS client.
 * @public
 */
export function createSlsClient(options: SlsClientOptions): SlsClient {
  const { project, credentials } = options;
  if (!project || !/^[a-z0-9][a-z0-9-]{1,62}$/.test(project)) throw new TypeError('[auditpull] createSlsClient needs a valid project name');
  if (!credentials?.accessKeyId || !credentials.accessKeySecret) throw new TypeError('[auditpull] createSlsClient needs accessKeyId and accessKeySecret');
  const version = options.signatureVersion ?? 'v1';
  if (version === 'v4' && !options.region) throw new TypeError('[auditpull] SLS signature v4 needs region');
  const endpoint = options.endpoint ?? (options.region ? `${options.region}.log.aliyuncs.com` : undefined);
  if (!options.baseUrl && !endpoint) throw new TypeError('[auditpull] createSlsClient needs region, endpoint or baseUrl');
  const baseUrl = (options.baseUrl ?? `https://${project}.${endpoint}`).replace(/\/+$/, '');
  const now = options.now ?? Date.now;
  const logger = options.logger ?? noopLogger;
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  const api = createClient<paths>({ baseUrl, fetch: options.fetch ?? globalThis.fetch, headers: { 'User-Agent': `auditpull/${VERSION}` } });

  const sign: Middleware = {
    async onRequest({ request }) {
      const url = new URL(request.url);
      const query = Object.fromEntries(url.searchParams);
      const body = request.body ? new Uint8Array(await request.clone().arrayBuffer()) : undefined;
      const headers: Record<string, string> = {};
      for (const name of ['accept', 'accept-encoding', 'content-type']) {
        const value = request.headers.get(name);
        if (value !== null) headers[name] = value;
      }
      const at = new Date(now());
      const signed =
        version === 'v1'
          ? signSlsV1({ method: request.method, path: url.pathname, query, headers, ...(body ? { body } : {}), credentials, now: at })
          : signSlsV4({ method: request.method, host: url.host, path: url.pathname, query, headers, ...(body ? { body } : {}), credentials, region: options.region ?? '', now: at });
      for (const [name, value] of Object.entries(signed)) request.headers.set(name, value);
      return request;
    },
  };
  api.use(sign);

  const call = <T>(operation: string, signal: AbortSignal | undefined, send: (timeout: AbortSignal) => Promise<{ data?: T; error?: unknown; response: Response }>): Promise<{ data: T; response: Response }> =>
    withRetry(
      async () => {
        const timeout = AbortSignal.timeout(timeoutMs);
        let result: { data?: T; error?: unknown; response: Response };
        try {
          result = await send(signal ? AbortSignal.any([signal, timeout]) : timeout);
        } catch (error) {
          if (isSlsError(error) || isSlsDecodeError(error)) throw error;
          throw new SlsError({ kind: error instanceof SyntaxError ? 'malformed' : 'network', operation, message: error instanceof Error ? error.message : String(error), cause: error });
        }
        const requestId = result.response.headers.get('x-log-requestid') ?? undefined;
        if (!result.response.ok || result.data === undefined) {
          const body = bodyOf(result.error);
          throw new SlsError({ kind: body.errorCode || !result.response.ok ? 'api' : 'malformed', operation, status: result.response.status, errorCode: body.errorCode, message: body.errorMessage, requestId });
        }
        return { data: result.data, response: result.response };
      },
      classifySlsError,
      { logger, ...options.retry, operation, ...(signal ? { signal } : {}) },
    );

  return {
    api,
    project,
    async listShards(logstore, callOptions = {}) {
      const { data } = await call('ListShards', callOptions.signal, (s) => api.GET('/logstores/{logstore}/shards', { params: { path: { logstore } }, signal: s }));
      if (!Array.isArray(data)) throw new SlsError({ kind: 'malformed', operation: 'ListShards', message: 'answer is not a list of shards' });
      return data;
    },
    async getCursor(logstore, shard, from, callOptions = {}) {
      const { data } = await call('GetCursor', callOptions.signal, (s) =>
        api.GET('/logstores/{logstore}/shards/{shard}', { params: { path: { logstore, shard }, query: { type: 'cursor', from: String(from) } }, signal: s }),
      );
      const cursor: unknown = (data as { cursor?: unknown }).cursor;
      if (typeof cursor !== 'string' || cursor === '') throw new SlsError({ kind: 'malformed', operation: 'GetCursor', message: 'answer has no cursor' });
      return cursor;
    },
    async pullLogs(logstore, shard, query) {
      const { count, cursor } = query;
      if (!Number.isInteger(count) || count < 1 || count > 1000) throw new RangeError('[auditpull] count must be an integer from 1 to 1000');
      // Decoding is inside the retried call: a corrupt or truncated body is fetched again, never skipped.
      return (
        await call<PullLogsResult>('PullLogs', query.signal, async (s) => {
          const result = await api.GET('/logstores/{logstore}/shards/{shard}', {
            params: { path: { logstore, shard }, query: { type: 'log', cursor, count }, header: { 'Accept-Encoding': 'lz4' } },
            headers: { Accept: 'application/x-protobuf' },
            parseAs: 'arrayBuffer',
            signal: s,
          });
          if (!result.response.ok) return { error: result.error, response: result.response };
          const headers = result.response.headers;
          const nextCursor = headers.get('x-log-cursor');
          const rawSize = Number(headers.get('x-log-bodyrawsize') ?? '0');
          if (!nextCursor || !Number.isFinite(rawSize)) {
            throw new SlsError({ kind: 'malformed', operation: 'PullLogs', status: result.response.status, message: 'answer lacks x-log-cursor or x-log-bodyrawsize' });
          }
          const type = (headers.get('x-log-compresstype') ?? '').toLowerCase();
          const compressType: SlsCompressType = type === 'lz4' ? 'lz4' : type === 'deflate' ? 'deflate' : 'none';
          const groups = decodePullLogsBody(new Uint8Array(result.data as ArrayBuffer), { compressType, rawSize });
          const declared = headers.get('x-log-count');
          if (declared !== null && Number(declared) !== groups.length) {
            // A body cut at a group boundary still decodes: the count SLS declared is the last line of defence.
            throw new SlsError({ kind: 'malformed', operation: 'PullLogs', status: result.response.status, message: `x-log-count says ${declared} log groups, the body holds ${groups.length}` });
          }
          const data: PullLogsResult = { groups, nextCursor, count: groups.length, endOfCursor: headers.get('x-log-end-of-cursor') === '1' };
          return { data, response: result.response };
        })
      ).data;
    },
  };
}
