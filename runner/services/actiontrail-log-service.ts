import { createShardCursorCheckpoint, createSlsClient, flattenLogGroups, type ShardCursorState } from '../../lib/index.ts';
import { alibabaCredentials, type AlibabaInputConfig, type LogServiceConfig } from '../config.ts';
import type { CycleStats, Service, ServiceContext } from '../service.ts';
import { toSlsPullError, toSlsSetupError } from '../sls-errors.ts';
import { DEFAULT_LOOKBACK_SECONDS, stateKey } from './windowed.ts';

export const LOG_SERVICE_TAG = 'cloud.alibaba.log_service.events';

/**
 * Run `worker` over `items`, at most `limit` at a time. A failing item does not stop the others (one bad
 * shard must not starve the rest until their data expires); the first failure is rethrown once all settled.
 */
async function eachLimited<T>(items: readonly T[], limit: number, signal: AbortSignal, worker: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const errors: unknown[] = [];
  await Promise.all(
    Array.from({ length: Math.min(limit, queue.length) }, async () => {
      for (let item = queue.shift(); item !== undefined && !signal.aborted; item = queue.shift()) {
        try {
          await worker(item);
        } catch (error) {
          errors.push(error);
        }
      }
    }),
  );
  if (errors.length > 0) throw errors[0];
}

/**
 * `actiontrail_log_service`: every ActionTrail event stored in a Log Store, read shard by shard with exact
 * cursors (one checkpoint per delivered batch), in order within each shard. Shards created by a split or
 * merge are read from their beginning, alongside their readonly parents, which are read to their end and
 * then left (order is kept within a shard, not across a parent and its children).
 */
export function createActionTrailLogService(ctx: ServiceContext<AlibabaInputConfig, LogServiceConfig>): Service {
  const { input, section, logger, now } = ctx;
  const baseUrl = section.override_base_url ?? input.override_base_url;
  const client = createSlsClient({
    project: section.project,
    credentials: alibabaCredentials(input),
    ...(input.region ? { region: input.region } : {}),
    ...(baseUrl ? { baseUrl } : {}),
    signatureVersion: section.signature_version,
    now,
    logger,
    ...(ctx.http ? { fetch: ctx.http.fetch, retry: { onRetry: ctx.http.onRetry } } : {}),
  });
  const checkpoint = createShardCursorCheckpoint(ctx.store, stateKey(input.name, input.id, 'actiontrail_log_service'));
  const origin = (shard: number) => `${section.project}/${section.logstore}/${shard}`;
  let warnedTopics = false;

  function toEvent(log: Record<string, string>, shard: number, pullingId: string): object {
    const module = log['__topic__'] ?? '';
    const raw = log['event'];
    if (raw !== undefined) {
      try {
        const event: unknown = JSON.parse(raw);
        if (event !== null && typeof event === 'object' && !Array.isArray(event)) return { ...event, origin: origin(shard), module, '@devo_pulling_id': pullingId };
      } catch {
        // Falls through: sent as the raw log, never dropped.
      }
      logger.warn(`A log in shard ${shard} has an event field that is not a JSON object; it is sent as the raw log`);
    } else if (!warnedTopics) {
      warnedTopics = true;
      logger.warn(`Logs without an event field (topic "${module}") are sent as raw logs`);
    }
    return { ...log, origin: origin(shard), module, '@devo_pulling_id': pullingId };
  }

  async function loadState(): Promise<ShardCursorState> {
    const stored = await checkpoint.load();
    const configured = section.initial_start_time_in_utc;
    const initial = configured ?? stored?.initial_start_time_in_utc ?? new Date(now() - DEFAULT_LOOKBACK_SECONDS * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    if (stored && Date.parse(stored.initial_start_time_in_utc) === Date.parse(initial)) return stored;
    if (stored) logger.warn(`initial_start_time_in_utc changed from ${stored.initial_start_time_in_utc} to ${initial}: the state has been reset and every shard is read again from ${initial}`);
    const fresh: ShardCursorState = { version: 1, initial_start_time_in_utc: initial, cursors: {} };
    await checkpoint.save(fresh);
    return fresh;
  }

  return {
    input: input.name,
    name: 'actiontrail_log_service',
    logger,
    periodSeconds: section.request_period_in_seconds,
    async setup(signal) {
      try {
        const shards = await client.listShards(section.logstore, { signal });
        logger.info(`Log Store ${section.project}/${section.logstore} has ${shards.length} shard(s)`);
      } catch (error) {
        throw toSlsSetupError(error);
      }
      logger.info('Remote source is pullable');
    },
    async pull(signal): Promise<CycleStats> {
      const started = now();
      const pullingId = String(started);
      const stats = { requests: 0, received: 0, sent: 0 };
      try {
        let state = await loadState();
        const shards = await client.listShards(section.logstore, { signal });
        stats.requests += 1;
        // Shards known at the first run start at initial_start_time_in_utc; later ones (split, merge) at their beginning.
        const firstRun = Object.keys(state.cursors).length === 0;
        const startSeconds = Math.floor(Date.parse(state.initial_start_time_in_utc) / 1000);
        for (const shard of shards) {
          if (state.cursors[shard.shardID] !== undefined) continue;
          const cursor = await client.getCursor(section.logstore, shard.shardID, firstRun ? startSeconds : 'begin', { signal });
          stats.requests += 1;
          state = { ...state, cursors: { ...state.cursors, [shard.shardID]: { cursor } } };
        }
        await checkpoint.save(state);

        // Saves are chained so they land in order, each with the whole state as it then stands.
        let saving = Promise.resolve();
        const save = () => (saving = saving.then(() => checkpoint.save(state)));
        const readable = shards.filter((s) => !state.cursors[s.shardID]?.done);
        await eachLimited(readable, section.max_concurrent_shards, signal, async (shard) => {
          let cursor = state.cursors[shard.shardID]?.cursor ?? '';
          for (;;) {
            signal.throwIfAborted();
            const page = await client.pullLogs(section.logstore, shard.shardID, { cursor, count: section.count, signal });
            stats.requests += 1;
            const logs = flattenLogGroups(page.groups);
            stats.received += logs.length;
            ctx.progress?.received(logs.length);
            if (logs.length > 0) {
              await ctx.outputs.deliver(LOG_SERVICE_TAG, logs.map((log) => toEvent(log, shard.shardID, pullingId)));
              stats.sent += logs.length;
            }
            const done = page.endOfCursor && shard.status === 'readonly';
            if (page.nextCursor !== cursor || done) {
              state = { ...state, cursors: { ...state.cursors, [shard.shardID]: { cursor: page.nextCursor, ...(done ? { done } : {}) } } };
              await save();
            }
            if (done) {
              logger.info(`Shard ${shard.shardID} (readonly) read to its end`);
              return;
            }
            // Less than a full batch: the shard is caught up for this cycle (a busy shard never returns 0).
            if (page.count < section.count || page.nextCursor === cursor) return;
            cursor = page.nextCursor;
          }
        });
        await saving;
        // Every shard was read up to where it was at the cycle's start: that is how far the checkpoint reaches.
        ctx.progress?.checkpoint(started);
        return { pullingId, requests: stats.requests, received: stats.received, duplicates: 0, sent: stats.sent, elapsedMs: now() - started };
      } catch (error) {
        if (signal.aborted) throw error;
        throw toSlsPullError(error);
      }
    },
  };
}
