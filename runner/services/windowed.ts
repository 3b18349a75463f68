import type Keyv from 'keyv';
import { createChunkedSeenSet, createWindowedCheckpoint, loadOrInitWindowedState, pullWindows, type AuditpullError, type Page, type TimeWindow } from '../../lib/index.ts';
import type { RunnerLogger } from '../log.ts';
import type { Outputs } from '../outputs.ts';
import type { CycleStats, Service, ServiceProgress } from '../service.ts';

/** Without initial_start_time_in_utc, a first run collects this far back. */
export const DEFAULT_LOOKBACK_SECONDS = 7 * 86_400;

/** The settings every windowed service has (config keys of DESIGN.md). */
export interface WindowedSettings {
  readonly request_period_in_seconds: number;
  readonly initial_start_time_in_utc?: string | undefined;
  readonly lag_seconds: number;
  readonly max_window_seconds: number;
  readonly overlap_seconds: number;
}

/** What one windowed log source is: its API, tag, dedupe key, time field and error ids. */
export interface WindowedSource<T> {
  readonly input: string;
  readonly inputId: string | number;
  readonly name: string;
  readonly tag: string;
  /** For messages: "audit infos", "actiontrail logs", … */
  readonly what: string;
  readonly retentionSeconds?: number;
  /** Pages of a window in whole seconds, both ends inclusive. */
  pages(window: TimeWindow, signal: AbortSignal): AsyncIterable<Page<T>>;
  idOf(item: T): string;
  /** Event time in whole Unix seconds. */
  timeOf(item: T): number;
  /** Authenticate and make one small request. Throws anything; `toSetupError` codes it. */
  probe(signal: AbortSignal): Promise<void>;
  toSetupError(error: unknown): AuditpullError;
  toPullError(error: unknown): AuditpullError;
}

/** `pages`, each page's size reported as it arrives. */
async function* counted<T>(pages: AsyncIterable<Page<T>>, progress: ServiceProgress): AsyncGenerator<Page<T>, void, undefined> {
  for await (const page of pages) {
    progress.received(page.items.length);
    yield page;
  }
}

/** The state key of an (input, service) pair. */
export function stateKey(input: string, id: string | number, service: string): string {
  return `state:${input}:${id}:${service}`;
}

const iso = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/**
 * A windowed service: windows from the checkpoint to now − lag, deduplicated, delivered to every output,
 * then checkpointed (lib's `pullWindows`); setup proves the source answers.
 */
export function createWindowedService<T extends object>(
  context: {
    readonly settings: WindowedSettings;
    readonly store: Keyv;
    readonly outputs: Outputs;
    readonly logger: RunnerLogger;
    readonly now: () => number;
    readonly progress?: ServiceProgress | undefined;
  },
  source: WindowedSource<T>,
): Service {
  const { settings, logger, now, progress } = context;
  const key = stateKey(source.input, source.inputId, source.name);
  const stored = createWindowedCheckpoint(context.store, key);
  // Every save is reported, so the lag metric follows a backfill window by window.
  const checkpoint: typeof stored = progress
    ? { ...stored, save: async (state) => (await stored.save(state), progress.checkpoint(Date.parse(state.last_run_datetime))) }
    : stored;
  const seen = createChunkedSeenSet(context.store, `${key}:window`);
  const pagesOf = (window: TimeWindow, signal: AbortSignal) => (progress ? counted(source.pages(window, signal), progress) : source.pages(window, signal));

  return {
    input: source.input,
    name: source.name,
    logger,
    periodSeconds: settings.request_period_in_seconds,
    async setup(signal) {
      try {
        await source.probe(signal);
      } catch (error) {
        throw source.toSetupError(error);
      }
      logger.info('Remote source is pullable');
    },
    async pull(signal): Promise<CycleStats> {
      const started = now();
      const pullingId = String(started);
      const state = await loadOrInitWindowedState(checkpoint, settings.initial_start_time_in_utc, iso(started - DEFAULT_LOOKBACK_SECONDS * 1000), logger);
      progress?.checkpoint(Date.parse(state.last_run_datetime));
      try {
        const stats = await pullWindows<T>({
          checkpoint,
          seen,
          state,
          fetchPages: (window) => pagesOf(window, signal),
          idOf: (item) => source.idOf(item),
          timeOf: (item) => source.timeOf(item),
          deliver: async (items) => {
            await context.outputs.deliver(source.tag, items.map((item) => ({ ...item, '@devo_pulling_id': pullingId })));
            logger.info(`Sent ${items.length} events to ${source.tag}`);
          },
          what: source.what,
          lagSeconds: settings.lag_seconds,
          maxWindowSeconds: settings.max_window_seconds,
          overlapSeconds: settings.overlap_seconds,
          ...(source.retentionSeconds === undefined ? {} : { retentionSeconds: source.retentionSeconds }),
          now,
          signal,
          logger,
        });
        return { pullingId, requests: stats.requests, received: stats.received, duplicates: stats.duplicates, sent: stats.sent, elapsedMs: now() - started };
      } catch (error) {
        if (signal.aborted) throw error;
        throw source.toPullError(error);
      }
    },
  };
}
