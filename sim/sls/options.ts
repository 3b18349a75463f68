import type { SlsSimCredential, SlsSimOptions } from './types.ts';

/**
 * The AccessKey every simulator knows unless {@link SlsSimOptions.credentials} says otherwise.
 * @public
 */
export const DEFAULT_SLS_SIM_CREDENTIAL: Readonly<SlsSimCredential> = Object.freeze({
  accessKeyId: 'LTAI_sls_key',
  accessKeySecret: 'sls-secret',
});

export interface ResolvedOptions {
  credentials: ReadonlyMap<string, SlsSimCredential>;
  project: string;
  logstore: string;
  shards: number;
  region: string;
  port: number;
  now: () => number;
  latencyMs: number;
  maxCount: number;
  readQpsPerShard: number;
}

function int(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`SlsSimOptions.${name} must be an integer >= ${min}, got ${value}`);
  }
  return value;
}

function name(option: string, value: string): string {
  // Project and logstore names are lowercase letters, digits, '-' and '_' (they appear in hosts and paths).
  if (!/^[a-z0-9][a-z0-9_-]{1,126}$/.test(value)) throw new RangeError(`SlsSimOptions.${option} is not a valid name: ${value}`);
  return value;
}

function credentialMap(list: readonly SlsSimCredential[]): Map<string, SlsSimCredential> {
  const map = new Map<string, SlsSimCredential>();
  for (const credential of list) {
    if (credential.accessKeyId === '' || credential.accessKeySecret === '') {
      throw new RangeError('SlsSimOptions.credentials need a non-empty accessKeyId and accessKeySecret');
    }
    if (map.has(credential.accessKeyId)) throw new RangeError(`duplicate accessKeyId ${credential.accessKeyId}`);
    map.set(credential.accessKeyId, { ...credential });
  }
  return map;
}

export function resolveOptions(options: SlsSimOptions): ResolvedOptions {
  const maxCount = int('maxCount', options.maxCount ?? 1000, 1);
  if (maxCount > 1000) throw new RangeError('SlsSimOptions.maxCount must not exceed 1000 (the API maximum)');
  return {
    credentials: credentialMap(options.credentials ?? [DEFAULT_SLS_SIM_CREDENTIAL]),
    project: name('project', options.project ?? 'sim-project'),
    logstore: name('logstore', options.logstore ?? 'actiontrail_sim-trail'),
    shards: int('shards', options.shards ?? 2, 1),
    region: options.region ?? 'cn-hangzhou',
    port: int('port', options.port ?? 0, 0),
    now: options.now ?? Date.now,
    latencyMs: int('latencyMs', options.latencyMs ?? 0, 0),
    maxCount,
    readQpsPerShard: int('readQpsPerShard', options.readQpsPerShard ?? 0, 0),
  };
}
