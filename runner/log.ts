import type { Logger, LogFields } from '../lib/index.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Keys whose values are never printed, whatever a caller passes. */
const SECRET_KEYS = /secret|password|token|authorization|key/i;

function render(fields: LogFields | undefined): string {
  if (!fields) return '';
  const parts = Object.entries(fields).map(([k, v]) => `${k}=${SECRET_KEYS.test(k) ? '[redacted]' : typeof v === 'string' ? v : JSON.stringify(v)}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

export interface RunnerLogger extends Logger {
  child(scope: string): RunnerLogger;
}

/** Collector log lines on stderr (stdout belongs to the console output): `time LEVEL scope -> message`. */
export function createRunnerLogger(options: { level?: LogLevel; scope?: string; write?: (line: string) => void } = {}): RunnerLogger {
  const min = order[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const scope = options.scope ?? 'auditpull';
  const emit = (level: LogLevel) => (message: string, fields?: LogFields) => {
    if (order[level] < min) return;
    write(`${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${scope} -> ${message}${render(fields)}\n`);
  };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    child: (child) => createRunnerLogger({ ...options, scope: `${scope}/${child}` }),
  };
}
