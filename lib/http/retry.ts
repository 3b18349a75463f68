import pRetry from 'p-retry';
import type { Logger } from '../log.ts';
import { noopLogger } from '../log.ts';

/**
 * How a failed attempt should be treated.
 * - `fatal`: do not retry (parameter errors, bad credentials).
 * - `transient`: retry with exponential backoff (5xx, network, internal vendor codes).
 * - `rate-limited`: wait `retryAfterMs` (capped, jittered) and retry without using up the retry budget.
 * @public
 */
export type RetryDecision =
  | { readonly kind: 'fatal' }
  | { readonly kind: 'transient' }
  | { readonly kind: 'rate-limited'; readonly retryAfterMs: number | undefined };

/**
 * What {@link RetryOptions.onRetry} is told before each retry.
 * @public
 */
export interface RetryInfo {
  /** The attempt that failed, from 1. */
  readonly attempt: number;
  /** The server asked to slow down (a rate limit or quota), rather than failed. */
  readonly rateLimited: boolean;
  /** The call being retried, as the client names it (`audit_infos`, `tenant_access_token`, `LookupEvents`, `PullLogs`, …). */
  readonly operation?: string;
}

/**
 * Retry policy. Every attempt re-runs the whole operation, so auth middleware and signers run again.
 * @public
 */
export interface RetryOptions {
  /** Retries for transient failures. @defaultValue 5 */
  readonly retries?: number;
  /** First backoff delay. @defaultValue 500 */
  readonly minDelayMs?: number;
  /** Largest backoff delay. @defaultValue 30000 */
  readonly maxDelayMs?: number;
  /** Cap on a server-requested wait (rate-limit reset). @defaultValue 120000 */
  readonly maxRetryAfterMs?: number;
  /**
   * Longest wait when a rate-limit answer names no reset time: such waits start at 1 s and double on
   * each consecutive unhinted rate limit up to this. @defaultValue 10000
   */
  readonly defaultRetryAfterMs?: number;
  /** Give up after this long in total, rate-limit waits included. @defaultValue 900000 */
  readonly maxRetryTimeMs?: number;
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
  /** Called before each retry (for metrics). Its failures are ignored. */
  readonly onRetry?: (info: RetryInfo) => void;
  /** Names the call in `onRetry` reports; the lib clients set it to their operation's name. */
  readonly operation?: string;
}

/** Resolved retry options. @internal */
type RetryState = Required<Omit<RetryOptions, 'signal' | 'onRetry' | 'operation'>> & { signal: AbortSignal | undefined };

function resolve(options: RetryOptions): RetryState {
  return {
    retries: options.retries ?? 5,
    minDelayMs: options.minDelayMs ?? 500,
    maxDelayMs: options.maxDelayMs ?? 30_000,
    maxRetryAfterMs: options.maxRetryAfterMs ?? 120_000,
    defaultRetryAfterMs: options.defaultRetryAfterMs ?? 10_000,
    maxRetryTimeMs: options.maxRetryTimeMs ?? 900_000,
    logger: options.logger ?? noopLogger,
    signal: options.signal,
  };
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolvePromise();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The wait before retrying a rate-limited call: the server's reset time capped at `maxRetryAfterMs`,
 * plus up to 10% jitter so several collectors sharing an app do not retry in lockstep.
 * @public
 */
export function rateLimitDelayMs(retryAfterMs: number | undefined, options: RetryOptions = {}): number {
  const state = resolve(options);
  const base = Math.min(Math.max(retryAfterMs ?? state.defaultRetryAfterMs, 0), state.maxRetryAfterMs);
  return Math.round(base + Math.random() * base * 0.1);
}

/**
 * Run `operation`, retrying it per `classify`. The operation is called afresh on every attempt.
 * Rejects with the last error when it is fatal or retries are exhausted.
 * @public
 */
export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  classify: (error: unknown) => RetryDecision,
  options: RetryOptions = {},
): Promise<T> {
  const state = resolve(options);
  const startedAt = performance.now();
  let unhinted = 0;
  return pRetry(operation, {
    retries: state.retries,
    minTimeout: state.minDelayMs,
    maxTimeout: state.maxDelayMs,
    factor: 2,
    randomize: true,
    maxRetryTime: state.maxRetryTimeMs,
    ...(state.signal ? { signal: state.signal } : {}),
    // A rate limit is the server pacing us, not a failure: it does not use up the retry budget.
    shouldConsumeRetry: ({ error }) => classify(error).kind !== 'rate-limited',
    // p-retry calls this only once its budget and time checks passed, so a wait here always precedes a retry.
    shouldRetry: async ({ error, attemptNumber }) => {
      const decision = classify(error);
      if (decision.kind === 'fatal') return false;
      try {
        const { operation: name } = options;
        options.onRetry?.({ attempt: attemptNumber, rateLimited: decision.kind === 'rate-limited', ...(name === undefined ? {} : { operation: name }) });
      } catch {
        // A metrics hook must not turn a retry into a failure.
      }
      if (decision.kind === 'rate-limited') {
        const left = state.maxRetryTimeMs - (performance.now() - startedAt);
        // A server that says when to come back is believed; one that does not gets a growing backoff.
        unhinted = decision.retryAfterMs === undefined ? unhinted + 1 : 0;
        const hint = decision.retryAfterMs ?? Math.min(1000 * 2 ** (unhinted - 1), state.defaultRetryAfterMs);
        const wait = Math.min(rateLimitDelayMs(hint, options), Math.max(0, left));
        state.logger.warn(`Rate limited, waiting ${wait} ms before retrying`, { attempt: attemptNumber, error: String(error) });
        await sleep(wait, state.signal);
        return true;
      }
      state.logger.warn(`Attempt ${attemptNumber} failed, retrying with backoff`, { error: String(error) });
      return true;
    },
  });
}
