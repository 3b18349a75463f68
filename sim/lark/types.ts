/**
 * Public types of the Lark simulator. The simulator is a test oracle: it implements Lark's rules
 * on its own and shares no code with `lib/`.
 */
import type { LarkSimAdminLog, LarkSimDlpLog, LarkSimEndpoint, LarkSimGenerateOptions, LarkSimTimeUnit } from './security-types.ts';

/**
 * A custom ("self-built") app the simulator knows: the credentials accepted by
 * `POST /open-apis/auth/v3/tenant_access_token/internal`.
 * @public
 */
export interface LarkSimApp {
  appId: string;
  appSecret: string;
}

/**
 * Options of {@link startLarkSim}. Every field is optional.
 * @public
 */
export interface LarkSimOptions {
  /** Known apps. Default `[{ appId: 'cli_sim_app', appSecret: 'sim-secret' }]`. */
  apps?: LarkSimApp[];
  /** TCP port on 127.0.0.1. Default 0 (ephemeral). */
  port?: number;
  /**
   * The base clock, epoch ms. Default `Date.now`. The simulator's own time (token expiry, the
   * default `latest`, the 180-day rule, late events, rate-limit windows) is `now()` plus the
   * offset accumulated by {@link LarkSim.advanceClock}.
   */
  now?: () => number;
  /** Lifetime of a new tenant_access_token. Default 7200. */
  tokenLifetimeSeconds?: number;
  /**
   * A token request returns the app's newest token while at least this much of its life remains,
   * and a new token below that (the old one stays valid until it expires). Default 1800.
   */
  refreshWindowSeconds?: number;
  /** Largest accepted `page_size`. Default 200. */
  maxPageSize?: number;
  /** `page_size` when the request has none. Default 20. */
  defaultPageSize?: number;
  /**
   * Requests per app per endpoint per sliding minute (sim time) before HTTP 429 code 99991400.
   * Default 0: no limit.
   */
  rateLimitPerMinute?: number;
  /** Delay before every answer, in real milliseconds. Default 0. */
  latencyMs?: number;
  /** Unit of aud_admin_logs `latest`/`oldest` and of `create_time`. Default `'s'` (UNVERIFIED upstream). */
  adminTimeUnit?: LarkSimTimeUnit;
  /** Largest accepted aud_admin_logs `page_size` (default page size 20). Default 100. */
  maxAdminPageSize?: number;
  /** Unit of dlp_execute_logs `start_time`/`end_time` and of `time`. Default `'ms'` (UNVERIFIED upstream). */
  dlpTimeUnit?: LarkSimTimeUnit;
  /** Largest accepted dlp_execute_logs `page_size` (which is required). Default 50. */
  maxDlpPageSize?: number;
  /**
   * Probability, 0..1, that a DLP row is sent twice: again on the same page or on the next page
   * of the same query (a deterministic PRNG picks which). The copy has the same content with its
   * keys in another order. When above 0, the first page of every query also carries at least one
   * same-page copy (if `page_size` ≥ 2) and, if more rows follow, one copy on the next page.
   * Default 0.
   */
  dlpDuplicateRate?: number;
}

/**
 * One `audit_info` item as `GET /open-apis/admin/v1/audit_infos` returns it. Items given to
 * {@link LarkSim.addEvents} may carry any other fields; they are returned unchanged.
 * @public
 */
export interface LarkSimEvent {
  /** Not unique: several items of one action share it. */
  event_id: string;
  /** Unique, a ~19-digit numeric string; the dedupe key. */
  unique_id: string;
  event_name: string;
  department_ids: string[];
  event_module: number;
  /** 1 internal user, 12 bot, 1001 external user. */
  operator_type: number;
  operator_value: string;
  objects: Array<{
    object_type: string;
    object_value: string;
    object_name: string;
    object_owner: string;
    object_detail: Record<string, unknown>;
  }>;
  recipients: Array<{ recipient_type: string; recipient_value: string; recipient_detail: Record<string, unknown> }>;
  /** Epoch seconds. */
  event_time: number;
  ip: string;
  operator_app: string;
  audit_context: { terminal_type: number; [context: string]: unknown };
  extend: Record<string, unknown>;
  operator_app_name: string;
  common_drawers: {
    common_draw_info_list: Array<{ info_key: string; info_val: string; key_i18n_key: string; val_type: string; val_i18n_key: string }>;
  };
  audit_detail: { mc: string; device_model: string; os: string; city: string };
  operator_tenant: string;
  operator_detail: {
    operator_name: { default_name: string; i18n_value?: { zh_cn?: string; en_us?: string; ja_jp?: string } };
    tenant_name?: string;
  };
  [field: string]: unknown;
}

