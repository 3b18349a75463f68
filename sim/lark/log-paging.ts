import type { PageTokens } from './event-store.ts';

/** Integer query parameters: undefined when absent, NaN when present but not a non-negative integer. */
export function uintParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null) return undefined;
  return /^\d{1,16}$/.test(raw) ? Number(raw) : Number.NaN;
}

/** The query-defining parameters, every value of each: a page token is valid only with the same ones. */
export function queryKey(query: URLSearchParams, names: readonly string[]): string {
  return JSON.stringify(names.map((name) => query.getAll(name)));
}

/**
 * The snapshot and offset a request reads: a new snapshot of `select()` without a page token,
 * the token's snapshot with one, undefined for a token that is unknown or from another query.
 */
export function openPage<E>(
  pages: PageTokens<E>,
  key: string,
  pageToken: string | null,
  select: () => readonly E[],
): { snapshotId: number; offset: number } | undefined {
  if (pageToken === null || pageToken === '') return { snapshotId: pages.start(key, select()), offset: 0 };
  return pages.resolve(pageToken, key);
}

/** One page of a snapshot as `data` of the answer, plus the entries sent. */
export function pageData<E>(
  pages: PageTokens<E>,
  at: { snapshotId: number; offset: number },
  pageSize: number,
  toItem: (entry: E) => unknown,
): { data: Record<string, unknown>; sent: readonly E[] } {
  const entries = pages.entries(at.snapshotId);
  const end = at.offset + pageSize;
  const sent = entries.slice(at.offset, end);
  const hasMore = end < entries.length;
  const data = {
    items: sent.map(toItem),
    ...(hasMore ? { page_token: pages.tokenFor(at.snapshotId, end) } : {}),
    has_more: hasMore,
  };
  return { data, sent };
}
