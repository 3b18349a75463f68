import { gzipSync } from 'node:zlib';
import { AuditpullError } from '../errors/auditpull-error.ts';
import { withRetry, type RetryDecision, type RetryOptions } from '../http/retry.ts';
import type { Logger } from '../log.ts';
import { noopLogger } from '../log.ts';

/**
 * Options of {@link createHttpSender}: Devo's HTTP ingestion endpoint in `stream` mode.
 * @public
 */
export interface HttpSenderOptions {
  /** e.g. `https://http-us.devo.io`. */
  readonly endpoint: string;
  readonly domain: string;
  /** The HTTP token created in Devo. Never logged. */
  readonly token: string;
  /** The host name Devo records for the events. */
  readonly hostname: string;
  /** Gzip request bodies. @defaultValue true */
  readonly gzip?: boolean;
  /** Largest request body (before compression); Devo accepts 32 MB. @defaultValue 33554432 */
  readonly maxRequestBytes?: number;
  /** @defaultValue 30000 */
  readonly requestTimeoutMs?: number;
  readonly retry?: RetryOptions;
  readonly fetch?: typeof globalThis.fetch;
  readonly logger?: Logger;
}

/**
 * Sends events to Devo over HTTP: one POST per batch of one tag, acknowledged by a 2xx answer.
 * @public
 */
export interface HttpSender {
  /** Resolves once Devo answered 2xx for every request of the batch; rejects with an OutputError. */
  send(tag: string, lines: readonly string[]): Promise<void>;
}

class HttpStatusError extends Error {
  readonly status: number;
  constructor(status: number) {
    super(`HTTP ${status}`);
    this.status = status;
  }
}

/** 5xx, 429 and network errors are worth another try; any other answer will not change. */
function classify(error: unknown): RetryDecision {
  if (error instanceof HttpStatusError) {
    if (error.status === 429) return { kind: 'rate-limited', retryAfterMs: undefined };
    return error.status >= 500 ? { kind: 'transient' } : { kind: 'fatal' };
  }
  return { kind: 'transient' };
}

/**
 * Create a Devo HTTP sender. Requests go to `{endpoint}/stream/{domain}/token!{token}/{hostname}/{tag}`
 * with newline-separated events in the body (gzip by default); batches above `maxRequestBytes` are
 * split. The token sits in the URL path: errors and logs show the URL with it masked.
 * @public
 */
export function createHttpSender(options: HttpSenderOptions): HttpSender {
  for (const [name, value] of Object.entries({ endpoint: options.endpoint, domain: options.domain, token: options.token, hostname: options.hostname })) {
    if (!value || /\s/.test(value)) throw new TypeError(`[auditpull] createHttpSender needs a ${name} without whitespace`);
  }
  const endpoint = options.endpoint.replace(/\/+$/, '');
  const gzip = options.gzip ?? true;
  const maxBytes = options.maxRequestBytes ?? 32 * 1024 * 1024;
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const logger = options.logger ?? noopLogger;
  const urlFor = (tag: string, token: string) =>
    `${endpoint}/stream/${encodeURIComponent(options.domain)}/token!${token}/${encodeURIComponent(options.hostname)}/${encodeURIComponent(tag)}`;

  async function post(tag: string, body: string): Promise<void> {
    const payload = gzip ? gzipSync(body) : Buffer.from(body);
    const headers: Record<string, string> = { 'Content-Type': 'text/plain; charset=utf-8', ...(gzip ? { 'Content-Encoding': 'gzip' } : {}) };
    await withRetry(
      async () => {
        const response = await fetchImpl(urlFor(tag, options.token), { method: 'POST', headers, body: payload, signal: AbortSignal.timeout(timeoutMs) });
        await response.arrayBuffer().catch(() => undefined);
        if (!response.ok) throw new HttpStatusError(response.status);
      },
      classify,
      { logger, ...options.retry },
    ).catch((error: unknown) => {
      const what = error instanceof HttpStatusError ? `answered ${error.message}` : `failed: ${error instanceof Error ? error.message : String(error)}`;
      throw new AuditpullError(error instanceof HttpStatusError && error.status < 500 ? 405 : 402, `Devo HTTP endpoint ${urlFor(tag, '***')} ${what}`);
    });
  }

  return {
    async send(tag, lines) {
      let batch: string[] = [];
      let bytes = 0;
      for (const line of lines) {
        const size = Buffer.byteLength(line) + 1;
        if (size > maxBytes) throw new AuditpullError(406, `An event of ${size} bytes is larger than the Devo HTTP request limit (${maxBytes} bytes)`);
        if (bytes + size > maxBytes) {
          await post(tag, `${batch.join('\n')}\n`);
          batch = [];
          bytes = 0;
        }
        batch.push(line);
        bytes += size;
      }
      if (batch.length > 0) await post(tag, `${batch.join('\n')}\n`);
    },
  };
}
