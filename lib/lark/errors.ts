import type { RetryDecision } from '../http/retry.ts';

/**
 * What went wrong with a Lark call:
 * - `api`: Lark answered with a non-zero body `code` or an error status.
 * - `network`: no answer (DNS, refused, reset, timeout).
 * - `malformed`: an answer that is not the JSON envelope Lark documents (truncated, HTML, missing fields).
 * @public
 */
export type LarkErrorKind = 'api' | 'network' | 'malformed';

/**
 * An error from the Lark Open Platform, with the vendor's `code`, `msg` and log id kept apart from the
 * message. Never carries the app secret or a token.
 * @public
 */
export class LarkError extends Error {
  override readonly name = 'LarkError';
  readonly kind: LarkErrorKind;
  /** The operation that failed, e.g. `tenant_access_token` or `audit_infos`. */
  readonly operation: string;
  readonly status: number | undefined;
  readonly code: number | undefined;
  readonly msg: string | undefined;
  readonly logId: string | undefined;
  /** Server-requested wait (`x-ogw-ratelimit-reset`), when rate limited. */
  readonly retryAfterMs: number | undefined;

  constructor(init: {
    kind: LarkErrorKind;
    operation: string;
    status?: number | undefined;
    code?: number | undefined;
    msg?: string | undefined;
    logId?: string | undefined;
    retryAfterMs?: number | undefined;
    cause?: unknown;
  }) {
    const where = init.status === undefined ? '' : ` HTTP ${init.status}`;
    const what = init.code === undefined ? '' : ` code ${init.code}`;
    const text = init.msg === undefined ? '' : `: ${init.msg}`;
    super(`Lark ${init.operation} failed (${init.kind}${where}${what})${text}`, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind;
    this.operation = init.operation;
    this.status = init.status;
    this.code = init.code;
    this.msg = init.msg;
    this.logId = init.logId;
    this.retryAfterMs = init.retryAfterMs;
  }
}

/**
 * Type guard by name.
 * @public
 */
export function isLarkError(value: unknown): value is LarkError {
  return value instanceof Error && value.name === 'LarkError';
}

/**
 * Body codes meaning the tenant token is missing, invalid or expired: drop it, fetch a new one, retry once.
 * @public
 */
export const LARK_INVALID_TOKEN_CODES: ReadonlySet<number> = new Set([99991661, 99991663, 99991671, 99991677]);

/** Rate limit body codes: 99991400 (frequency limit), 1000004 (method), 1000005 (app). */
const RATE_LIMIT_CODES: ReadonlySet<number> = new Set([99991400, 1000004, 1000005]);

/** Internal errors Lark asks callers to retry (research/lark.md §4). */
const RETRYABLE_CODES: ReadonlySet<number> = new Set([
  1500, 1503, 1551, 1557, 1642, 1663, 1668, 2200, 5000, 10101, 10105, 10500, 1000003, 1050002, 1050008,
]);

/**
 * The retry decision for an error thrown by a Lark call.
 * @public
 */
export function classifyLarkError(error: unknown): RetryDecision {
  if (!isLarkError(error)) return { kind: 'fatal' };
  if (error.kind === 'network' || error.kind === 'malformed') return { kind: 'transient' };
  if (error.status === 429 || (error.code !== undefined && RATE_LIMIT_CODES.has(error.code))) {
    return { kind: 'rate-limited', retryAfterMs: error.retryAfterMs };
  }
  if (error.code !== undefined && RETRYABLE_CODES.has(error.code)) return { kind: 'transient' };
  if (error.status !== undefined && error.status >= 500) return { kind: 'transient' };
  return { kind: 'fatal' };
}