/**
 * A fault applied to the next `count` requests of one endpoint (see {@link LarkSim.inject}).
 * - `rate-limit`: HTTP 429 (or 400, as older Lark APIs do) with body
 *   `{code: 99991400, msg: 'request trigger frequency limit'}` and the headers
 *   `x-ogw-ratelimit-limit` and `x-ogw-ratelimit-reset: resetSeconds`.
 * - `error`: the given HTTP status and `{code, msg}`.
 * - `malformed`: HTTP 200 whose JSON body is cut in half (the request is otherwise processed).
 * - `hold`: no answer at all; the socket stays open until {@link LarkSim.close}.
 * - `reset`: the connection is reset (TCP RST) without an answer.
 * - `slow`: answered normally, `ms` milliseconds late.
 *
 * Faults that change a successful answer wait, in order, for a request they can change, so a
 * first page or a setup probe does not use them up:
 * - `repeat-page` (a request with a `page_token`): the page, with `has_more: true` and the very
 *   `page_token` that was sent, so following it returns the same page forever.
 * - `empty-page` (a request with a `page_token`): `{has_more: true, page_token, items: []}` with a
 *   fresh `page_token` that continues where the one sent pointed.
 * - `bad-utf8` (an answer with items): HTTP 200 whose first item has raw invalid UTF-8 inside three
 *   of its string values (`0xff`; `0xc3 0x28`; `0xed 0xa0 0x80`, an encoded lone surrogate).
 * @public
 */
export type LarkSimFault =
  | { kind: 'rate-limit'; count: number; resetSeconds: number; status?: 429 | 400 }
  | { kind: 'error'; count: number; status: number; code: number; msg?: string }
  | { kind: 'malformed'; count: number }
  | { kind: 'hold'; count: number }
  | { kind: 'reset'; count: number }
  | { kind: 'slow'; count: number; ms: number }
  | { kind: 'repeat-page'; count: number }
  | { kind: 'empty-page'; count: number }
  | { kind: 'bad-utf8'; count: number };

/**
 * Counters kept by the simulator.
 * @public
 */
export interface LarkSimStats {
  /** Every request to the token endpoint. */
  tokenRequests: number;
  /** Tokens newly minted (a request answered with the existing token does not count). */
  tokensIssued: number;
  /** Sim times (epoch ms) at which each token was minted, in order. */
  tokenIssuedAt: number[];
  /** Every request to audit_infos. */
  auditRequests: number;
  /** Every request to aud_admin_logs. */
  adminRequests: number;
  /** Every request to dlp_execute_logs. */
  dlpRequests: number;
  /** Requests refused for authentication: 99991661, 99991663, 99991671, 10003 (unknown app), 10014. */
  rejectedRequests: number;
  /**
   * Requests to a log endpoint whose bearer token was once valid but had expired or been
   * invalidated when the request arrived, whether or not a fault answered it first. A subset of
   * what `rejectedRequests` counts for requests that reach the auth check.
   */
  staleTokenRequests: number;
  /** The part of `staleTokenRequests` whose token had expired (rather than been invalidated). */
  expiredTokenRequests: number;
  /** HTTP 429/400 code 99991400 answers, injected or from `rateLimitPerMinute`. */
  rateLimited: number;
  /** The effective `page_size` of every successful audit_infos request, in order (audit_infos only). */
  pageSizes: number[];
  /** The `page_size` of every successful aud_admin_logs request, in order. */
  adminPageSizes: number[];
  /** The `page_size` of every successful dlp_execute_logs request, in order. */
  dlpPageSizes: number[];
  /** Duplicate DLP rows sent (a page sent again counts again). */
  dlpDuplicatesServed: number;
}

