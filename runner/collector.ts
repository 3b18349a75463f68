import type Keyv from 'keyv';
import { AuditpullError, createLarkClient, isAuditpullError, openStateStore } from '../lib/index.ts';
import { configPath, type Config } from './config.ts';
import type { LogRecord, RunnerLogger } from './log.ts';
import { createOutputs, type Outputs } from './outputs.ts';
import { createPreprocessor, withPreprocessing, type PreprocessConfig } from './preprocess.ts';
import { createMetrics, serveMetrics, type Api, type Metrics } from './metrics.ts';
import { statisticsLine, type HttpHooks, type Service, type ServiceContext } from './service.ts';
import { createActionTrailService } from './services/actiontrail.ts';
import { createActionTrailLogService } from './services/actiontrail-log-service.ts';
import { createAdminLogService } from './services/admin-log.ts';
import { createAuditInfosService } from './services/audit-infos.ts';
import { createDlpExecuteLogService } from './services/dlp-execute-log.ts';
import type { LarkServiceContext } from './services/lark-windowed.ts';

const LARK_SERVICES: Record<string, (ctx: LarkServiceContext) => Service> = {
  audit_infos: createAuditInfosService,
  admin_log: createAdminLogService,
  dlp_execute_log: createDlpExecuteLogService,
};

export interface CollectorOptions {
  readonly config: Config;
  readonly logger: RunnerLogger;
  readonly once: boolean;
  readonly signal: AbortSignal;
  readonly now?: () => number;
  /** Receives the outputs' `forwardLog` once they exist (`globals.internal_logs`). */
  readonly logSink?: { forward?: (record: LogRecord) => void };
  /** Metrics to fill (tests, embedding); served only when `globals.metrics` is set. Default: made when it is. */
  readonly metrics?: Metrics;
}

/** Errors that a later cycle cannot fix: the service stops instead of looping on them. */
function isFatal(error: AuditpullError): boolean {
  if (error.family === 'ConfigError' || error.family === 'InitVariablesError' || error.family === 'StateError') return true;
  return error.id === 100 || error.id === 102 || error.id === 103 || error.id === 404;
}

function asCoded(error: unknown): AuditpullError {
  return isAuditpullError(error) ? error : new AuditpullError(301, `Unexpected error: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}

export async function openState(config: Config, logger?: RunnerLogger): Promise<Keyv> {
  const p = config.globals.persistence;
  // A Redis or Postgres restart pauses the services for up to 30 s instead of stopping them; say so.
  const onRetry = (info: { attempt: number; delayMs: number; message: string }) =>
    logger?.warn(`State store ${p.type} unreachable (${info.message}); retrying in ${(info.delayMs / 1000).toFixed(1)} s (attempt ${info.attempt})`);
  return openStateStore(p.type === 'sqlite' ? { type: 'sqlite', path: configPath(config, p.path) } : p, 'auditpull', { onRetry });
}

/** HTTP hooks for one input's clients: instrumented when metrics are on. */
function httpFor(metrics: Metrics | undefined, input: string, api: Api): HttpHooks | undefined {
  return metrics ? { fetch: metrics.instrumentFetch(input, api), onRetry: metrics.onRetry(input, api) } : undefined;
}

/**
 * What every service of `input` gets: the outputs as it sees them (its obfuscation and flattening, and
 * a count of what it sent), its logger (bound to input and service), and the shared parts.
 */
function contextFor<Input extends { name: string; id: string | number }, Section extends PreprocessConfig>(
  shared: { store: Keyv; outputs: Outputs; logger: RunnerLogger; now: () => number; metrics: Metrics | undefined },
  input: Input,
  service: string,
  section: Section,
  http: HttpHooks | undefined,
): ServiceContext<Input, Section> {
  const { metrics } = shared;
  let outputs = withPreprocessing(shared.outputs, createPreprocessor(section));
  if (metrics) {
    const inner = outputs;
    outputs = { ...inner, deliver: async (tag, events) => (await inner.deliver(tag, events), metrics.eventsSent(input.name, service, events.length)) };
  }
  return {
    input,
    section,
    store: shared.store,
    outputs,
    logger: shared.logger.child(`${input.name}#${input.id}/${service}`, { input: input.name, service }),
    now: shared.now,
    ...(http ? { http } : {}),
    ...(metrics ? { progress: metrics.progress(input.name, service) } : {}),
  };
}

