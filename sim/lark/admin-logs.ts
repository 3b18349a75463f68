import { generateAdminItems } from './admin-data.ts';
import { PageTokens } from './event-store.ts';
import { LogStore, itemTime, msPerUnit, type LogEntry } from './log-store.ts';
import { openPage, pageData, queryKey, uintParam } from './log-paging.ts';
import type { LarkSimAdminLog, LarkSimTimeUnit } from './security-types.ts';
import type { SimReply } from './types.ts';

/**
 * Path of the admin log endpoint (`GET`), known only from the node-sdk code-gen. The simulator's
 * rules: `page_size` 1..maxAdminPageSize (default 20); `latest`/`oldest` integer strings in
 * `adminTimeUnit`, both inclusive, default now and `latest` − 30 days; `user_id`,
 * `category_name`, `event_name` match exactly; newest first. Any bad parameter or page token:
 * HTTP 400 `{code: 99992402, msg: 'field validation failed', error: {field_violations}}`.
 * @public
 */
export const ADMIN_LOGS_PATH = '/open-apis/security_and_compliance/v1/aud_admin_logs';

const DEFAULT_PAGE_SIZE = 20;
/** Default `oldest` is `latest` minus 30 days, as audit_infos; no span or retention limit is known. */
const DEFAULT_SPAN_SECONDS = 30 * 86_400;
const USER_ID_TYPES = new Set(['open_id', 'union_id', 'user_id']);
const QUERY_KEY_PARAMS = ['latest', 'oldest', 'user_id', 'category_name', 'event_name', 'user_id_type'] as const;
/** Filters that match an item field of the same name exactly. */
const FIELD_FILTERS = ['user_id', 'category_name', 'event_name'] as const;

/** Lark's generic parameter check failure, with the offending field as Lark reports it. */
function fieldError(field: string, value: string | null, description: string): { reply: SimReply } {
  const violation = { field, ...(value === null ? {} : { value }), description };
  return { reply: { status: 400, body: { code: 99992402, msg: 'field validation failed', error: { field_violations: [violation] } } } };
}

export interface AdminLogsOptions {
  unit: LarkSimTimeUnit;
  maxPageSize: number;
}

/** aud_admin_logs: its data set, page tokens and request handling. */
export class AdminLogs {
  readonly #store: LogStore;
  readonly #pages = new PageTokens<LogEntry>();
  readonly #options: AdminLogsOptions;

  constructor(options: AdminLogsOptions) {
    this.#options = options;
    this.#store = new LogStore(options.unit);
  }

  add(items: ReadonlyArray<Record<string, unknown>>, visibleAfterSeconds = 0): void {
    this.#store.add(
      items,
      (item, index) => {
        const id = item['unique_id'];
        if (typeof id !== 'string' || id === '') throw new TypeError(`admin log ${index}: unique_id must be a non-empty string`);
        return { time: itemTime(item['create_time'], this.#options.unit, `admin log ${index}: create_time`), key: id };
      },
      visibleAfterSeconds,
    );
  }

  generate(options: { count: number; fromSeconds: number; toSeconds: number; seed: number }, visibleAfterSeconds = 0): LarkSimAdminLog[] {
    const items = generateAdminItems({ ...options, unit: this.#options.unit }, (id) => this.#store.has(id));
    this.add(items, visibleAfterSeconds);
    return items;
  }

  /** Answers one request (already authenticated). */
  handle(query: URLSearchParams, nowMs: number): { reply: SimReply; pageSize?: number } {
    const unitMs = msPerUnit(this.#options.unit);
    const latestParam = uintParam(query, 'latest');
    const oldestParam = uintParam(query, 'oldest');
    if (Number.isNaN(latestParam)) return fieldError('latest', query.get('latest'), 'latest must be an integer timestamp');
    if (Number.isNaN(oldestParam)) return fieldError('oldest', query.get('oldest'), 'oldest must be an integer timestamp');
    const latest = latestParam ?? Math.floor(nowMs / unitMs);
    const oldest = oldestParam ?? latest - (DEFAULT_SPAN_SECONDS * 1000) / unitMs;
    if (latest < oldest) return fieldError('latest', String(latest), 'latest must not be earlier than oldest');

    const pageSizeRaw = query.get('page_size');
    const pageSize = pageSizeRaw === null ? DEFAULT_PAGE_SIZE : /^\d{1,6}$/.test(pageSizeRaw) ? Number(pageSizeRaw) : 0;
    if (pageSize < 1 || pageSize > this.#options.maxPageSize) {
      return fieldError('page_size', pageSizeRaw, `page_size must be between 1 and ${this.#options.maxPageSize}`);
    }
    const userIdType = query.get('user_id_type');
    if (userIdType !== null && !USER_ID_TYPES.has(userIdType)) return fieldError('user_id_type', userIdType, 'unknown user_id_type');
    const checks: Array<(item: Readonly<Record<string, unknown>>) => boolean> = [];
    for (const name of FIELD_FILTERS) {
      const value = query.get(name);
      if (value === '') return fieldError(name, value, `${name} must not be empty`);
      if (value !== null) checks.push((item) => item[name] === value);
    }

    const at = openPage(this.#pages, queryKey(query, QUERY_KEY_PARAMS), query.get('page_token'), () =>
      this.#store.select(oldest, latest, nowMs, (item) => checks.every((check) => check(item))),
    );
    if (at === undefined) return fieldError('page_token', query.get('page_token'), 'page_token is invalid');
    const { data } = pageData(this.#pages, at, pageSize, (entry) => entry.item);
    return { reply: { status: 200, body: { code: 0, msg: 'success', data } }, pageSize };
  }
}
