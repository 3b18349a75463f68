import type { EventStore, PageTokens } from './event-store.ts';
import type { SimReply } from './types.ts';

/**
 * Path of the behaviour audit log endpoint (`GET`).
 * @public
 */
export const AUDIT_INFOS_PATH = '/open-apis/admin/v1/audit_infos';

const DAY = 86_400;
/** A query may span at most 30 days. */
const MAX_SPAN_SECONDS = 30 * DAY;
/** Logs are kept 180 days. */
const RETENTION_SECONDS = 180 * DAY;
/** event_module values of the enum page. */
const EVENT_MODULES = new Set([1, 2, 3, 4, 5, 6, 8, 9, 13, 16, 18, 21, 22]);
const USER_ID_TYPES = new Set(['user_id', 'union_id', 'open_id']);

export interface AuditInfosContext {
  store: EventStore;
  pages: PageTokens;
  nowMs: number;
  maxPageSize: number;
  defaultPageSize: number;
}

type Item = Readonly<Record<string, unknown>>;

function error(code: number, msg: string): { reply: SimReply } {
  return { reply: { status: 400, body: { code, msg } } };
}

const paramError = (): { reply: SimReply } => error(1050004, 'Param_Error');
const timeError = (): { reply: SimReply } => error(1050001, 'TIME_CHECK_NOT_VALID');

/** An integer parameter: undefined when absent, NaN when present but not an integer. */
function intParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null) return undefined;
  return /^-?\d{1,15}$/.test(raw) ? Number(raw) : Number.NaN;
}

/** Builds the item filter from the optional query filters, or an error reply. */
function buildFilter(query: URLSearchParams): { filter: (item: Item) => boolean } | { reply: SimReply } {
  const checks: Array<(item: Item) => boolean> = [];
  const eventName = query.get('event_name');
  if (eventName !== null) {
    if (eventName === '') return paramError();
    checks.push((item) => item['event_name'] === eventName);
  }
  const eventModule = intParam(query, 'event_module');
  if (eventModule !== undefined) {
    if (Number.isNaN(eventModule)) return paramError();
    if (!EVENT_MODULES.has(eventModule)) return error(1050011, 'Event_Module_Invalid');
    checks.push((item) => item['event_module'] === eventModule);
  }
  const userIdType = query.get('user_id_type');
  if (userIdType !== null && !USER_ID_TYPES.has(userIdType)) return paramError();

  const operatorType = query.get('operator_type');
  const operatorValue = query.get('operator_value');
  const userType = intParam(query, 'user_type');
  if (operatorValue !== null && operatorType === null) return paramError();
  if (operatorType !== null) {
    if (operatorType !== 'user' && operatorType !== 'bot') return paramError();
    // user_type only narrows user operators: 1 inside the org (operator_type 1), 2 external (1001).
    if (userType !== undefined && (Number.isNaN(userType) || userType < 0 || userType > 2)) return paramError();
    const types = operatorType === 'bot' ? [12] : userType === 1 ? [1] : userType === 2 ? [1001] : [1, 1001];
    checks.push((item) => types.includes(item['operator_type'] as number));
    if (operatorValue !== null) checks.push((item) => item['operator_value'] === operatorValue);
  }

  const ccmToken = query.get('ext_filter_object_by_ccm_token');
  const objectType = query.get('object_type');
  const objectValue = query.get('object_value');
  if ((objectType === null) !== (objectValue === null)) return paramError();
  if (objectType !== null && !/^\d+$/.test(objectType)) return paramError();
  if (ccmToken !== null) {
    // Documented to override object_type/object_value.
    checks.push((item) => objectsOf(item).some((o) => o['object_value'] === ccmToken));
  } else if (objectType !== null) {
    checks.push((item) => objectsOf(item).some((o) => String(o['object_type']) === objectType && o['object_value'] === objectValue));
  }
  return { filter: (item) => checks.every((check) => check(item)) };
}

function objectsOf(item: Item): Array<Record<string, unknown>> {
  const objects = item['objects'];
  return Array.isArray(objects) ? objects.filter((o): o is Record<string, unknown> => typeof o === 'object' && o !== null) : [];
}

/** The parameters that define a query: a page token is valid only with the same ones. */
const QUERY_KEY_PARAMS = [
  'oldest', 'latest', 'event_name', 'event_module', 'operator_type', 'operator_value', 'user_type',
  'object_type', 'object_value', 'ext_filter_object_by_ccm_token', 'user_id_type',
] as const;

/** Answers one audit_infos request (already authenticated). */
export function handleAuditInfos(query: URLSearchParams, ctx: AuditInfosContext): { reply: SimReply; pageSize?: number } {
  const now = Math.floor(ctx.nowMs / 1000);
  const latestParam = intParam(query, 'latest');
  const oldestParam = intParam(query, 'oldest');
  if (Number.isNaN(latestParam) || Number.isNaN(oldestParam)) return paramError();
  const latest = latestParam ?? now;
  const oldest = oldestParam ?? latest - MAX_SPAN_SECONDS;
  if (latest < oldest || latest - oldest > MAX_SPAN_SECONDS || oldest < now - RETENTION_SECONDS) return timeError();

  const pageSizeRaw = query.get('page_size');
  const pageSize = pageSizeRaw === null ? ctx.defaultPageSize : /^\d{1,6}$/.test(pageSizeRaw) ? Number(pageSizeRaw) : 0;
  if (pageSize < 1 || pageSize > ctx.maxPageSize) return error(1050005, 'Page_Size_Invalid');

  const built = buildFilter(query);
  if ('reply' in built) return built;

  const key = JSON.stringify(QUERY_KEY_PARAMS.map((name) => query.get(name)));
  const pageToken = query.get('page_token');
  let snapshotId: number;
  let offset: number;
  if (pageToken === null || pageToken === '') {
    snapshotId = ctx.pages.start(key, ctx.store.select(oldest, latest, ctx.nowMs, built.filter));
    offset = 0;
  } else {
    const resolved = ctx.pages.resolve(pageToken, key);
    if (resolved === undefined) return error(1050006, 'Page_Token_Invalid');
    ({ snapshotId, offset } = resolved);
  }

  const entries = ctx.pages.entries(snapshotId);
  const end = offset + pageSize;
  const hasMore = end < entries.length;
  const data: Record<string, unknown> = {
    has_more: hasMore,
    ...(hasMore ? { page_token: ctx.pages.tokenFor(snapshotId, end) } : {}),
    items: entries.slice(offset, end).map((entry) => entry.item),
  };
  return { reply: { status: 200, body: { code: 0, msg: 'success', data } }, pageSize };
}
