/**
 * Path routing and the API handlers behind it. Paths (research/alibaba.md §3.2, §3.6):
 * `/logstores/{ls}/shards[/{id}]` and `/logstores/{ls}/consumergroups[/{cg}]`.
 */
import type { ConsumerGroups } from './consumer-groups.ts';
import { errors, type SlsReply } from './replies.ts';
import { getCursor, getCursorTime, pullLogs, shardApiOf } from './shard-apis.ts';
import type { ShardStore, Shard } from './shard-store.ts';

export interface Route {
  api: string;
  logstore: string;
  /** Shard id or consumer group name, when the path has one. */
  item?: string;
}

const SEGMENT = '([^/]+)';
const SHARDS = new RegExp(`^/logstores/${SEGMENT}/shards(?:/${SEGMENT})?$`);
const GROUPS = new RegExp(`^/logstores/${SEGMENT}/consumergroups(?:/${SEGMENT})?$`);

function decode(segment: string | undefined): string | undefined {
  if (segment === undefined) return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The API a request is for, or undefined for an unsupported method and path. */
export function route(method: string, path: string, query: URLSearchParams): Route | undefined {
  const shards = SHARDS.exec(path);
  if (shards !== null && method === 'GET') {
    const logstore = decode(shards[1]) ?? '';
    const item = decode(shards[2]);
    if (item === undefined) return { api: 'ListShards', logstore };
    const api = shardApiOf(query.get('type'));
    return api === undefined ? undefined : { api, logstore, item };
  }
  const groups = GROUPS.exec(path);
  if (groups === null) return undefined;
  const logstore = decode(groups[1]) ?? '';
  const item = decode(groups[2]);
  if (item === undefined) {
    if (method === 'POST') return { api: 'CreateConsumerGroup', logstore };
    return method === 'GET' ? { api: 'ListConsumerGroup', logstore } : undefined;
  }
  if (method === 'GET') return { api: 'GetCheckPoint', logstore, item };
  if (method !== 'POST') return undefined;
  const type = query.get('type');
  if (type === 'heartbeat') return { api: 'ConsumerGroupHeartBeat', logstore, item };
  return type === 'checkpoint' ? { api: 'ConsumerGroupUpdateCheckPoint', logstore, item } : undefined;
}

export interface ApiContext {
  store: ShardStore;
  groups: ConsumerGroups;
  query: URLSearchParams;
  body: Buffer;
  acceptEncoding: string;
  maxCount: number;
  nowMs: number;
  /** False when the shard is over its read quota (counts the read otherwise). */
  readAllowed: (shard: number) => boolean;
}

function shardOf(store: ShardStore, item: string | undefined): Shard | SlsReply {
  const shard = item !== undefined && /^\d+$/.test(item) ? store.get(Number(item)) : undefined;
  return shard ?? errors.shardNotExist(item ?? '');
}

export function handle(r: Route, ctx: ApiContext): SlsReply {
  const { store, groups, query } = ctx;
  switch (r.api) {
    case 'ListShards':
      return { status: 200, json: store.list() };
    case 'GetCursor':
    case 'GetCursorTime':
    case 'PullLogs': {
      const shard = shardOf(store, r.item);
      if (!('groups' in shard)) return shard;
      if (r.api === 'GetCursor') return getCursor(shard, query.get('from'));
      if (r.api === 'GetCursorTime') return getCursorTime(shard, query.get('cursor'));
      if (!ctx.readAllowed(shard.id)) return errors.readQuota();
      return pullLogs(shard, {
        cursor: query.get('cursor'),
        endCursor: query.get('end_cursor'),
        count: query.get('count'),
        acceptEncoding: ctx.acceptEncoding,
        maxCount: ctx.maxCount,
      });
    }
    case 'CreateConsumerGroup':
      return groups.create(ctx.body);
    case 'ListConsumerGroup':
      return groups.list();
    case 'ConsumerGroupHeartBeat':
      return groups.heartbeat(r.item ?? '', query.get('consumer'), ctx.body, store.all(), ctx.nowMs);
    case 'ConsumerGroupUpdateCheckPoint':
      return groups.updateCheckpoint(r.item ?? '', query.get('consumer'), query.get('forceSuccess'), ctx.body, (id) => store.get(id), ctx.nowMs);
    case 'GetCheckPoint':
      return groups.getCheckpoint(r.item ?? '', query.get('shard'), store.all());
    default:
      return errors.custom(500, 'InternalServerError', `unrouted api ${r.api}`);
  }
}
