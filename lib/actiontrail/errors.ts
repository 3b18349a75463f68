import { redactVendorMessage } from '../http/redact.ts';
import type { RetryDecision } from '../http/retry.ts';

/**
 * What went wrong with an ActionTrail call: `api` (a POP error body: `Code`, `Message`), `network` (no
 * answer), `malformed` (an answer that is not the documented JSON).
 * @public
 */
export type ActionTrailErrorKind = 'api' | 'network' | 'malformed';

/**
 * An error from ActionTrail, with the POP `Code`, `Message` and `RequestId` kept apart. Never holds a secret.
 * @public
 */
export class ActionTrailError extends Error {
  override readonly name = 'ActionTrailError';
  readonly kind: ActionTrailErrorKind;
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly requestId: string | undefined;
  /** Server-requested wait (`x-acs-retry-after`), when throttled. */
  readonly retryAfterMs: number | undefined;

  constructor(init: { kind: ActionTrailErrorKind; status?: number | undefined; code?: string | undefined; message?: string | undefined; requestId?: string | undefined; retryAfterMs?: number | undefined; cause?: unknown }) {
    const where = init.status === undefined ? '' : ` HTTP ${init.status}`;
    const what = init.code === undefined ? '' : ` ${init.code}`;
    // Alibaba echoes its string to sign in SignatureDoesNotMatch messages, STS token included: cut it.
    super(`ActionTrail LookupEvents failed (${init.kind}${where}${what})${init.message ? `: ${redactVendorMessage(init.message)}` : ''}`, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind;
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
    this.retryAfterMs = init.retryAfterMs;
  }
}

/**
 * Type guard by name.
 * @public
 */
export function isActionTrailError(value: unknown): value is ActionTrailError {
  return value instanceof Error && value.name === 'ActionTrailError';
}

/** Codes meaning "the service had a problem", worth a retry. */
const TRANSIENT_CODES: ReadonlySet<string> = new Set(['InternalError', 'InternalFailure', 'ServiceUnavailable', 'ServiceUnavailableTemporary']);

/**
 * The retry decision for an ActionTrail error: `Throttling*` waits and retries, 5xx and network errors back
 * off, everything else (parameters, signature, permission) fails at once.
 * @public
 */
export function classifyActionTrailError(error: unknown): RetryDecision {
  if (!isActionTrailError(error)) return { kind: 'fatal' };
  if (error.kind !== 'api') return { kind: 'transient' };
  if (error.code?.includes('Throttling')) return { kind: 'rate-limited', retryAfterMs: error.retryAfterMs };
  if ((error.code !== undefined && TRANSIENT_CODES.has(error.code)) || (error.status !== undefined && error.status >= 500)) return { kind: 'transient' };
  return { kind: 'fatal' };
}
