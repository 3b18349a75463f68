/**
 * Collector log lines with pino: JSON lines on stderr (one object per line: level, time, scope, msg and
 * fields), or pino-pretty's human form on a TTY. stdout belongs to the console output. Writes are
 * synchronous so nothing is lost when the process exits right after an error.
 */
import { pino, type Logger as Pino } from 'pino';
import PinoPretty from 'pino-pretty';
import type { Logger, LogFields } from '../lib/index.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'auto' | 'json' | 'pretty';

/** One emitted log line, as `onRecord` receives it. */
export interface LogRecord {
  readonly time: number;
  readonly level: LogLevel;
  readonly scope: string;
  readonly msg: string;
  readonly input?: string;
  readonly service?: string;
}

/** Who a line is about: set on service loggers so lines can be routed and filtered per service. */
export interface LogBindings {
  readonly input?: string;
  readonly service?: string;
}

export interface RunnerLogger extends Logger {
  child(scope: string, bindings?: LogBindings): RunnerLogger;
}

export interface RunnerLoggerOptions {
  readonly level?: LogLevel;
  readonly format?: LogFormat;
  /** Root scope. Default `auditpull`. */
  readonly scope?: string;
  /** Where lines go instead of stderr (tests): receives each whole line, newline included. */
  readonly write?: (line: string) => void;
  /** Called for every line, whatever `level` (the receiver filters by its own; e.g. `globals.internal_logs`). */
  readonly onRecord?: (record: LogRecord) => void;
}

/** Keys whose values are never printed, whatever a caller passes, at any depth. */
const SECRET_KEYS = /secret|password|passphrase|token|authorization|key|cookie/i;

function redact(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) out[key] = SECRET_KEYS.test(key) ? '[redacted]' : redact(child, depth + 1);
  return out;
}

function destination(options: RunnerLoggerOptions): NodeJS.WritableStream | ReturnType<typeof pino.destination> {
  if (options.write) {
    const write = options.write;
    return { write: (line: string) => (write(line), true) } as unknown as NodeJS.WritableStream;
  }
  const pretty = options.format === 'pretty' || ((options.format ?? 'auto') === 'auto' && process.stderr.isTTY === true);
  if (pretty) {
    return PinoPretty({
      destination: 2,
      sync: true,
      colorize: process.stderr.isTTY === true,
      translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
      ignore: 'pid,hostname,scope,input,service',
      messageFormat: '{scope} -> {msg}',
    });
  }
  return pino.destination({ fd: 2, sync: true });
}

/** Logger for the runner: `child(scope)` extends the scope (`auditpull/lark#1/audit_infos`). */
export function createRunnerLogger(options: RunnerLoggerOptions = {}): RunnerLogger {
  const root = pino(
    {
      level: options.level ?? 'info',
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination(options),
  );
  return wrap(root, options.scope ?? 'auditpull', {}, options.onRecord);
}

function wrap(log: Pino, scope: string, bindings: LogBindings, onRecord: RunnerLoggerOptions['onRecord']): RunnerLogger {
  const emit = (level: LogLevel) => (message: string, fields?: LogFields) => {
    if (log.isLevelEnabled(level)) {
      // Scope and bindings go on every line rather than into pino children, whose bindings repeat keys.
      log[level]({ scope, ...bindings, ...(fields === undefined ? {} : (redact(fields) as object)) }, message);
    }
    if (onRecord) {
      try {
        onRecord({ time: Date.now(), level, scope, msg: message, ...bindings });
      } catch {
        // A forwarding problem must never break the caller's work.
      }
    }
  };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    child: (child, more = {}) => {
      const nextScope = `${scope}/${child}`;
      const next = { ...bindings, ...more };
      return wrap(log, nextScope, next, onRecord);
    },
  };
}
