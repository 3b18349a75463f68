import type { SlsSimFault, SlsSimFaultApi } from './types.ts';

/** Faults waiting for requests, first-in first-out among those matching the request's API. */
export class FaultQueue {
  readonly #queue: Array<{ fault: SlsSimFault; api: SlsSimFaultApi | undefined; shard: number | undefined; remaining: number }> = [];

  add(fault: SlsSimFault, api: SlsSimFaultApi | undefined, shard?: number): void {
    if (!Number.isSafeInteger(fault.count) || fault.count < 1) throw new RangeError(`fault count must be a positive integer, got ${fault.count}`);
    if (fault.kind === 'error' && (!Number.isSafeInteger(fault.status) || fault.status < 100 || fault.status > 599)) {
      throw new RangeError(`status must be an HTTP status, got ${fault.status}`);
    }
    this.#queue.push({ fault: { ...fault }, api, shard, remaining: fault.count });
  }

  /** Takes one use of the first pending fault for `api` (or for any API) and, if it names one, `shard`. */
  take(api: string, shard: number | undefined): SlsSimFault | undefined {
    const index = this.#queue.findIndex((entry) => (entry.api === undefined || entry.api === api) && (entry.shard === undefined || entry.shard === shard));
    const entry = this.#queue[index];
    if (entry === undefined) return undefined;
    entry.remaining -= 1;
    if (entry.remaining === 0) this.#queue.splice(index, 1);
    return entry.fault;
  }
}

/** A sliding one-second window per key (shard), on the sim clock. Refused requests do not count. */
export class SecondLimiter {
  readonly #limit: number;
  readonly #hits = new Map<number, number[]>();

  constructor(limitPerSecond: number) {
    this.#limit = limitPerSecond;
  }

  /** Records a request; false when it is over the limit. */
  hit(key: number, nowMs: number): boolean {
    if (this.#limit <= 0) return true;
    const hits = (this.#hits.get(key) ?? []).filter((at) => at > nowMs - 1000);
    this.#hits.set(key, hits);
    if (hits.length >= this.#limit) return false;
    hits.push(nowMs);
    return true;
  }
}

/** Garbage of the body's length (at least 16 bytes): a valid-looking answer that cannot be decoded. */
export function corruptBody(body: Buffer): Buffer {
  const out = Buffer.alloc(Math.max(16, body.length));
  // A fixed pattern, not random, so failures reproduce; 0xff tokens make an LZ4 decoder overrun.
  for (let i = 0; i < out.length; i += 1) out[i] = i % 3 === 0 ? 0xff : (i * 37) & 0xff;
  return out;
}

export const truncateBody = (body: Buffer): Buffer => body.subarray(0, Math.floor(body.length / 2));
