import type Keyv from 'keyv';
import {
  contentHash,
  createChunkedSeenSet,
  createWindowedCheckpoint,
  loadOrInitWindowedState,
  paginateAuditInfos,
  pullWindows,
  type AuditInfo,
  type LarkClient,
} from '../../lib/index.ts';
import type { LarkInputConfig, LarkServiceConfig } from '../config.ts';
import { toLarkPullError, toLarkSetupError } from '../lark-errors.ts';
import type { RunnerLogger } from '../log.ts';
import type { Outputs } from '../outputs.ts';
import type { CycleStats, Service } from '../service.ts';

export const AUDIT_INFOS_TAG = 'app.lark.audit.event';
/** Lark keeps 180 days of audit logs. */
const RETENTION_SECONDS = 180 * 86_400;
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

/** The state key of an (input, service) pair. */
export function stateKey(input: string, id: string | number, service: string): string {
  return `state:${input}:${id}:${service}`;
}

const iso = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/** Lark `audit_infos` → `app.lark.audit.event`, deduplicated on `unique_id`. */
export function createAuditInfosService(ctx: LarkServiceContext): Service {
  const { client, section, logger, now } = ctx;
  const key = stateKey(ctx.input.name, ctx.input.id, 'audit_infos');
  const checkpoint = createWindowedCheckpoint(ctx.store, key);
  const seen = createChunkedSeenSet(ctx.store, `${key}:window`);

  return {
    input: ctx.input.name,
    name: 'audit_infos',
    logger,
    periodSeconds: section.request_period_in_seconds,
    async setup(signal) {
      try {
        await client.tokens.getToken();
      } catch (error) {
        throw toLarkSetupError(error, 'audit infos');
      }
      try {
        const latest = Math.floor(now() / 1000);
        const probe = paginateAuditInfos(client, { oldest: latest - 60, latest, pageSize: 1, signal });
        await probe.next();
        await probe.return(undefined);
      } catch (error) {
        throw toLarkSetupError(error, 'audit infos');
      }
      logger.info('Remote source is pullable');
    },
    async pull(signal): Promise<CycleStats> {
      const started = now();
      const pullingId = String(started);
      const state = await loadOrInitWindowedState(checkpoint, section.initial_start_time_in_utc, iso(started - DEFAULT_LOOKBACK_SECONDS * 1000), logger);
      try {
        const stats = await pullWindows<AuditInfo>({
          checkpoint,
          seen,
          state,
          fetchPages: (window) => paginateAuditInfos(client, { ...window, pageSize: section.page_size, signal }),
          idOf: (item) => (item.unique_id === undefined || item.unique_id === null ? contentHash(item) : String(item.unique_id)),
          timeOf: (item) => Number(item.event_time),
          deliver: async (items) => {
            await ctx.outputs.deliver(AUDIT_INFOS_TAG, items.map((item) => ({ ...item, '@devo_pulling_id': pullingId })));
            logger.info(`Sent ${items.length} events`);
          },
          lagSeconds: section.lag_seconds,
          maxWindowSeconds: section.max_window_seconds,
          overlapSeconds: section.overlap_seconds,
          retentionSeconds: RETENTION_SECONDS,
          now,
          signal,
          logger,
        });
        return { pullingId, requests: stats.requests, received: stats.received, duplicates: stats.duplicates, sent: stats.sent, elapsedMs: now() - started };
      } catch (error) {
        if (signal.aborted) throw error;
        throw toLarkPullError(error, 'audit infos');
      }
    },
  };
}
