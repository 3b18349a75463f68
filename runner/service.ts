import type Keyv from 'keyv';
import type { RetryInfo } from '../lib/index.ts';
import type { RunnerLogger } from './log.ts';
import type { Outputs } from './outputs.ts';

/** What one pull cycle of a service reports (the statistics line). */
export interface CycleStats {
  readonly pullingId: string;
  readonly requests: number;
  readonly received: number;
  readonly duplicates: number;
  readonly sent: number;
  readonly elapsedMs: number;
}

/** A runner service: one (input, service) pair composed of lib parts. */
export interface Service {
  readonly input: string;
  readonly name: string;
  /** Scoped logger, `input#id/service`. */
  readonly logger: RunnerLogger;
  readonly periodSeconds: number;
  /** Authenticate and prove the source answers. Throws SetupError. */
  setup(signal: AbortSignal): Promise<void>;
  /** One pull cycle, catching up to the window end. Throws PullError, OutputError or StateError. */
  pull(signal: AbortSignal): Promise<CycleStats>;
}

/** The pull-cycle statistics line of DESIGN.md. */
export function statisticsLine(stats: CycleStats): string {
  const perSecond = stats.elapsedMs > 0 ? stats.sent / (stats.elapsedMs / 1000) : 0;
  return (
    `Statistics for this pull cycle (@devo_pulling_id=${stats.pullingId}): Number of requests made: ${stats.requests}; ` +
    `Number of events received: ${stats.received}; Number of duplicated events filtered out: ${stats.duplicates}; ` +
    `Number of events generated and sent: ${stats.sent}; Average of events per second: ${perSecond.toFixed(3)}.`
  );
}

/** What the runner hands every service factory: its input and service sections and the shared parts. */
export interface ServiceContext<Input, Section> {
  readonly input: Input;
  readonly section: Section;
  readonly store: Keyv;
  readonly outputs: Outputs;
  readonly logger: RunnerLogger;
  readonly now: () => number;
  /** HTTP for the service's own clients (instrumented when metrics are on). */
  readonly http?: HttpHooks;
  /** Progress while a cycle runs (metrics on). */
  readonly progress?: ServiceProgress;
}

/**
 * What a service reports while a cycle runs, so metrics move page by page during a long backfill and a
 * stop in the middle of a cycle loses none of it (the statistics line comes only at a cycle's end).
 */
export interface ServiceProgress {
  /** Events arrived from the vendor API (one page, one PullLogs answer), whether or not they turn out duplicates. */
  received(count: number): void;
  /** A checkpoint was saved that reaches `atMs` (epoch ms): the lag metric is measured from it. */
  checkpoint(atMs: number): void;
}

/** What the runner injects into lib clients: a `fetch` and a retry hook, both counting for metrics. */
export interface HttpHooks {
  readonly fetch: typeof globalThis.fetch;
  readonly onRetry: (info: RetryInfo) => void;
}
