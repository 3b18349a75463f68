import { createRandom } from './data.ts';
import { DLP_ACTIONS, DLP_APPLY_MODULES, DLP_SYSTEM_EVENT, generateDlpItems } from './dlp-data.ts';
import { canonicalJson, planServedRows, type ServedRow } from './dlp-duplicates.ts';
import { PageTokens } from './event-store.ts';
import { LogStore, itemTime } from './log-store.ts';
import { openPage, pageData, queryKey, uintParam } from './log-paging.ts';
import type { LarkSimDlpLog, LarkSimTimeUnit } from './security-types.ts';
import type { SimReply } from './types.ts';

/**
 * Path of the DLP execute log endpoint (`GET`), known only from the node-sdk code-gen. The
 * simulator's rules: `page_size` (1..maxDlpPageSize), `start_time` and `end_time` (integer
 * strings in `dlpTimeUnit`, inclusive) are required; `apply_module` 1 Messenger, 2 Docs,
 * 3 Drive, 99 all; `actions` (repeated keys) match `system_action` names; `user_id` matches
 * number or string ids; `policy_name` matches any hit policy; system rows only with
 * `include_system_log=true`; `locale`, `engine_type`, `user_id_type` are checked, not applied.
 * Newest first. Any bad parameter or page token: HTTP 400 `{code: 1781000, msg: 'param invalid'}`.
 * @public
 */
export const DLP_EXECUTE_LOGS_PATH = '/open-apis/security_and_compliance/v1/dlp_execute_logs';

/** `apply_module` meaning every module, as in the app-DLP API. */
const ALL_MODULES = 99;
const LOCALES = new Set(['zh-CN', 'en-US', 'ja-JP']);
const USER_ID_TYPES = new Set(['open_id', 'union_id', 'user_id']);
const QUERY_KEY_PARAMS = [
  'start_time', 'end_time', 'apply_module', 'actions', 'user_id', 'locale', 'engine_type', 'include_system_log', 'policy_name', 'user_id_type',
] as const;

type Item = Readonly<Record<string, unknown>>;

/** The app-DLP API's parameter error, the only DLP error code Lark documents. */
const paramInvalid = (): { reply: SimReply } => ({ reply: { status: 400, body: { code: 1781000, msg: 'param invalid' } } });

/** FNV-1a, to seed each query's duplicate plan from its parameters. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The row filter of the optional parameters, or undefined when one is invalid. */
function buildFilter(query: URLSearchParams): ((item: Item) => boolean) | undefined {
  const checks: Array<(item: Item) => boolean> = [];
  const module = uintParam(query, 'apply_module');
  if (module !== undefined) {
    if (module !== ALL_MODULES && !DLP_APPLY_MODULES.has(module)) return undefined;
    const service = DLP_APPLY_MODULES.get(module);
    if (service !== undefined) checks.push((item) => item['applicable_service'] === service);
  }
  const actions = query.getAll('actions').map((raw) => (/^\d{1,2}$/.test(raw) ? DLP_ACTIONS[Number(raw)] : undefined));
  if (actions.some((name) => name === undefined)) return undefined;
  if (actions.length > 0) checks.push((item) => actions.includes(item['system_action'] as string));
  const userId = query.get('user_id');
  if (userId === '') return undefined;
  if (userId !== null) checks.push((item) => String(item['user_id']) === userId);
  const policyName = query.get('policy_name');
  if (policyName === '') return undefined;
  if (policyName !== null) {
    checks.push((item) => Array.isArray(item['hit_policies']) && (item['hit_policies'] as unknown[]).some((p) => (p as Item | null)?.['policy_name'] === policyName));
  }
  const includeSystem = query.get('include_system_log');
  if (includeSystem !== null && includeSystem !== 'true' && includeSystem !== 'false') return undefined;
  if (includeSystem !== 'true') checks.push((item) => item['trigger_event_type'] !== DLP_SYSTEM_EVENT);
  // Accepted and checked, but the simulated tenant has one engine and untranslated rows.
  if (Number.isNaN(uintParam(query, 'engine_type'))) return undefined;
  const locale = query.get('locale');
  if (locale !== null && !LOCALES.has(locale)) return undefined;
  const userIdType = query.get('user_id_type');
  if (userIdType !== null && !USER_ID_TYPES.has(userIdType)) return undefined;
  return (item) => checks.every((check) => check(item));
}

export interface DlpLogsOptions {
  unit: LarkSimTimeUnit;
  maxPageSize: number;
  duplicateRate: number;
}

/** dlp_execute_logs: its data set, page tokens (with the duplicates planned per query) and request handling. */
export class DlpLogs {
  readonly #store: LogStore;
  readonly #pages = new PageTokens<ServedRow>();
  readonly #options: DlpLogsOptions;
  #plans = 0;

  constructor(options: DlpLogsOptions) {
    this.#options = options;
    this.#store = new LogStore(options.unit);
  }

  add(items: ReadonlyArray<Record<string, unknown>>, visibleAfterSeconds = 0): void {
    this.#store.add(
      items,
      (item, index) => ({ time: itemTime(item['time'], this.#options.unit, `DLP log ${index}: time`), key: canonicalJson(item) }),
      visibleAfterSeconds,
    );
  }

  generate(options: { count: number; fromSeconds: number; toSeconds: number; seed: number }, visibleAfterSeconds = 0): LarkSimDlpLog[] {
    const items = generateDlpItems({ ...options, unit: this.#options.unit }, (content) => this.#store.has(content));
    this.add(items, visibleAfterSeconds);
    return items;
  }

  /** Answers one request (already authenticated). */
  handle(query: URLSearchParams, nowMs: number): { reply: SimReply; pageSize?: number; duplicates?: number } {
    const pageSize = uintParam(query, 'page_size');
    if (pageSize === undefined || Number.isNaN(pageSize) || pageSize < 1 || pageSize > this.#options.maxPageSize) return paramInvalid();
    const start = uintParam(query, 'start_time');
    const end = uintParam(query, 'end_time');
    if (start === undefined || end === undefined || Number.isNaN(start) || Number.isNaN(end) || end < start) return paramInvalid();
    const filter = buildFilter(query);
    if (filter === undefined) return paramInvalid();

    const key = queryKey(query, QUERY_KEY_PARAMS);
    const at = openPage(this.#pages, key, query.get('page_token'), () => {
      const rows = this.#store.select(start, end, nowMs, filter).map((entry) => entry.item);
      return planServedRows(rows, pageSize, this.#options.duplicateRate, createRandom(hash(key) ^ this.#plans++));
    });
    if (at === undefined) return paramInvalid();
    const { data, sent } = pageData(this.#pages, at, pageSize, (row) => row.item);
    const duplicates = sent.filter((row) => row.duplicate).length;
    return { reply: { status: 200, body: { code: 0, msg: 'success', data } }, pageSize, duplicates };
  }
}
