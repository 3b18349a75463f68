import type { TokenAliases } from '../common/faults.ts';
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
    if (fault.kind === 'slow' && (!Number.isFinite(fault.ms) || fault.ms < 0)) throw new RangeError(`ms must be a non-negative number, got ${fault.ms}`);
    this.#queue.push({ fault, endpoint, remaining: fault.count });
  }

  /** Takes one use of the first pending fault for `endpoint` that `accepts` takes. */
  take(endpoint: Endpoint, accepts: (fault: LarkSimFault) => boolean): LarkSimFault | undefined {
    const index = this.#queue.findIndex((entry) => entry.endpoint === endpoint && accepts(entry.fault));
    const entry = this.#queue[index];
    if (entry === undefined) return undefined;
    entry.remaining -= 1;
    if (entry.remaining === 0) this.#queue.splice(index, 1);
    return entry.fault;
  }
}

/** The answer to a fault that is answered without processing, or undefined for the others. */
export function faultReply(fault: LarkSimFault, limitPerMinute: number): SimReply | undefined {
  switch (fault.kind) {
    case 'rate-limit':
      return rateLimitReply(limitPerMinute > 0 ? limitPerMinute : DOCUMENTED_LIMIT_PER_MINUTE, fault.resetSeconds, fault.status);
    case 'error':
      return { status: fault.status, body: { code: fault.code, msg: fault.msg ?? 'internal error, please try again later' } };
    default:
      return undefined;
  }
}

/** Faults that change a successful answer rather than replace it. */
const ANSWER_FAULTS: ReadonlySet<LarkSimFault['kind']> = new Set(['repeat-page', 'empty-page', 'bad-utf8']);
export const changesAnswer = (fault: LarkSimFault): boolean => ANSWER_FAULTS.has(fault.kind);

/** Placeholders that {@link send} turns into invalid UTF-8 bytes (the `bad-utf8` fault). */
export const BAD_UTF8: ReadonlyArray<readonly [string, Buffer]> = [
  ['@@sim-bad-utf8-1@@', Buffer.from([0xff])],
  ['@@sim-bad-utf8-2@@', Buffer.from([0xc3, 0x28])],
  ['@@sim-bad-utf8-3@@', Buffer.from([0xed, 0xa0, 0x80])],
];

type Data = Record<string, unknown> & { items?: unknown };

function dataOf(reply: SimReply): Data | undefined {
  const data = reply.body['data'];
  return reply.status === 200 && reply.body.code === 0 && typeof data === 'object' && data !== null ? (data as Data) : undefined;
}

const firstItem = (data: Data): Record<string, unknown> | undefined => {
  const first: unknown = Array.isArray(data.items) ? data.items[0] : undefined;
  return typeof first === 'object' && first !== null ? (first as Record<string, unknown>) : undefined;
};

/** Whether an answer fault can change this answer (see {@link LarkSimFault}). */
export function canChange(fault: LarkSimFault, reply: SimReply, sentToken: string | undefined): boolean {
  const data = dataOf(reply);
  if (data === undefined) return false;
  return fault.kind === 'bad-utf8' ? firstItem(data) !== undefined : sentToken !== undefined && sentToken !== '';
}

/** The answer with an answer fault applied; `canChange` said it applies. */
export function changeAnswer(fault: LarkSimFault, reply: SimReply, sentToken: string, aliases: TokenAliases): SimReply {
  const data = dataOf(reply) ?? {};
  const changed = (next: Data): SimReply => ({ ...reply, body: { ...reply.body, data: next } });
  switch (fault.kind) {
    case 'repeat-page':
      return changed({ ...data, has_more: true, page_token: sentToken });
    case 'empty-page':
      return changed({ has_more: true, page_token: aliases.create(sentToken), items: [] });
    case 'bad-utf8': {
      const first = firstItem(data) ?? {};
      // Never the ids: the event must still be recognisable at the receiver.
      const fields = Object.keys(first).filter((key) => typeof first[key] === 'string' && !/_id$/.test(key)).slice(0, BAD_UTF8.length);
      const marked = { ...first, ...Object.fromEntries(fields.map((key, i) => [key, `${String(first[key])}${BAD_UTF8[i]?.[0] ?? ''}`])) };
      return changed({ ...data, items: [marked, ...(data.items as unknown[]).slice(1)] });
    }
    default:
      return reply;
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
