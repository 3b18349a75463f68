import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { AuditpullError, type AlibabaCredentials } from '../lib/index.ts';

// The configuration contract of DESIGN.md. Keys are users' and tooling's API: add, never rename.

const isoUtc = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

/** Optional preprocessing of a service's events before output (runner/preprocess.ts). */
const preprocessing = {
  /** Mask (or keyed-hash) fields by dotted path, e.g. `operator_name.value`, `objects.object_owner`. */
  obfuscate: z
    .object({ fields: z.array(z.string().regex(/^[^.\s]+(\.[^.\s]+)*$/)).min(1), mode: z.enum(['mask', 'hash']).default('mask'), salt: z.string().min(1).optional() })
    .optional(),
  /** Nested objects become dotted keys. */
  flatten: z.boolean().default(false),
  flatten_separator: z.string().min(1).default('.'),
};

const windowedBase = {
  ...preprocessing,
  enabled: z.boolean().default(true),
  initial_start_time_in_utc: z.string().optional(),
  max_window_seconds: z.number().int().min(2).max(30 * 86_400).default(3600),
  overlap_seconds: z.number().int().min(0).default(1),
};

/** A Lark log service section; page-size limits differ per endpoint (DLP's are UNVERIFIED, 50 assumed). */
function larkService(pageSize: { default: number; max: number }) {
  return z.object({
    ...windowedBase,
    request_period_in_seconds: z.number().int().min(1).default(15),
    lag_seconds: z.number().int().min(0).default(60),
    page_size: z.number().int().min(1).max(pageSize.max).default(pageSize.default),
  });
}
const auditInfosService = larkService({ default: 100, max: 200 });

const larkInput = z.object({
  type: z.literal('lark').optional(),
  id: z.union([z.number().int(), z.string().min(1)]).default(1),
  enabled: z.boolean().default(true),
  credentials: z.object({ app_id: z.string().min(1), app_secret: z.string().min(1) }),
  override_base_url: z.url({ protocol: /^https?$/ }).optional(),
  /** Per-endpoint request budget shared by the services of this input (Lark: 100/min for the log APIs). */
  requests_per_minute: z.number().positive().default(100),
  /** Longest wait for a rate-limit reset before retrying (Lark's x-ogw-ratelimit-reset is capped to it). */
  rate_limit_max_wait_seconds: z.number().positive().max(600).default(120),
  services: z
    .object({
      audit_infos: auditInfosService.optional(),
      admin_log: larkService({ default: 100, max: 500 }).extend({ time_unit: z.enum(['s', 'ms']).default('s') }).optional(),
      dlp_execute_log: larkService({ default: 50, max: 500 })
        .extend({ time_unit: z.enum(['s', 'ms']).default('ms'), include_system_log: z.boolean().default(true) })
        .optional(),
    })
    .strict()
    .default({ audit_infos: auditInfosService.parse({}) }),
});

const actiontrailService = z.object({
  ...windowedBase,
  request_period_in_seconds: z.number().int().min(1).default(60),
  lag_seconds: z.number().int().min(0).default(600),
  max_results: z.number().int().min(1).max(50).default(50),
  override_base_url: z.url({ protocol: /^https?$/ }).optional(),
  signature_version: z.enum(['v2', 'v3']).default('v3'),
  /** Sustained LookupEvents calls per second (Alibaba: about 10/s, UNVERIFIED). */
  requests_per_second: z.number().positive().default(5),
});

const logService = z.object({
  ...preprocessing,
  enabled: z.boolean().default(true),
  project: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/),
  logstore: z.string().min(1),
  request_period_in_seconds: z.number().int().min(1).default(60),
  initial_start_time_in_utc: z.string().optional(),
  /** Log groups per PullLogs call. */
  count: z.number().int().min(1).max(1000).default(1000),
  max_concurrent_shards: z.number().int().min(1).max(64).default(4),
  override_base_url: z.url({ protocol: /^https?$/ }).optional(),
  signature_version: z.enum(['v1', 'v4']).default('v1'),
});

