import type Keyv from 'keyv';
import {
  createChunkedSeenSet,
  createWindowedCheckpoint,
  loadOrInitWindowedState,
  pullWindows,
  type LarkClient,
  type Page,
  type TimeWindow,
} from '../../lib/index.ts';
import type { LarkInputConfig, LarkServiceConfig } from '../config.ts';
import { toLarkPullError, toLarkSetupError } from '../lark-errors.ts';
import type { RunnerLogger } from '../log.ts';
import type { Outputs } from '../outputs.ts';
import type { CycleStats, Service } from '../service.ts';

/** Without initial_start_time_in_utc, a first run collects this far back. */
export const DEFAULT_LOOKBACK_SECONDS = 7 * 86_400;

export interface LarkServiceContext {
  readonly input: LarkInputConfig;
  readonly section: LarkServiceConfig;
  readonly client: LarkClient;
  readonly store: Keyv;
  readonly outputs: Outputs;
  readonly logger: RunnerLogger;
  readonly now: () => number;
}

/** What differs between the Lark log services: the endpoint, its tag, its dedupe key and its time field. */
export interface LarkLogSource<T> {
  readonly name: string;
  readonly tag: string;
  /** For messages: "audit infos", "admin logs", … */
  readonly what: string;
  /** How far back the API keeps logs, if known: older starts are moved forward with a warning. */
  readonly retentionSeconds?: number;
  /** Pages of a window given in whole seconds (the source converts to its API's unit). */
  pages(client: LarkClient, window: TimeWindow, pageSize: number, signal: AbortSignal): AsyncIterable<Page<T>>;
  idOf(item: T): string;
  /** Event time in whole Unix seconds. */
  timeOf(item: T): number;
}

/** The state key of an (input, service) pair. */
export function stateKey(input: string, id: string | number, service: string): string {
  return `state:${input}:${id}:${service}`;
}

const iso = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/** A Lark log service: windows from the checkpoint to now − lag, deduplicated, delivered, then checkpointed. */
export function createLarkLogService<T extends object>(ctx: LarkServiceContext, source: LarkLogSource<T>): Service {
  const { client, section, logger, now } = ctx;
  const key = stateKey(ctx.input.name, ctx.input.id, source.name);
  const checkpoint = createWindowedCheckpoint(ctx.store, key);
  const seen = createChunkedSeenSet(ctx.store, `${key}:window`);

  return {
    input: ctx.input.name,
    name: source.name,
    logger,
    periodSeconds: section.request_period_in_seconds,
    async setup(signal) {
      try {
        await client.tokens.getToken();
        // One small request proves the app may read this log (scope, plan, grey release).
        const latest = Math.floor(now() / 1000);
        const probe = source.pages(client, { oldest: latest - 60, latest }, 1, signal)[Symbol.asyncIterator]();
        await probe.next();
        await probe.return?.(undefined);
      } catch (error) {
        throw toLarkSetupError(error, source.what);
      }
      logger.info('Remote source is pullable');
    },
    async pull(signal): Promise<CycleStats> {
      const started = now();
      const pullingId = String(started);
      const state = await loadOrInitWindowedState(checkpoint, section.initial_start_time_in_utc, iso(started - DEFAULT_LOOKBACK_SECONDS * 1000), logger);
      try {
        const stats = await pullWindows<T>({
          checkpoint,
          seen,
          state,
          fetchPages: (window) => source.pages(client, window, section.page_size, signal),
          idOf: (item) => source.idOf(item),
          timeOf: (item) => source.timeOf(item),
          deliver: async (items) => {
            await ctx.outputs.deliver(source.tag, items.map((item) => ({ ...item, '@devo_pulling_id': pullingId })));
            logger.info(`Sent ${items.length} events`);
          },
          lagSeconds: section.lag_seconds,
          maxWindowSeconds: section.max_window_seconds,
          overlapSeconds: section.overlap_seconds,
          ...(source.retentionSeconds === undefined ? {} : { retentionSeconds: source.retentionSeconds }),
          now,
          signal,
          logger,
        });
        return { pullingId, requests: stats.requests, received: stats.received, duplicates: stats.duplicates, sent: stats.sent, elapsedMs: now() - started };
      } catch (error) {
        if (signal.aborted) throw error;
        throw toLarkPullError(error, source.what);
      }
    },
  };
}
