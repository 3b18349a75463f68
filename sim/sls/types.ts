/**
 * Public types of the Simple Log Service (SLS) simulator. The simulator is a test oracle: it
 * checks SLS signatures v1 and v4 and encodes protobuf with its own code and shares nothing
 * with `lib/`.
 */

/**
 * An AccessKey pair the simulator accepts. With `securityToken` it is an STS credential: every
 * request must carry the same token in `x-acs-security-token`.
 * @public
 */
export interface SlsSimCredential {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

/**
 * Options of {@link startSlsSim}. Every field is optional.
 * @public
 */
export interface SlsSimOptions {
  /** Known AccessKeys. Default `[{ accessKeyId: 'LTAI_sls_key', accessKeySecret: 'sls-secret' }]`. */
  credentials?: SlsSimCredential[];
  /**
   * The only project served. Default `'sim-project'`. The `Host` may be `{project}.…` or a bare
   * `127.0.0.1:PORT` / `localhost:PORT`; a host naming another project is 404 `ProjectNotExist`.
   */
  project?: string;
  /** The only logstore served. Default `'actiontrail_sim-trail'`; others are 404 `LogStoreNotExist`. */
  logstore?: string;
  /** Initial readwrite shards (ids 0…n-1, the MD5 key space split evenly). Default 2. */
  shards?: number;
  /** Region expected in the v4 credential scope. Default `'cn-hangzhou'`. */
  region?: string;
  /** TCP port on 127.0.0.1. Default 0 (ephemeral). */
  port?: number;
  /**
   * The base clock, epoch ms. Default `Date.now`. Sim time (signature skew, receive times,
   * throttling windows, consumer heartbeats) is `now()` plus {@link SlsSim.advanceClock} offsets.
   */
  now?: () => number;
  /** Delay before every answer, in real milliseconds. Default 0. */
  latencyMs?: number;
  /** Largest PullLogs `count` (log groups). Default 1000, the documented maximum. */
  maxCount?: number;
  /**
   * PullLogs per shard per sliding second (sim time) before 403 `ReadQuotaExceed`. Default 0: off
   * (Alibaba documents a soft limit of about 100 reads/s per shard).
   */
  readQpsPerShard?: number;
}

/**
 * Counters kept by the simulator.
 * @public
 */
export interface SlsSimStats {
  /** Every request received, any path. */
  requests: number;
  /** PullLogs requests that returned 200. */
  pulls: number;
  /** Requests refused at authentication: 401 (`Unauthorized`, `SignatureNotMatch`) and `RequestTimeExpired`. */
  signatureFailures: number;
  /** 403 `ReadQuotaExceed` answers, injected or from `readQpsPerShard`. */
  throttled: number;
  /** Requests by the signature their `Authorization` header carries. */
  byVersion: { v1: number; v4: number };
}

/**
 * One entry of {@link SlsSim.requests}, logged on arrival and completed when answered.
 * @public
 */
export interface SlsSimRequest {
  method: string;
  path: string;
  /** Query parameters (first value of each). */
  query: Record<string, string>;
  /** HTTP status sent; 0 while unanswered (held). */
  status: number;
  /** `errorCode` sent; `''` for 200, `'held'` or `'reset'` for none, `'corrupt'`/`'truncate'` for mangled bodies. */
  errorCode: string;
  /** Sim time of arrival, epoch ms. */
  at: number;
}

/**
 * One log: `time` in epoch seconds, optional nanosecond part, and its key/value contents.
 * @public
 */
export interface SlsSimLog {
  time: number;
  timeNs?: number;
  contents: Record<string, string>;
}

/**
 * A log group as written. `__receive_time__` and `__pack_id__` tags are added by the simulator.
 * @public
 */
export interface SlsSimLogGroup {
  topic?: string;
  source?: string;
  tags?: Record<string, string>;
  logs: SlsSimLog[];
  /** Server receive time, epoch seconds. Default: sim now (never earlier than the shard's last group). */
  receiveTime?: number;
}

/**
 * Options of {@link SlsSim.writeActionTrailEvents}.
 * @public
 */
export interface SlsSimActionTrailOptions {
  count: number;
  /** First event second (epoch seconds), inclusive. */
  fromSeconds: number;
  /** Last event second, inclusive. */
  toSeconds: number;
  /** PRNG seed. Default: 1, 2, 3… on successive calls. */
  seed?: number;
  /** Logs per log group. Default 10. */
  perGroup?: number;
  /** Fraction of logs whose `event` field is not valid JSON. Default 0. */
  badJsonRate?: number;
  /** Fraction of log groups with `__topic__` `actiontrail_event` (with `owner_id`). Default 0. */
  topicVariantRate?: number;
}

/**
 * A fault for the next `count` matching requests (any routed API, or only `options.api`):
 * - `throttle`: 403 `ReadQuotaExceed` before authentication.
 * - `error`: the given status and `errorCode` before authentication.
 * - `corrupt`: processed normally, then the body is replaced by garbage of the same length
 *   (at least 16 bytes) with the headers unchanged (so `x-log-bodyrawsize` no longer fits).
 * - `truncate`: processed normally, then only the first half of the body is sent (with a
 *   matching `content-length`).
 * - `hold`: no answer; the socket stays open until {@link SlsSim.close}.
 * - `reset`: the connection is reset (TCP RST) without an answer.
 * @public
 */
export type SlsSimFault =
  | { kind: 'throttle'; count: number }
  | { kind: 'error'; count: number; status: number; errorCode: string; errorMessage?: string }
  | { kind: 'corrupt'; count: number }
  | { kind: 'truncate'; count: number }
  | { kind: 'hold'; count: number }
  | { kind: 'reset'; count: number };

/**
 * The APIs a fault can be limited to.
 * @public
 */
export type SlsSimFaultApi = 'PullLogs' | 'GetCursor' | 'ListShards';

/**
 * A running SLS simulator on 127.0.0.1.
 * @public
 */
export interface SlsSim {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  readonly stats: Readonly<SlsSimStats>;
  /** Every request received, in arrival order. */
  readonly requests: readonly SlsSimRequest[];
  /** Appends log groups to a readwrite shard. */
  write(shard: number, groups: SlsSimLogGroup[]): void;
  /**
   * Writes `count` realistic ActionTrail events (1–2 KB JSON each) as logs `{event: JSON}`,
   * each to the readwrite shard whose key range holds MD5(eventId), `perGroup` logs a group,
   * received a few seconds after their newest event. Returns them in event-time order with their
   * shard: the parsed event, or the raw string when it was written as bad JSON.
   */
  writeActionTrailEvents(options: SlsSimActionTrailOptions): Array<{ shard: number; event: Record<string, unknown> | string }>;
  /** Splits a readwrite shard at the middle of its key range into two new readwrite shards; the old one turns readonly. */
  splitShard(shard: number): [number, number];
  /** Merges two adjacent readwrite shards (a before b in key order) into a new one; both turn readonly. */
  mergeShards(a: number, b: number): number;
  /** Moves the sim clock forward (or back, if negative) by `ms`. */
  advanceClock(ms: number): void;
  /** Queues a fault for the next `fault.count` matching requests. */
  inject(fault: SlsSimFault, options?: { api?: SlsSimFaultApi; shard?: number }): void;
  /** Stops listening and closes every connection, held requests included. Idempotent. */
  close(): Promise<void>;
}
