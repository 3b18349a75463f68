import type { Client } from 'openapi-fetch';
import type { operations, paths } from './generated/schema.ts';
import type { LarkClient, RawResult } from './client.ts';
import { LarkError } from './errors.ts';
import type { AdminLog, AuditInfo, DlpExecuteLog, Page } from './types.ts';

type QueryOf<O extends keyof operations> = NonNullable<operations[O]['parameters']['query']>;
type Body<T> = { data?: { has_more?: boolean; page_token?: string; items?: T[] } };

/**
 * Consecutive empty pages (`has_more` with a fresh token each time) after which a paginator stops with a
 * `malformed` error. A vendor may answer a few empty pages while it scans (a filtered query), but a run
 * with no end would loop forever, since no token repeats. 1000 pages is 10 minutes of requests at Lark's
 * 100 per minute: far beyond any real gap, yet a bound.
 * @internal
 */
export const MAX_EMPTY_PAGES = 1000;

/**
 * Yield every page of one Lark list call until `has_more` is false. Stops with a `malformed` LarkError when
 * Lark repeats a page token (a loop) or answers {@link MAX_EMPTY_PAGES} empty pages in a row. Pages, not
 * items, so the caller can checkpoint after each one.
 * @internal
 */
async function* paginate<T>(
  client: LarkClient,
  operation: string,
  send: (api: Client<paths>, pageToken: string | undefined, signal: AbortSignal) => Promise<RawResult<Body<T>>>,
  signal: AbortSignal | undefined,
): AsyncGenerator<Page<T>, void, undefined> {
  const seenTokens = new Set<string>();
  let pageToken: string | undefined;
  let emptyPages = 0;
  for (;;) {
    const token = pageToken;
    const body = await client.call<Body<T>>(operation, (api, timeout) => send(api, token, signal ? AbortSignal.any([signal, timeout]) : timeout), signal ? { signal } : {});
    const data = body.data ?? {};
    const hasMore = data.has_more === true;
    const next = hasMore ? data.page_token : undefined;
    if (hasMore && (typeof next !== 'string' || next === '')) {
      // Ending here would let the caller checkpoint past pages it never saw.
      throw new LarkError({ kind: 'malformed', operation, msg: 'Lark said has_more without a page_token' });
    }
    const items = data.items ?? [];
    yield { items, nextPageToken: next, hasMore };
    if (next === undefined) return;
    if (seenTokens.has(next)) {
      throw new LarkError({ kind: 'malformed', operation, msg: `Lark returned the same page_token twice (${next === token ? 'the one just sent' : 'an earlier one'}); stopping to avoid a loop` });
    }
    emptyPages = items.length === 0 ? emptyPages + 1 : 0;
    if (emptyPages >= MAX_EMPTY_PAGES) {
      throw new LarkError({ kind: 'malformed', operation, msg: `Lark answered ${MAX_EMPTY_PAGES} empty pages in a row, each with has_more and a new page_token; stopping to avoid an endless loop` });
    }
    seenTokens.add(next);
    pageToken = next;
  }
}

function checkPageSize(pageSize: number, max: number): void {
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > max) throw new RangeError(`[auditpull] pageSize must be an integer from 1 to ${max}`);
}

function checkWindow(oldest: number, latest: number): void {
  if (!Number.isInteger(oldest) || !Number.isInteger(latest) || latest < oldest) {
    throw new RangeError('[auditpull] the window ends must be integers with the start <= the end');
  }
}

/**
 * Query of {@link paginateAuditInfos}: a window `[oldest, latest]` in Unix seconds plus Lark's filters.
 * @public
 */
export type AuditInfosQuery = Omit<QueryOf<'listAuditInfos'>, 'page_token' | 'page_size' | 'oldest' | 'latest'> & {
  readonly oldest: number;
  readonly latest: number;
  /** 1–200. @defaultValue 100 */
  readonly pageSize?: number;
  readonly signal?: AbortSignal;
};

/**
 * Every page of behaviour audit logs in `[oldest, latest]` (seconds, inclusive). Lark's order is
 * undocumented: consume whole windows.
 * @public
 */
export function paginateAuditInfos(client: LarkClient, query: AuditInfosQuery): AsyncGenerator<Page<AuditInfo>, void, undefined> {
  const { pageSize = 100, signal, ...filters } = query;
  checkPageSize(pageSize, 200);
  checkWindow(filters.oldest, filters.latest);
  return paginate<AuditInfo>(
    client,
    'audit_infos',
    (api, pageToken, s) =>
      api.GET('/open-apis/admin/v1/audit_infos', { params: { query: { ...filters, page_size: pageSize, ...(pageToken ? { page_token: pageToken } : {}) } }, signal: s }),
    signal,
  );
}

/**
 * Query of {@link paginateAdminLogs}. `oldest` and `latest` are sent as given, in the unit the API expects
 * (UNVERIFIED; seconds assumed by the runner).
 * @public
 */
export type AdminLogsQuery = Omit<QueryOf<'listAudAdminLogs'>, 'page_token' | 'page_size' | 'oldest' | 'latest'> & {
  readonly oldest: number;
  readonly latest: number;
  /** @defaultValue 100 */
  readonly pageSize?: number;
  readonly signal?: AbortSignal;
};

/**
 * Every page of admin logs in `[oldest, latest]`.
 * @public
 */
export function paginateAdminLogs(client: LarkClient, query: AdminLogsQuery): AsyncGenerator<Page<AdminLog>, void, undefined> {
  const { pageSize = 100, signal, oldest, latest, ...filters } = query;
  checkPageSize(pageSize, 500);
  checkWindow(oldest, latest);
  return paginate<AdminLog>(
    client,
    'admin_log',
    (api, pageToken, s) =>
      api.GET('/open-apis/security_and_compliance/v1/aud_admin_logs', {
        params: { query: { ...filters, oldest: String(oldest), latest: String(latest), page_size: pageSize, ...(pageToken ? { page_token: pageToken } : {}) } },
        signal: s,
      }),
    signal,
  );
}

/**
 * Query of {@link paginateDlpExecuteLogs}. `startTime` and `endTime` are sent as given, in the unit the API
 * expects (UNVERIFIED; milliseconds assumed by the runner).
 * @public
 */
export type DlpExecuteLogsQuery = Omit<QueryOf<'listDlpExecuteLogs'>, 'page_token' | 'page_size' | 'start_time' | 'end_time'> & {
  readonly startTime: number;
  readonly endTime: number;
  /** @defaultValue 50 */
  readonly pageSize?: number;
  readonly signal?: AbortSignal;
};

/**
 * Every page of DLP execution logs in `[startTime, endTime]`. Rows can repeat: dedupe them (see `contentHash`).
 * @public
 */
export function paginateDlpExecuteLogs(client: LarkClient, query: DlpExecuteLogsQuery): AsyncGenerator<Page<DlpExecuteLog>, void, undefined> {
  const { pageSize = 50, signal, startTime, endTime, ...filters } = query;
  checkPageSize(pageSize, 500);
  checkWindow(startTime, endTime);
  return paginate<DlpExecuteLog>(
    client,
    'dlp_execute_log',
    (api, pageToken, s) =>
      api.GET('/open-apis/security_and_compliance/v1/dlp_execute_logs', {
        params: { query: { ...filters, start_time: String(startTime), end_time: String(endTime), page_size: pageSize, ...(pageToken ? { page_token: pageToken } : {}) } },
        signal: s,
      }),
    signal,
  );
}
