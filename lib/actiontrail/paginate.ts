import type { ActionTrailClient } from './client.ts';
import { ActionTrailError } from './errors.ts';
import type { operations } from './generated/schema.ts';
import type { ActionTrailEvent, LookupAttribute } from './types.ts';
import { MAX_EMPTY_PAGES } from '../lark/paginate.ts';
import type { Page } from '../lark/types.ts';

/**
 * Query of {@link paginateLookupEvents}: `[startTime, endTime]` in Unix seconds.
 * @public
 */
export interface LookupEventsQuery {
  readonly startTime: number;
  readonly endTime: number;
  /** 1–50. @defaultValue 50 */
  readonly maxResults?: number;
  /** @defaultValue `FORWARD` (oldest first, so a caller can checkpoint per page) */
  readonly direction?: 'FORWARD' | 'BACKWARD';
  /** At most two, ANDed. */
  readonly lookupAttributes?: readonly LookupAttribute[];
  readonly signal?: AbortSignal;
}

type Response = operations['lookupEvents']['responses']['200']['content']['application/json'];

const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');

/**
 * Every page of LookupEvents for one window, following `NextToken`. Stops with a `malformed` ActionTrailError
 * when a NextToken repeats or after 1000 empty pages in a row (either would loop forever).
 * @public
 */
export async function* paginateLookupEvents(client: ActionTrailClient, query: LookupEventsQuery): AsyncGenerator<Page<ActionTrailEvent>, void, undefined> {
  const maxResults = query.maxResults ?? 50;
  if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 50) throw new RangeError('[auditpull] maxResults must be an integer from 1 to 50');
  if (!Number.isInteger(query.startTime) || !Number.isInteger(query.endTime) || query.endTime <= query.startTime) {
    throw new RangeError('[auditpull] startTime and endTime must be integer seconds with startTime < endTime');
  }
  if ((query.lookupAttributes?.length ?? 0) > 2) throw new RangeError('[auditpull] at most two lookup attributes');
  const attributes: Record<string, string> = {};
  query.lookupAttributes?.forEach((a, i) => {
    attributes[`LookupAttribute.${i + 1}.Key`] = a.key;
    attributes[`LookupAttribute.${i + 1}.Value`] = a.value;
  });
  const seen = new Set<string>();
  let nextToken: string | undefined;
  let emptyPages = 0;
  for (;;) {
    const token = nextToken;
    const body = await client.call<Response>(
      (api, signal) =>
        api.GET('/', {
          params: {
            query: {
              Action: 'LookupEvents',
              Version: '2020-07-06',
              Format: 'JSON',
              StartTime: iso(query.startTime),
              EndTime: iso(query.endTime),
              MaxResults: String(maxResults),
              Direction: query.direction ?? 'FORWARD',
              ...attributes,
              ...(token ? { NextToken: token } : {}),
            },
          },
          signal,
        }),
      query.signal ? { signal: query.signal } : {},
    );
    const next = typeof body.NextToken === 'string' && body.NextToken !== '' ? body.NextToken : undefined;
    const items = body.Events ?? [];
    yield { items, nextPageToken: next, hasMore: next !== undefined };
    if (next === undefined) return;
    if (seen.has(next)) {
      throw new ActionTrailError({ kind: 'malformed', message: `ActionTrail returned the same NextToken twice (${next === token ? 'the one just sent' : 'an earlier one'}); stopping to avoid a loop` });
    }
    // The same bound as Lark's: no token repeats in an endless run of empty pages, so count them.
    emptyPages = items.length === 0 ? emptyPages + 1 : 0;
    if (emptyPages >= MAX_EMPTY_PAGES) {
      throw new ActionTrailError({ kind: 'malformed', message: `ActionTrail answered ${MAX_EMPTY_PAGES} empty pages in a row, each with a new NextToken; stopping to avoid an endless loop` });
    }
    seen.add(next);
    nextToken = next;
  }
}
