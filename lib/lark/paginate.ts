import type { operations } from './generated/schema.ts';
import type { LarkClient } from './client.ts';
import { LarkError } from './errors.ts';
import type { AuditInfo, Page } from './types.ts';

/**
 * Query of {@link paginateAuditInfos}: a window `[oldest, latest]` in Unix seconds plus Lark's filters.
 * @public
 */
export type AuditInfosQuery = Omit<NonNullable<operations['listAuditInfos']['parameters']['query']>, 'page_token' | 'page_size' | 'oldest' | 'latest'> & {
  readonly oldest: number;
  readonly latest: number;
  /** 1–200. @defaultValue 100 */
  readonly pageSize?: number;
  readonly signal?: AbortSignal;
};

type ListResponse = operations['listAuditInfos']['responses']['200']['content']['application/json'];

/**
 * Yield every page of audit logs in `[oldest, latest]` until `has_more` is false. Pages, not items, so the
 * caller can checkpoint after each one. Lark's order is undocumented: consume whole windows.
 * @public
 */
export async function* paginateAuditInfos(client: LarkClient, query: AuditInfosQuery): AsyncGenerator<Page<AuditInfo>, void, undefined> {
  const { pageSize = 100, signal, ...filters } = query;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 200) throw new RangeError('[auditpull] pageSize must be an integer from 1 to 200');
  if (!Number.isInteger(filters.oldest) || !Number.isInteger(filters.latest) || filters.latest < filters.oldest) {
    throw new RangeError('[auditpull] oldest and latest must be integer seconds with oldest <= latest');
  }
  const seenTokens = new Set<string>();
  let pageToken: string | undefined;
  for (;;) {
    const body = await client.call<ListResponse>(
      'audit_infos',
      (api, timeout) =>
        api.GET('/open-apis/admin/v1/audit_infos', {
          params: { query: { ...filters, page_size: pageSize, ...(pageToken ? { page_token: pageToken } : {}) } },
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        }),
      signal ? { signal } : {},
    );
    const data = body.data ?? {};
    const hasMore = data.has_more === true && typeof data.page_token === 'string' && data.page_token !== '';
    const next = hasMore ? data.page_token : undefined;
    yield { items: data.items ?? [], nextPageToken: next, hasMore };
    if (next === undefined) return;
    if (seenTokens.has(next)) {
      throw new LarkError({ kind: 'malformed', operation: 'audit_infos', msg: 'Lark returned a page_token it had already returned; stopping to avoid a loop' });
    }
    seenTokens.add(next);
    pageToken = next;
  }
}
