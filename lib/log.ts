/**
 * Structured fields attached to a log line. Values must never hold secrets.
 * @public
 */
export type LogFields = Readonly<Record<string, unknown>>;

/**
 * The logger every lib component accepts. Inject your own (pino, console, …); the default is silent.
 * @public
 */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/**
 * A logger that drops everything: the default, so a library never writes to a user's stdout uninvited.
 * @public
 */
export const noopLogger: Logger = Object.freeze({
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
});