/** Compose one service per enabled (input, service) pair; the services of an input share one client. */
export function buildServices(config: Config, store: Keyv, outputs: Outputs, logger: RunnerLogger, now: () => number, metrics?: Metrics): Service[] {
  const shared = { store, outputs, logger, now, metrics };
  const services: Service[] = [];
  for (const input of config.inputs.lark) {
    if (!input.enabled) continue;
    const http = httpFor(metrics, input.name, 'lark');
    const client = createLarkClient({
      appId: input.credentials.app_id,
      appSecret: input.credentials.app_secret,
      ...(input.override_base_url ? { baseUrl: input.override_base_url } : {}),
      tokenStore: store,
      requestsPerMinute: input.requests_per_minute,
      retry: { maxRetryAfterMs: input.rate_limit_max_wait_seconds * 1000, ...(http ? { onRetry: http.onRetry } : {}) },
      ...(http ? { fetch: http.fetch } : {}),
      now,
      logger: logger.child(`${input.name}#${input.id}`),
    });
    for (const [name, section] of Object.entries(input.services)) {
      if (!section || !section.enabled) continue;
      const create = LARK_SERVICES[name];
      if (create) services.push(create({ ...contextFor(shared, input, name, section, http), client }));
    }
  }
  for (const input of config.inputs.alibaba) {
    if (!input.enabled) continue;
    const trail = input.services.actiontrail;
    if (trail?.enabled) services.push(createActionTrailService(contextFor(shared, input, 'actiontrail', trail, httpFor(metrics, input.name, 'actiontrail'))));
    const sls = input.services.actiontrail_log_service;
    if (sls?.enabled) services.push(createActionTrailLogService(contextFor(shared, input, 'actiontrail_log_service', sls, httpFor(metrics, input.name, 'sls'))));
  }
  return services;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** One service's life: setup, then pull cycles every `request_period_in_seconds` (or once). */
async function runService(service: Service, options: CollectorOptions, metrics: Metrics | undefined): Promise<AuditpullError | undefined> {
  const now = options.now ?? Date.now;
  const { signal } = options;
  const { logger } = service;
  metrics?.setReady(service.input, service.name, false);
  let setupDone = false;
  let setupDelayMs = 5_000;
  // Cycles that failed in a row: a fault that persists (a vendor answering the same broken page) is then
  // retried after 5 s, 10 s, … up to 10 min instead of every period, so it cannot become a busy loop.
  let failedCycles = 0;
  if (!options.once) logger.info(`Starting data collection every ${service.periodSeconds} seconds`);
  while (!signal.aborted) {
    const started = now();
    try {
      if (!setupDone) {
        await service.setup(signal);
        setupDone = true;
        metrics?.setReady(service.input, service.name, true);
      }
      logger.info('Pull Started');
      const stats = await service.pull(signal);
      logger.info(statisticsLine(stats));
      metrics?.cycle(service.input, service.name, stats);
      failedCycles = 0;
      if (options.once) return undefined;
    } catch (error) {
      if (signal.aborted) return undefined;
      const coded = asCoded(error);
      logger.error(coded.toString());
      if (options.once || isFatal(coded)) {
        metrics?.setReady(service.input, service.name, false);
        return coded;
      }
      if (!setupDone) {
        // Setup failures that may clear (network): retry with a growing wait, never a tight loop.
        await sleep(setupDelayMs, signal);
        setupDelayMs = Math.min(setupDelayMs * 2, 600_000);
        continue;
      }
      failedCycles += 1;
      const backoffMs = Math.min(5_000 * 2 ** (failedCycles - 1), 600_000);
      if (backoffMs > service.periodSeconds * 1000) {
        logger.warn(`${failedCycles} pull cycle(s) failed in a row; next attempt in ${Math.round(backoffMs / 1000)} s`);
        await sleep(backoffMs, signal);
        continue;
      }
    }
    const waitMs = service.periodSeconds * 1000 - (now() - started);
    if (waitMs > 0) {
      logger.info(`Data collection completed. Waiting for ${Math.ceil(waitMs / 1000)} second(s) until the next one`);
      await sleep(waitMs, signal);
    }
  }
  return undefined;
}

/** Time a stop may spend finishing deliveries in flight, then again closing outputs: 10 s in all at most. */
const STOP_GRACE_MS = 6000;

/** Resolves `ms` after `signal` aborted (never, if it does not). */
function afterStop(signal: AbortSignal, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const start = () => setTimeout(resolve, ms).unref();
    if (signal.aborted) start();
    else signal.addEventListener('abort', start, { once: true });
  });
}

/**
 * Run the collector. Resolves with the errors that stopped services (empty: clean stop or successful --once).
 */
export async function runCollector(options: CollectorOptions): Promise<AuditpullError[]> {
  const { config, logger } = options;
  const now = options.now ?? Date.now;
  const store = await openState(config, logger);
  let outputs: Outputs | undefined;
  let metricsServer: { close(): Promise<void> } | undefined;
  try {
    const metrics = options.metrics ?? (config.globals.metrics ? createMetrics(now) : undefined);
    if (metrics && config.globals.metrics) {
      const { port, host } = config.globals.metrics;
      metricsServer = await serveMetrics(metrics, { port, host }, logger).catch((error: unknown) => {
        throw new AuditpullError(16, `Cannot serve metrics on ${host}:${port}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
      });
    }
    outputs = await createOutputs(config, logger, { signal: options.signal, once: options.once, ...(metrics ? { hooks: metrics.outputHooks } : {}) });
    if (options.logSink) options.logSink.forward = outputs.forwardLog;
    const services = buildServices(config, store, outputs, logger, now, metrics);
    if (services.length === 0) throw new AuditpullError(14, 'No enabled service: enable at least one service of one input');
    const running = Promise.all(services.map((s) => runService(s, options, metrics)));
    // After a stop signal, a delivery the output does not confirm (Devo stalled) must not hold the exit:
    // it is abandoned unsaved, so it is simply sent again at the next start.
    const results = await Promise.race([running, afterStop(options.signal, STOP_GRACE_MS).then(() => undefined)]);
    if (results === undefined) {
      logger.warn(`Deliveries still unconfirmed ${STOP_GRACE_MS / 1000} s after the stop signal are abandoned; they were not checkpointed and are sent again at the next start`);
      return [];
    }
    return results.filter((r): r is AuditpullError => r !== undefined);
  } finally {
    await Promise.race([
      outputs?.close().catch((error: unknown) => logger.warn(`Closing outputs failed: ${String(error)}`)),
      afterStop(options.signal, STOP_GRACE_MS / 2),
    ]);
    await metricsServer?.close();
    await store.disconnect().catch(() => {});
  }
}
