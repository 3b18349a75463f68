import type Keyv from 'keyv';
import { AuditpullError, createLarkClient, isAuditpullError, openStateStore } from '../lib/index.ts';
import { configPath, type Config } from './config.ts';
import type { LogRecord, RunnerLogger } from './log.ts';
import { createOutputs, type Outputs } from './outputs.ts';
import { createPreprocessor, withPreprocessing, type PreprocessConfig } from './preprocess.ts';
import { statisticsLine, type Service } from './service.ts';
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
}

/** Errors that a later cycle cannot fix: the service stops instead of looping on them. */
function isFatal(error: AuditpullError): boolean {
  if (error.family === 'ConfigError' || error.family === 'InitVariablesError' || error.family === 'StateError') return true;
  return error.id === 100 || error.id === 102 || error.id === 103 || error.id === 404;
}

function asCoded(error: unknown): AuditpullError {
  return isAuditpullError(error) ? error : new AuditpullError(301, `Unexpected error: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}

export async function openState(config: Config): Promise<Keyv> {
  const p = config.globals.persistence;
  return openStateStore(p.type === 'sqlite' ? { type: 'sqlite', path: configPath(config, p.path) } : p);
}

/** The outputs as one service sees them: with its obfuscation and flattening, if it has any. */
const preprocessed = (outputs: Outputs, section: PreprocessConfig): Outputs => withPreprocessing(outputs, createPreprocessor(section));

/** Compose one service per enabled (input, service) pair; the services of an input share one client. */
export function buildServices(config: Config, store: Keyv, outputs: Outputs, logger: RunnerLogger, now: () => number): Service[] {
  const services: Service[] = [];
  for (const input of config.inputs.lark) {
    if (!input.enabled) continue;
    const client = createLarkClient({
      appId: input.credentials.app_id,
      appSecret: input.credentials.app_secret,
      ...(input.override_base_url ? { baseUrl: input.override_base_url } : {}),
      tokenStore: store,
      requestsPerMinute: input.requests_per_minute,
      retry: { maxRetryAfterMs: input.rate_limit_max_wait_seconds * 1000 },
      now,
      logger: logger.child(`${input.name}#${input.id}`),
    });
    for (const [name, section] of Object.entries(input.services)) {
      if (!section || !section.enabled) continue;
      const create = LARK_SERVICES[name];
      if (create) services.push(create({ input, section, client, store, outputs: preprocessed(outputs, section), logger: logger.child(`${input.name}#${input.id}/${name}`, { input: input.name, service: name }), now }));
    }
  }
  for (const input of config.inputs.alibaba) {
    if (!input.enabled) continue;
    const trail = input.services.actiontrail;
    if (trail?.enabled) {
      services.push(createActionTrailService({ input, section: trail, store, outputs: preprocessed(outputs, trail), logger: logger.child(`${input.name}#${input.id}/actiontrail`, { input: input.name, service: 'actiontrail' }), now }));
    }
    const sls = input.services.actiontrail_log_service;
    if (sls?.enabled) {
      services.push(createActionTrailLogService({ input, section: sls, store, outputs: preprocessed(outputs, sls), logger: logger.child(`${input.name}#${input.id}/actiontrail_log_service`, { input: input.name, service: 'actiontrail_log_service' }), now }));
    }
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
async function runService(service: Service, options: CollectorOptions): Promise<AuditpullError | undefined> {
  const now = options.now ?? Date.now;
  const { signal } = options;
  const { logger } = service;
  let setupDone = false;
  let setupDelayMs = 5_000;
  if (!options.once) logger.info(`Starting data collection every ${service.periodSeconds} seconds`);
  while (!signal.aborted) {
    const started = now();
    try {
      if (!setupDone) {
        await service.setup(signal);
        setupDone = true;
      }
      logger.info('Pull Started');
      const stats = await service.pull(signal);
      logger.info(statisticsLine(stats));
      if (options.once) return undefined;
    } catch (error) {
      if (signal.aborted) return undefined;
      const coded = asCoded(error);
      logger.error(coded.toString());
      if (options.once || isFatal(coded)) return coded;
      if (!setupDone) {
        // Setup failures that may clear (network): retry with a growing wait, never a tight loop.
        await sleep(setupDelayMs, signal);
        setupDelayMs = Math.min(setupDelayMs * 2, 600_000);
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

/**
 * Run the collector. Resolves with the errors that stopped services (empty: clean stop or successful --once).
 */
export async function runCollector(options: CollectorOptions): Promise<AuditpullError[]> {
  const { config, logger } = options;
  const now = options.now ?? Date.now;
  const store = await openState(config);
  let outputs: Outputs | undefined;
  try {
    outputs = await createOutputs(config, logger, { signal: options.signal, once: options.once });
    if (options.logSink) options.logSink.forward = outputs.forwardLog;
    const services = buildServices(config, store, outputs, logger, now);
    if (services.length === 0) throw new AuditpullError(14, 'No enabled service: enable at least one service of one input');
    const results = await Promise.all(services.map((s) => runService(s, options)));
    return results.filter((r): r is AuditpullError => r !== undefined);
  } finally {
    await outputs?.close().catch((error: unknown) => logger.warn(`Closing outputs failed: ${String(error)}`));
    await store.disconnect().catch(() => {});
  }
}