const alibabaInput = z.object({
  type: z.literal('alibaba').optional(),
  id: z.union([z.number().int(), z.string().min(1)]).default(2),
  enabled: z.boolean().default(true),
  credentials: z.object({ access_key_id: z.string().min(1), access_key_secret: z.string().min(1), security_token: z.string().min(1).optional() }),
  region: z.string().regex(/^[a-z0-9-]+$/).optional(),
  override_base_url: z.url({ protocol: /^https?$/ }).optional(),
  services: z
    .object({
      actiontrail: actiontrailService.optional(),
      actiontrail_log_service: logService.optional(),
    })
    .strict()
    .default({ actiontrail: actiontrailService.parse({}) }),
});

/** Pulling pauses once this much is waiting for the output (when Devo is slow or down). */
const queueBound = { queue_max_size_in_mb: z.number().positive().default(64) };
const devoPlatformOutput = z.object({
  type: z.literal('devo_platform'),
  config: z.object({
    address: z.string().min(1),
    port: z.number().int().min(1).max(65_535).default(443),
    type: z.enum(['SSL', 'TCP']).default('SSL'),
    chain: z.string().optional(),
    cert: z.string().optional(),
    key: z.string().optional(),
    /** PKCS#12 bundle of the client certificate and key (devo-sdk's `pkcs`), instead of cert and key. */
    pkcs: z.object({ path: z.string().min(1), password: z.string().optional() }).optional(),
    hostname: z.string().regex(/^\S+$/).optional(),
    verify_server: z.boolean().default(true),
    check_hostname: z.boolean().default(true),
    /**
     * A batch counts as accepted (and is checkpointed) only once the receiver answered the end of its
     * connection with its own: one connection per batch, nothing lost if Devo or a balancer drops a
     * connection with lines in flight. false: accepted once written to the socket (fewer handshakes).
     */
    confirm_delivery: z.boolean().default(true),
    /** devo-sdk's zip mode: gzip members over the same stream. */
    gzip: z.boolean().default(false),
    compression_level: z.number().int().min(0).max(9).default(6),
    compression_buffer_in_bytes: z.number().int().min(1024).default(51_200),
    /** Reconnect before a write when the connection is older than this (Devo SDK: 1 h). */
    max_connection_age_seconds: z.number().min(0).default(3600),
    /** Reconnect before a write when the connection was idle this long (Devo SDK: 30 s). */
    inactivity_timeout_seconds: z.number().min(0).default(30),
    ...queueBound,
  })
    .refine((c) => (c.cert === undefined) === (c.key === undefined), 'cert and key go together')
    .refine((c) => !(c.pkcs && c.cert), 'give cert and key, or pkcs, not both'),
});
const devoHttpOutput = z.object({
  type: z.literal('devo_http'),
  config: z.object({
    endpoint: z.url({ protocol: /^https?$/ }),
    domain: z.string().min(1),
    token: z.string().min(1),
    hostname: z.string().regex(/^\S+$/).optional(),
    gzip: z.boolean().default(true),
    ...queueBound,
  }),
});
const consoleOutput = z.object({ type: z.literal('console'), config: z.object({ hostname: z.string().regex(/^\S+$/).optional() }).default({}) });
const fileOutput = z.object({ type: z.literal('file'), config: z.object({ path: z.string().min(1), hostname: z.string().regex(/^\S+$/).optional() }) });

