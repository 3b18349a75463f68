import type { ActionTrailSimCredential, ActionTrailSimOptions } from './types.ts';

/**
 * The AccessKey every simulator knows unless {@link ActionTrailSimOptions.credentials} says otherwise.
 * @public
 */
export const DEFAULT_ACTIONTRAIL_SIM_CREDENTIAL: Readonly<ActionTrailSimCredential> = Object.freeze({
  accessKeyId: 'LTAI_sim_key',
  accessKeySecret: 'sim-secret',
});

export interface ResolvedOptions {
  credentials: ReadonlyMap<string, ActionTrailSimCredential>;
  port: number;
  now: () => number;
  maxResults: number;
  defaultMaxResults: number;
  visibilityDelaySeconds: number;
  throttlePerSecond: number;
  retentionDays: number;
  latencyMs: number;
}

function int(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`ActionTrailSimOptions.${name} must be an integer >= ${min}, got ${value}`);
  }
  return value;
}

function credentialMap(list: readonly ActionTrailSimCredential[]): Map<string, ActionTrailSimCredential> {
  const map = new Map<string, ActionTrailSimCredential>();
  for (const credential of list) {
    if (credential.accessKeyId === '' || credential.accessKeySecret === '') {
      throw new RangeError('ActionTrailSimOptions.credentials need a non-empty accessKeyId and accessKeySecret');
    }
    if (map.has(credential.accessKeyId)) throw new RangeError(`duplicate accessKeyId ${credential.accessKeyId}`);
    map.set(credential.accessKeyId, { ...credential });
  }
  return map;
}

export function resolveOptions(options: ActionTrailSimOptions): ResolvedOptions {
  const maxResults = int('maxResults', options.maxResults ?? 50, 1);
  // An explicit default above the maximum is a mistake; the implicit 20 just shrinks with it.
  const defaultMaxResults = options.defaultMaxResults === undefined
    ? Math.min(20, maxResults)
    : int('defaultMaxResults', options.defaultMaxResults, 1);
  if (defaultMaxResults > maxResults) throw new RangeError('ActionTrailSimOptions.defaultMaxResults must not exceed maxResults');
  return {
    credentials: credentialMap(options.credentials ?? [DEFAULT_ACTIONTRAIL_SIM_CREDENTIAL]),
    port: int('port', options.port ?? 0, 0),
    now: options.now ?? Date.now,
    maxResults,
    defaultMaxResults,
    visibilityDelaySeconds: int('visibilityDelaySeconds', options.visibilityDelaySeconds ?? 0, 0),
    throttlePerSecond: int('throttlePerSecond', options.throttlePerSecond ?? 0, 0),
    retentionDays: int('retentionDays', options.retentionDays ?? 90, 1),
    latencyMs: int('latencyMs', options.latencyMs ?? 0, 0),
  };
}
