import type { TokenAliases } from '../common/faults.ts';
import { errors, type SimError } from './replies.ts';
import type { ActionTrailSimFault } from './types.ts';

/** Faults waiting for requests, applied first-in first-out. */
export class FaultQueue {
  readonly #queue: Array<{ fault: ActionTrailSimFault; remaining: number }> = [];

  add(fault: ActionTrailSimFault): void {
    if (!Number.isSafeInteger(fault.count) || fault.count < 1) throw new RangeError(`fault count must be a positive integer, got ${fault.count}`);
    if (fault.kind === 'throttle' && fault.retryAfterSeconds !== undefined && !(fault.retryAfterSeconds >= 0 && Number.isFinite(fault.retryAfterSeconds))) {
      throw new RangeError(`retryAfterSeconds must be a non-negative number, got ${fault.retryAfterSeconds}`);
    }
    if (fault.kind === 'error' && (!Number.isSafeInteger(fault.status) || fault.status < 100 || fault.status > 599)) {
      throw new RangeError(`status must be an HTTP status, got ${fault.status}`);
    }
    this.#queue.push({ fault: { ...fault }, remaining: fault.count });
  }

  /** Takes one use of the first pending fault that `accepts` takes. */
  take(accepts: (fault: ActionTrailSimFault) => boolean): ActionTrailSimFault | undefined {
    const index = this.#queue.findIndex((entry) => accepts(entry.fault));
    const entry = this.#queue[index];
    if (entry === undefined) return undefined;
    entry.remaining -= 1;
    if (entry.remaining === 0) this.#queue.splice(index, 1);
    return entry.fault;
  }
}

/** Faults that change a successful answer (to a request with a NextToken) rather than replace it. */
export const changesAnswer = (fault: ActionTrailSimFault): boolean => fault.kind === 'repeat-page' || fault.kind === 'empty-page';

/** A successful answer with an answer fault applied. */
export function changeAnswer(fault: ActionTrailSimFault, body: Record<string, unknown>, sentToken: string, aliases: TokenAliases): Record<string, unknown> {
  if (fault.kind === 'repeat-page') return { ...body, NextToken: sentToken };
  if (fault.kind === 'empty-page') return { ...body, NextToken: aliases.create(sentToken), Events: [] };
  return body;
}

/** The answer to a fault answered without processing; undefined for the others. */
export function faultReply(fault: ActionTrailSimFault): SimError | undefined {
  switch (fault.kind) {
    case 'throttle':
      // x-acs-retry-after is in milliseconds: Alibaba's SDK tests send e.g. "80" for ~80 ms.
      return errors.throttled(fault.retryAfterSeconds === undefined ? undefined : Math.round(fault.retryAfterSeconds * 1000));
    case 'error':
      return errors.custom(fault.status, fault.code, fault.message);
    default:
      return undefined;
  }
}

/** A sliding one-second window per AccessKey, on the sim clock. Refused requests do not count. */
export class SecondLimiter {
  readonly #limit: number;
  readonly #hits = new Map<string, number[]>();

  constructor(limitPerSecond: number) {
    this.#limit = limitPerSecond;
  }

  /** Records a request; returns `Throttling.User` (with the wait in ms) when over the limit. */
  hit(accessKeyId: string, nowMs: number): SimError | undefined {
    if (this.#limit <= 0) return undefined;
    const hits = (this.#hits.get(accessKeyId) ?? []).filter((at) => at > nowMs - 1000);
    this.#hits.set(accessKeyId, hits);
    const oldest = hits[0];
    if (hits.length >= this.#limit && oldest !== undefined) return errors.throttled(Math.max(1, oldest + 1000 - nowMs));
    hits.push(nowMs);
    return undefined;
  }
}
