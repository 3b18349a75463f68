import type { LarkSimEndpoint } from './security-types.ts';
import type { LarkSimFault, SimReply } from './types.ts';

/** The endpoints faults and rate limits are counted by. */
export type Endpoint = LarkSimEndpoint;

/**
 * Lark's documented limit for audit_infos, sent in `x-ogw-ratelimit-limit` by injected faults
 * (on every endpoint: the limits of the security_and_compliance log APIs are undocumented).
 */
const DOCUMENTED_LIMIT_PER_MINUTE = 100;

export function rateLimitReply(limit: number, resetSeconds: number, status: 429 | 400 = 429): SimReply {
  return {
    status,
    body: { code: 99991400, msg: 'request trigger frequency limit' },
    headers: { 'x-ogw-ratelimit-limit': String(limit), 'x-ogw-ratelimit-reset': String(resetSeconds) },
  };
}

/** Faults waiting for requests, applied first-in first-out per endpoint. */
export class FaultQueue {
  readonly #queue: Array<{ fault: LarkSimFault; endpoint: Endpoint; remaining: number }> = [];

  add(fault: LarkSimFault, endpoint: Endpoint): void {
    if (!Number.isSafeInteger(fault.count) || fault.count < 1) throw new RangeError(`fault count must be a positive integer, got ${fault.count}`);
    if (fault.kind === 'rate-limit' && (!Number.isFinite(fault.resetSeconds) || fault.resetSeconds < 0)) {
      throw new RangeError(`resetSeconds must be a non-negative number, got ${fault.resetSeconds}`);
    }
    this.#queue.push({ fault, endpoint, remaining: fault.count });
  }

  /** Takes one use of the first pending fault for `endpoint`. */
  take(endpoint: Endpoint): LarkSimFault | undefined {
    const index = this.#queue.findIndex((entry) => entry.endpoint === endpoint);
    const entry = this.#queue[index];
    if (entry === undefined) return undefined;
    entry.remaining -= 1;
    if (entry.remaining === 0) this.#queue.splice(index, 1);
    return entry.fault;
  }
}

/** The answer to a fault that is answered without processing, or undefined for malformed/hold. */
export function faultReply(fault: LarkSimFault, limitPerMinute: number): SimReply | undefined {
  switch (fault.kind) {
    case 'rate-limit':
      return rateLimitReply(limitPerMinute > 0 ? limitPerMinute : DOCUMENTED_LIMIT_PER_MINUTE, fault.resetSeconds, fault.status);
    case 'error':
      return { status: fault.status, body: { code: fault.code, msg: fault.msg ?? 'internal error, please try again later' } };
    case 'malformed':
    case 'hold':
      return undefined;
  }
}

/** A sliding one-minute window per key, on the sim clock. Refused requests do not count. */
export class SlidingWindowLimiter {
  readonly #limit: number;
  readonly #hits = new Map<string, number[]>();

  constructor(limitPerMinute: number) {
    this.#limit = limitPerMinute;
  }

  /** Records a request; returns the 429 reply when the key is over its limit. */
  hit(key: string, nowMs: number): SimReply | undefined {
    if (this.#limit <= 0) return undefined;
    const hits = (this.#hits.get(key) ?? []).filter((at) => at > nowMs - 60_000);
    this.#hits.set(key, hits);
    const first = hits[0];
    if (hits.length >= this.#limit && first !== undefined) {
      return rateLimitReply(this.#limit, Math.max(1, Math.ceil((first + 60_000 - nowMs) / 1000)));
    }
    hits.push(nowMs);
    return undefined;
  }
}
