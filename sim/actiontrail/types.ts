/**
 * Public types of the ActionTrail simulator. The simulator is a test oracle: it checks both
 * Alibaba signature versions with its own code and shares nothing with `lib/`.
 */

/**
 * An AccessKey pair the simulator accepts. With `securityToken` it is an STS credential: every
 * request must carry the same token (`SecurityToken` for V2, `x-acs-security-token` for V3).
 * @public
 */
export interface ActionTrailSimCredential {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

/**
 * Options of {@link startActionTrailSim}. Every field is optional.
 * @public
 */
export interface ActionTrailSimOptions {
  /** Known AccessKeys. Default `[{ accessKeyId: 'LTAI_sim_key', accessKeySecret: 'sim-secret' }]`. */
  credentials?: ActionTrailSimCredential[];
  /** TCP port on 127.0.0.1. Default 0 (ephemeral). */
  port?: number;
  /**
   * The base clock, epoch ms. Default `Date.now`. Sim time (signature timestamps, nonce memory,
   * default and limit times, visibility of late events, throttling windows) is `now()` plus the
   * offset accumulated by {@link ActionTrailSim.advanceClock}.
   */
  now?: () => number;
  /** Largest accepted `MaxResults`. Default 50, the API's documented maximum. */
  maxResults?: number;
  /** Page size when `MaxResults` is absent. Default 20 (UNVERIFIED upstream: the API documents none). */
  defaultMaxResults?: number;
  /**
   * Delay before any event is visible to LookupEvents: an event is returned once
   * sim time ≥ eventTime + this + its own `visibleAfterSeconds`. Default 0 (UNVERIFIED upstream).
   */
  visibilityDelaySeconds?: number;
  /**
   * Accepted requests per AccessKey per sliding second (sim time) before `Throttling.User`.
   * Default 0: no limit (Alibaba's metadata says 10/s).
   */
  throttlePerSecond?: number;
  /** How far back StartTime may go. Default 90. */
  retentionDays?: number;
  /** Delay before every answer, in real milliseconds. Default 0. */
  latencyMs?: number;
}

/**
 * A fault for the next `count` requests to `/` (before authentication, so the request is not
 * otherwise processed, except for `malformed`):
 * - `throttle`: HTTP 400 `Throttling.User`; with `retryAfterSeconds` also the header
 *   `x-acs-retry-after` in **milliseconds** (`retryAfterSeconds * 1000`).
 * - `error`: the given status and `Code`, with `message` or a generic one.
 * - `malformed`: the request is processed (its nonce is used up), then HTTP 200 with the JSON
 *   answer cut in half.
 * - `hold`: no answer; the socket stays open until {@link ActionTrailSim.close}.
 * - `reset`: the connection is reset (TCP RST) without an answer.
 *
 * Faults that change a successful answer wait, in order, for a request carrying a `NextToken`
 * (so a first page or a setup probe does not use them up); the request is processed normally:
 * - `repeat-page`: the page, with the very `NextToken` that was sent, so following it returns
 *   the same page forever.
 * - `empty-page`: `Events: []` with a fresh `NextToken` that continues where the one sent pointed.
 * @public
 */
export type ActionTrailSimFault =
  | { kind: 'throttle'; count: number; retryAfterSeconds?: number }
  | { kind: 'error'; count: number; status: number; code: string; message?: string }
  | { kind: 'malformed'; count: number }
  | { kind: 'hold'; count: number }
  | { kind: 'reset'; count: number }
  | { kind: 'repeat-page'; count: number }
  | { kind: 'empty-page'; count: number };

/**
 * Counters kept by the simulator.
 * @public
 */
export interface ActionTrailSimStats {
  /** Every request received, any path. */
  requests: number;
  /**
   * Requests refused at the authentication stage: IncompleteSignature, InvalidTimeStamp.*,
   * InvalidAccessKeyId.NotFound, SignatureDoesNotMatch, InvalidSecurityToken.*, SignatureNonceUsed.
   */
  signatureFailures: number;
  /** `Throttling.User` answers, injected or from `throttlePerSecond`. */
  throttled: number;
  /** Requests to `/` by the signature they carry (an `Authorization: ACS3-…` header is V3). */
  byVersion: { v2: number; v3: number };
}

/**
 * One entry of {@link ActionTrailSim.requests}, logged on arrival and completed when answered.
 * @public
 */
export interface ActionTrailSimRequest {
  method: string;
  /** Query string and, for a form-encoded POST, body parameters (first value of each). */
  query: Record<string, string>;
  /** HTTP status sent; 0 while unanswered (held). */
  status: number;
  /** Error `Code` sent; `''` for a 200 answer, `'malformed'` for a cut answer, `'held'` or `'reset'` for none. */
  code: string;
  /** Sim time of arrival, epoch ms. */
  at: number;
  /** The signature version the request carries. */
  signature: 'v2' | 'v3' | 'none';
}

/**
 * Options of {@link ActionTrailSim.generateEvents}.
 * @public
 */
export interface ActionTrailSimGenerateOptions {
  count: number;
  /** First second (epoch seconds) of the range, inclusive. */
  fromSeconds: number;
  /** Last second of the range, inclusive. */
  toSeconds: number;
  /** PRNG seed. Default: 1, 2, 3… on successive calls. */
  seed?: number;
  /** How many consecutive events share one second. Default 3. */
  sameSecondBurst?: number;
  /** Extra visibility delay of these events (see {@link ActionTrailSim.addEvents}). */
  visibleAfterSeconds?: number;
}

/**
 * A running ActionTrail LookupEvents simulator on 127.0.0.1.
 * @public
 */
export interface ActionTrailSim {
  /** `http://127.0.0.1:PORT`: the client's endpoint; the signed `host` is `127.0.0.1:PORT`. */
  readonly url: string;
  readonly stats: Readonly<ActionTrailSimStats>;
  /** Every request received, in arrival order. */
  readonly requests: readonly ActionTrailSimRequest[];
  /**
   * Adds events. Each needs a non-empty string `eventId` and an `eventTime` of the form
   * `YYYY-MM-DDThh:mm:ssZ`; everything else is returned as given. With `visibleAfterSeconds` the
   * events are late: invisible until sim time reaches eventTime + visibilityDelaySeconds + it.
   */
  addEvents(events: Array<Record<string, unknown>>, options?: { visibleAfterSeconds?: number }): void;
  /**
   * Generates `count` realistic management events (1–2 KB each) over `[fromSeconds, toSeconds]`,
   * `sameSecondBurst` at a time sharing a second, adds them and returns them oldest first (the
   * `Direction=FORWARD` order). Deterministic for a given seed and data set.
   */
  generateEvents(options: ActionTrailSimGenerateOptions): Array<Record<string, unknown>>;
  /** Moves the sim clock forward (or back, if negative) by `ms`. */
  advanceClock(ms: number): void;
  /** Queues a fault for the next `fault.count` requests to `/`. */
  inject(fault: ActionTrailSimFault): void;
  /** Stops listening and closes every connection, held requests included. Idempotent. */
  close(): Promise<void>;
}