const schema = z.object({
  globals: z
    .object({
      name: z.string().default('auditpull'),
      persistence: z
        .discriminatedUnion('type', [
          z.object({ type: z.literal('sqlite'), path: z.string().min(1).default('state/auditpull.sqlite') }),
          z.object({ type: z.literal('redis'), url: z.url({ protocol: /^rediss?$/ }) }),
          z.object({ type: z.literal('postgres'), url: z.url({ protocol: /^postgres(ql)?$/ }), table: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional() }),
          z.object({ type: z.literal('memory') }),
        ])
        .default({ type: 'sqlite', path: 'state/auditpull.sqlite' }),
      /** Prometheus `/metrics`, `/healthz` and `/readyz` on this port (0 picks a free one, logged). */
      metrics: z.object({ port: z.number().int().min(0).max(65_535), host: z.string().min(1).default('0.0.0.0') }).optional(),
      /** Collector log lines: pino, pretty on a TTY and JSON otherwise unless `format` says. `--log-level` overrides `level`. */
      log: z
        .object({ level: z.enum(['debug', 'info', 'warn', 'error']).default('info'), format: z.enum(['auto', 'json', 'pretty']).default('auto') })
        .default({ level: 'info', format: 'auto' }),
      /** Sender statistics and memory lines every this many seconds (the Devo collectors' key); 0 disables. */
      sender_stats_period_in_sec: z.number().int().min(0).default(300),
      /**
       * Also send collector log lines at or above `level` to every Devo output, tagged
       * `devo.collectors.out.{input}.{service}` (Devo's internal collector tag). Best effort: never checkpointed.
       */
      internal_logs: z
        .object({ enabled: z.boolean().default(false), level: z.enum(['debug', 'info', 'warn', 'error']).default('info') })
        .default({ enabled: false, level: 'info' }),
    })
    .default({
      name: 'auditpull',
      persistence: { type: 'sqlite', path: 'state/auditpull.sqlite' },
      log: { level: 'info', format: 'auto' },
      sender_stats_period_in_sec: 300,
      internal_logs: { enabled: false, level: 'info' },
    }),
  outputs: z.record(z.string(), z.discriminatedUnion('type', [devoPlatformOutput, devoHttpOutput, consoleOutput, fileOutput])).refine((o) => Object.keys(o).length > 0, 'at least one output is required'),
  inputs: z.record(z.string(), z.unknown()),
});

/** A validated Lark service section. */
export type LarkServiceConfig = z.infer<typeof auditInfosService> & { time_unit?: 's' | 'ms'; include_system_log?: boolean };
export type LarkInputConfig = z.infer<typeof larkInput> & { name: string };
export type AlibabaInputConfig = z.infer<typeof alibabaInput> & { name: string };
export type ActionTrailServiceConfig = z.infer<typeof actiontrailService>;
export type LogServiceConfig = z.infer<typeof logService>;
export type OutputConfig = z.infer<typeof schema>['outputs'][string];
export type Config = Omit<z.infer<typeof schema>, 'inputs'> & {
  inputs: { lark: LarkInputConfig[]; alibaba: AlibabaInputConfig[] };
  /** Things the user should know but that do not stop the collector (unknown keys, ignored settings). */
  warnings: string[];
  /** Folder of the config file: relative paths in the config resolve against it. */
  baseDir: string;
};

/** Replace `${NAME}` in every string value; a missing variable is ConfigError 12 naming it (never a value). */
function substituteEnv(value: unknown, env: NodeJS.ProcessEnv, path: string): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const found = env[name];
      if (found === undefined) throw new AuditpullError(12, `Environment variable ${name} (used at ${path || 'the top level'}) is not set`);
      return found;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, env, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteEnv(v, env, path ? `${path}.${k}` : k)]));
  }
  return value;
}

function schemaError(error: z.ZodError, prefix = ''): AuditpullError {
  const issues = error.issues.map((issue) => `${[prefix, ...issue.path.map(String)].filter(Boolean).join('.') || '(root)'}: ${issue.message}`);
  return new AuditpullError(13, `Invalid configuration: ${issues.join('; ')}`);
}

/** Keys the schema dropped: almost always typos, which must not pass silently (a misspelt start date). */
function unknownKeys(raw: unknown, parsed: unknown, path: string, out: string[]): void {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw) || parsed === null || typeof parsed !== 'object') return;
  for (const [key, value] of Object.entries(raw)) {
    const where = path ? `${path}.${key}` : key;
    if (!(key in parsed)) out.push(`Unknown config key ${where} is ignored (check its spelling against the README)`);
    else unknownKeys(value, (parsed as Record<string, unknown>)[key], where, out);
  }
}

/** A date that names a real instant: `2024-02-30T00:00:00Z` parses (to March 1st) but is not one. */
function isRealDate(value: string): boolean {
  const ms = Date.parse(value);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 19) === value.slice(0, 19);
}

/** Check `initial_start_time_in_utc` like the Devo collectors: ids 1 (format) and 2 (future). */
export function checkInitialStart(value: string | undefined, now: number, where: string): void {
  if (value === undefined) return;
  if (!isoUtc.test(value) || !isRealDate(value)) {
    throw new AuditpullError(1, `${where}.initial_start_time_in_utc is not set as per the datetime_format : YYYY-MM-DDTHH:MM:SSZ (UTC), got "${value}"`);
  }
  if (Date.parse(value) > now) throw new AuditpullError(2, `Date ${value} (${where}.initial_start_time_in_utc) is in the future`);
}

