import type { LarkSimApp, LarkSimOptions } from './types.ts';

/**
 * The app every simulator knows unless {@link LarkSimOptions.apps} says otherwise.
 * @public
 */
export const DEFAULT_LARK_SIM_APP: Readonly<LarkSimApp> = Object.freeze({ appId: 'cli_sim_app', appSecret: 'sim-secret' });

function positiveInt(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`LarkSimOptions.${name} must be an integer >= ${min}, got ${value}`);
  return value;
}

function timeUnit(name: string, value: string): 's' | 'ms' {
  if (value !== 's' && value !== 'ms') throw new RangeError(`LarkSimOptions.${name} must be 's' or 'ms', got ${value}`);
  return value;
}

export function resolveOptions(options: LarkSimOptions): Required<LarkSimOptions> {
  const maxPageSize = positiveInt('maxPageSize', options.maxPageSize ?? 200, 1);
  const defaultPageSize = positiveInt('defaultPageSize', options.defaultPageSize ?? 20, 1);
  if (defaultPageSize > maxPageSize) throw new RangeError('LarkSimOptions.defaultPageSize must not exceed maxPageSize');
  const maxAdminPageSize = positiveInt('maxAdminPageSize', options.maxAdminPageSize ?? 100, 1);
  if (maxAdminPageSize < 20) throw new RangeError('LarkSimOptions.maxAdminPageSize must be at least the default page size, 20');
  const dlpDuplicateRate = options.dlpDuplicateRate ?? 0;
  if (!(dlpDuplicateRate >= 0 && dlpDuplicateRate <= 1)) throw new RangeError(`LarkSimOptions.dlpDuplicateRate must be in [0, 1], got ${dlpDuplicateRate}`);
  return {
    apps: (options.apps ?? [DEFAULT_LARK_SIM_APP]).map((app) => ({ ...app })),
    port: positiveInt('port', options.port ?? 0, 0),
    now: options.now ?? Date.now,
    tokenLifetimeSeconds: positiveInt('tokenLifetimeSeconds', options.tokenLifetimeSeconds ?? 7200, 1),
    refreshWindowSeconds: positiveInt('refreshWindowSeconds', options.refreshWindowSeconds ?? 1800, 0),
    maxPageSize,
    defaultPageSize,
    rateLimitPerMinute: positiveInt('rateLimitPerMinute', options.rateLimitPerMinute ?? 0, 0),
    latencyMs: positiveInt('latencyMs', options.latencyMs ?? 0, 0),
    adminTimeUnit: timeUnit('adminTimeUnit', options.adminTimeUnit ?? 's'),
    maxAdminPageSize,
    dlpTimeUnit: timeUnit('dlpTimeUnit', options.dlpTimeUnit ?? 'ms'),
    maxDlpPageSize: positiveInt('maxDlpPageSize', options.maxDlpPageSize ?? 50, 1),
    dlpDuplicateRate,
  };
}
