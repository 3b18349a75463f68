/**
 * LookupEvents (2020-07-06) parameters, filters and paging, for an authenticated request.
 * Boundary semantics are UNVERIFIED upstream; the simulator's choice: StartTime and EndTime are
 * both inclusive, compared with eventTime at second granularity.
 */
import type { Direction, EventStore, Snapshots } from './event-store.ts';
import { errors, type SimError, type SimReply } from './replies.ts';
import { formatUtcSecond, parseUtcSecond } from './time.ts';

export interface LookupContext {
  store: EventStore;
  snapshots: Snapshots;
  nowMs: number;
  accessKeyId: string;
  maxResults: number;
  defaultMaxResults: number;
  retentionDays: number;
  visibilityDelaySeconds: number;
}

const DAY = 86_400;
const MAX_SPAN_SECONDS = 30 * DAY;
const DEFAULT_SPAN_SECONDS = 7 * DAY;
/** Documented: at most two LookupAttribute items are used; further ones are ignored. */
const MAX_ATTRIBUTES = 2;

type Event = Readonly<Record<string, unknown>>;

function identity(event: Event): Record<string, unknown> {
  const value = event['userIdentity'];
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

/** Splits multi-resource values (`i-1;i-2`), so each resource matches on its own. */
const resources = (value: unknown): unknown[] => (typeof value === 'string' ? [value, ...value.split(';')] : [value]);

/**
 * The event values each LookupAttribute key matches (research §1.2). The mappings of
 * SensitiveAction and RoleName are UNVERIFIED: RoleName is the role part of an assumed role's
 * `userName` (`role:session`).
 */
const LOOKUP_KEYS: Readonly<Record<string, (event: Event) => unknown[]>> = {
  EventName: (e) => [e['eventName']],
  EventId: (e) => [e['eventId']],
  ServiceName: (e) => [e['serviceName']],
  User: (e) => [identity(e)['userName']],
  EventRW: (e) => [e['eventRW']],
  ResourceType: (e) => resources(e['resourceType']),
  ResourceName: (e) => resources(e['resourceName']),
  EventAccessKeyId: (e) => [identity(e)['accessKeyId']],
  SourceIpAddress: (e) => [e['sourceIpAddress']],
  EventType: (e) => [e['eventType']],
  SensitiveAction: (e) => [e['sensitiveAction'], (e['eventAttributes'] as Record<string, unknown> | undefined)?.['sensitiveAction']],
  RoleName: (e) => {
    const { type, userName } = identity(e);
    return type === 'assumed-role' && typeof userName === 'string' ? [userName.split(':')[0]] : [];
  },
};

const matches = (values: unknown[], wanted: string): boolean =>
  values.some((v) => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') && String(v) === wanted);

/**
 * The event filter from `LookupAttribute.N.Key/Value`: exact, case-sensitive, AND of the first
 * two items by N; when both name the same key only the second applies (as documented).
 */
function attributeFilter(params: URLSearchParams): { filter: (event: Event) => boolean } | { reply: SimError } {
  const items = new Map<number, { key?: string; value?: string }>();
  for (const [name, value] of params) {
    if (!name.startsWith('LookupAttribute.')) continue;
    const m = /^LookupAttribute\.([1-9]\d{0,2})\.(Key|Value)$/.exec(name);
    if (m === null) return { reply: errors.lookupAttributes(`Unknown parameter ${name}.`) };
    const item = items.get(Number(m[1])) ?? {};
    item[m[2] === 'Key' ? 'key' : 'value'] = value;
    items.set(Number(m[1]), item);
  }
  const wanted = new Map<string, string>();
  for (const [n, item] of [...items].sort(([a], [b]) => a - b).slice(0, MAX_ATTRIBUTES)) {
    if (item.key === undefined || item.value === undefined || item.value === '') {
      return { reply: errors.lookupAttributes(`LookupAttribute.${n} needs both Key and Value.`) };
    }
    if (!Object.hasOwn(LOOKUP_KEYS, item.key)) return { reply: errors.lookupAttributes(`Unsupported key ${item.key}.`) };
    wanted.set(item.key, item.value);
  }
  const checks = [...wanted].map(([key, value]) => (event: Event) => matches(LOOKUP_KEYS[key]?.(event) ?? [], value));
  return { filter: (event) => checks.every((check) => check(event)) };
}

/** The time window, validated in the order the errors are listed in research §1.4. */
function timeWindow(params: URLSearchParams, ctx: LookupContext): { startSecond: number; endSecond: number } | SimError {
  const now = Math.floor(ctx.nowMs / 1000);
  const oldest = now - ctx.retentionDays * DAY;
  const startRaw = params.get('StartTime');
  const endRaw = params.get('EndTime');
  if ((startRaw === null) !== (endRaw === null)) return errors.combination('StartTime and EndTime must be specified together.');
  if (startRaw === null || endRaw === null) return { startSecond: Math.max(now - DEFAULT_SPAN_SECONDS, oldest), endSecond: now };
  const startMs = parseUtcSecond(startRaw);
  if (startMs === undefined) return errors.startTime();
  const endMs = parseUtcSecond(endRaw);
  if (endMs === undefined) return errors.endTime();
  const startSecond = startMs / 1000;
  const endSecond = endMs / 1000;
  if (endSecond <= startSecond) return errors.combination('The EndTime must be later than the StartTime.');
  if (startSecond > now) return errors.startTimeExceedsCurrent();
  if (startSecond < oldest) return errors.startTimeOutOfDate(ctx.retentionDays);
  if (endSecond - startSecond > MAX_SPAN_SECONDS) return errors.dateOutOfRange();
  return { startSecond, endSecond };
}

/** The parameters a NextToken is bound to (with the AccessKey: tokens name the account). */
function queryKey(params: URLSearchParams, accessKeyId: string): string {
  const names = ['StartTime', 'EndTime', 'MaxResults', 'Direction'];
  const attributes = [...params].filter(([name]) => name.startsWith('LookupAttribute.')).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([accessKeyId, names.map((name) => params.getAll(name)), attributes]);
}

/** Answers one authenticated LookupEvents request. */
export function lookupEvents(params: URLSearchParams, ctx: LookupContext): SimReply {
  const window = timeWindow(params, ctx);
  if ('code' in window) return window;

  const maxRaw = params.get('MaxResults');
  const pageSize = maxRaw === null ? ctx.defaultMaxResults : /^\d{1,6}$/.test(maxRaw) ? Number(maxRaw) : 0;
  if (pageSize < 1 || pageSize > ctx.maxResults) return errors.invalidParameter('MaxResults', `It must be an integer from 1 to ${ctx.maxResults}.`);

  const direction = params.get('Direction') ?? 'BACKWARD';
  if (direction !== 'FORWARD' && direction !== 'BACKWARD') return errors.invalidParameter('Direction', 'It must be FORWARD or BACKWARD.');

  const built = attributeFilter(params);
  if ('reply' in built) return built.reply;

  const key = queryKey(params, ctx.accessKeyId);
  const token = params.get('NextToken');
  let at: { snapshotId: number; offset: number } | undefined;
  if (token === null || token === '') {
    const entries = ctx.store.select({
      ...window,
      nowMs: ctx.nowMs,
      delaySeconds: ctx.visibilityDelaySeconds,
      direction: direction satisfies Direction,
      filter: built.filter,
    });
    at = { snapshotId: ctx.snapshots.start(key, entries, window), offset: 0 };
  } else {
    at = ctx.snapshots.resolve(token, key);
  }
  const snapshot = at === undefined ? undefined : ctx.snapshots.get(at.snapshotId);
  if (at === undefined || snapshot === undefined) return errors.nextToken();

  const end = at.offset + pageSize;
  const more = end < snapshot.entries.length;
  return {
    status: 200,
    body: {
      ...(more ? { NextToken: ctx.snapshots.tokenFor(at.snapshotId, end) } : {}),
      StartTime: formatUtcSecond(snapshot.window.startSecond),
      EndTime: formatUtcSecond(snapshot.window.endSecond),
      Events: snapshot.entries.slice(at.offset, end).map((entry) => entry.event),
    },
  };
}