/** Checks of a windowed service section that the schema cannot express. */
function checkWindowed(section: { initial_start_time_in_utc?: string | undefined; overlap_seconds: number; max_window_seconds: number }, now: number, where: string): void {
  checkInitialStart(section.initial_start_time_in_utc, now, where);
  if (section.overlap_seconds >= section.max_window_seconds) {
    throw new AuditpullError(13, `Invalid configuration: ${where}.overlap_seconds must be below max_window_seconds`);
  }
}

/** Parse and validate a config document (already read). */
export function parseConfig(text: string, options: { baseDir: string; env?: NodeJS.ProcessEnv; now?: number }): Config {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? ` at line ${error.linePos[0].line}` : '';
    throw new AuditpullError(11, `Config is not valid YAML${where}: ${(error as Error).message.split('\n')[0]}`);
  }
  if (raw === null || typeof raw !== 'object') throw new AuditpullError(13, 'Invalid configuration: the document must be a mapping with globals, outputs and inputs');
  const substituted = substituteEnv(raw, options.env ?? process.env, '');
  const parsed = schema.safeParse(substituted);
  if (!parsed.success) throw schemaError(parsed.error);
  const now = options.now ?? Date.now();
  const warnings: string[] = [];
  unknownKeys(substituted, parsed.data, '', warnings);

  const lark: LarkInputConfig[] = [];
  const alibaba: AlibabaInputConfig[] = [];
  for (const [name, value] of Object.entries(parsed.data.inputs)) {
    const declared = (value as { type?: unknown } | null)?.type ?? name;
    if (declared === 'lark') {
      const input = larkInput.safeParse(value);
      if (!input.success) throw schemaError(input.error, `inputs.${name}`);
      unknownKeys(value, input.data, `inputs.${name}`, warnings);
      for (const [service, section] of Object.entries(input.data.services)) {
        if (section) checkWindowed(section, now, `inputs.${name}.services.${service}`);
      }
      lark.push({ ...input.data, name });
    } else if (declared === 'alibaba') {
      const input = alibabaInput.safeParse(value);
      if (!input.success) throw schemaError(input.error, `inputs.${name}`);
      unknownKeys(value, input.data, `inputs.${name}`, warnings);
      const sls = input.data.services.actiontrail_log_service;
      if (sls) {
        checkInitialStart(sls.initial_start_time_in_utc, now, `inputs.${name}.services.actiontrail_log_service`);
        if (!input.data.region && !sls.override_base_url && !input.data.override_base_url) {
          throw new AuditpullError(13, `Invalid configuration: inputs.${name}: region is required (or override_base_url)`);
        }
      }
      const trail = input.data.services.actiontrail;
      if (trail) {
        checkWindowed(trail, now, `inputs.${name}.services.actiontrail`);
        if (!input.data.region && !trail.override_base_url && !input.data.override_base_url) {
          throw new AuditpullError(13, `Invalid configuration: inputs.${name}: region is required (or override_base_url)`);
        }
      }
      alibaba.push({ ...input.data, name });
    } else {
      throw new AuditpullError(13, `Invalid configuration: inputs.${name}: unknown input type "${String(declared)}" (use lark or alibaba, or set type:)`);
    }
  }
  return { globals: parsed.data.globals, outputs: parsed.data.outputs, inputs: { lark, alibaba }, warnings, baseDir: options.baseDir };
}

/** Read, parse and validate the config file at `path`. */
export function loadConfig(path: string, options: { env?: NodeJS.ProcessEnv; now?: number } = {}): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new AuditpullError(10, `Config file ${path} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return parseConfig(text, { ...options, baseDir: dirname(resolve(path)) });
}

/** The library's credentials object from an Alibaba input's config keys. */
export function alibabaCredentials(input: AlibabaInputConfig): AlibabaCredentials {
  const c = input.credentials;
  return { accessKeyId: c.access_key_id, accessKeySecret: c.access_key_secret, ...(c.security_token ? { securityToken: c.security_token } : {}) };
}

/** Resolve a path from the config against the config file's folder. */
export function configPath(config: Config, path: string): string {
  return resolve(config.baseDir, path);
}