/**
 * One entry of {@link LarkSim.requests}, logged when the request arrives and completed when it
 * is answered.
 * @public
 */
export interface LarkSimRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  /** Query parameters (first value of each). */
  query: Record<string, string>;
  /** Every value of each parameter; present only when some parameter is repeated (`actions=1&actions=2`). */
  queryAll?: Record<string, string[]>;
  /** HTTP status sent; 0 while unanswered (held). */
  status: number;
  /** The JSON `code` sent; -1 when no parseable body was sent (held, reset or malformed). */
  code: number;
  /** Sim time of arrival, epoch ms. */
  at: number;
}

/**
 * A running Lark simulator on 127.0.0.1.
 * @public
 */
export interface LarkSim {
  /** `http://127.0.0.1:PORT`, usable as the client's base URL. */
  readonly url: string;
  readonly stats: Readonly<LarkSimStats>;
  /** Every request received, in arrival order. */
  readonly requests: readonly LarkSimRequest[];
  /**
   * Adds items to the data set. Each needs an integer `event_time` (seconds) and a non-empty
   * string `unique_id`; everything else is returned as given. The sim does not dedupe: an item
   * added twice is returned twice. With `visibleAfterSeconds` the items are "late": invisible
   * until sim time reaches `event_time + visibleAfterSeconds`.
   */
  addEvents(events: Array<Record<string, unknown>>, options?: { visibleAfterSeconds?: number }): void;
  /**
   * Generates `count` realistic items with `event_time` in `[fromSeconds, toSeconds]` (both ends
   * used when count ≥ 2; many items share a second; some share an `event_id`), adds them to the
   * data set and returns them sorted by `event_time`. Deterministic for a given seed and data
   * set; without a seed, calls use 1, 2, 3… in turn.
   */
  generateEvents(options: {
    count: number;
    fromSeconds: number;
    toSeconds: number;
    seed?: number;
    visibleAfterSeconds?: number;
    duplicates?: never;
  }): LarkSimEvent[];
  /** Moves the sim clock forward (or back, if negative) by `ms`. */
  advanceClock(ms: number): void;
  /** Every token issued so far becomes invalid (99991663); the next token request mints a new one. */
  invalidateTokens(): void;
  /** Every tenant token minted so far, revoked and expired ones included. */
  mintedTokens(): string[];
  /**
   * Adds admin log items. Each needs a non-empty string `unique_id` and an integer `create_time`
   * (string or number) in `adminTimeUnit`. Late items as in {@link LarkSim.addEvents}.
   */
  addAdminLogs(items: Array<Record<string, unknown>>, options?: { visibleAfterSeconds?: number }): void;
  /**
   * Adds DLP rows. Each needs an integer `time` (string or number) in `dlpTimeUnit`. Rows are
   * returned as given; adding the same row twice makes the API return it twice.
   */
  addDlpLogs(items: Array<Record<string, unknown>>, options?: { visibleAfterSeconds?: number }): void;
  /**
   * Generates `count` realistic admin log items in `[fromSeconds, toSeconds]` (many share a second,
   * some a millisecond), adds them and returns them oldest first. Deterministic per seed.
   */
  generateAdminLogs(options: LarkSimGenerateOptions): LarkSimAdminLog[];
  /**
   * Generates `count` realistic DLP rows as {@link LarkSim.generateAdminLogs} does. The rows differ
   * from each other and from every row already added. About 5% are system rows
   * (`trigger_event_type: 'system_scan'`), which the API returns only with `include_system_log=true`.
   */
  generateDlpLogs(options: LarkSimGenerateOptions): LarkSimDlpLog[];
  /** Queues a fault for the next `fault.count` requests to `options.path` (default `audit_infos`). */
  inject(fault: LarkSimFault, options?: { path?: LarkSimEndpoint }): void;
  /** Stops listening and closes every connection, held requests included. Idempotent. */
  close(): Promise<void>;
}

/** What a route handler answers; serialised by the server. */
export interface SimReply {
  status: number;
  body: { code: number; msg: string; [field: string]: unknown };
  headers?: Record<string, string>;
}
