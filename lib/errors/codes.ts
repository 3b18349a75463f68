/**
 * Every error id a user can meet, with its family, what causes it and what to do.
 * Ids are stable: never reuse or renumber one. Families (DESIGN.md): 0–99 config,
 * 100–199 setup, 300–399 pull, 400–499 output, 500–599 state.
 * The Devo collectors' ids (1, 2, 100–104, 300–301) keep their meaning.
 */

/**
 * The error families, printed as `[Family id] message`.
 * @public
 */
export type ErrorFamily =
  | 'InitVariablesError'
  | 'ConfigError'
  | 'SetupError'
  | 'PullError'
  | 'OutputError'
  | 'StateError';

/**
 * One row of the error table.
 * @public
 */
export interface ErrorInfo {
  readonly family: ErrorFamily;
  readonly title: string;
  readonly cause: string;
  readonly fix: string;
}

/**
 * The documented error table, keyed by id.
 * @public
 */
export const ERROR_TABLE = Object.freeze({
  1: { family: 'InitVariablesError', title: 'initial_start_time_in_utc has a bad format', cause: 'The date in the config is not an ISO-8601 UTC date-time such as 2024-06-01T00:00:00Z.', fix: 'Write the date as YYYY-MM-DDTHH:MM:SSZ.' },
  2: { family: 'InitVariablesError', title: 'initial_start_time_in_utc is in the future', cause: 'The date in the config is later than the current time.', fix: 'Use a date in the past.' },
  10: { family: 'ConfigError', title: 'config file cannot be read', cause: 'The path given with --config does not exist or is not readable.', fix: 'Check the path and its permissions.' },
  11: { family: 'ConfigError', title: 'config file is not valid YAML', cause: 'The YAML parser rejected the file.', fix: 'Fix the YAML syntax at the reported line.' },
  12: { family: 'ConfigError', title: 'environment variable not set', cause: 'The config refers to ${NAME} but NAME is not in the environment.', fix: 'Export the variable before starting auditpull, or write the value in the file.' },
  13: { family: 'ConfigError', title: 'config does not match the schema', cause: 'A required key is missing or a value has the wrong type or range.', fix: 'Fix the key named in the message (see the configuration section of the README).' },
  14: { family: 'ConfigError', title: 'no enabled service', cause: 'Every input or service is disabled or absent.', fix: 'Enable at least one service of one input.' },
  15: { family: 'ConfigError', title: 'unknown service name', cause: 'A service given with --service (or in the config) does not exist for that input.', fix: 'Use one of the service names listed in the README.' },
  100: { family: 'SetupError', title: 'HTTP error while generating the Lark auth token', cause: 'Lark refused the credentials (wrong app_id or app_secret, app disabled).', fix: 'Check app_id and app_secret and that the app is enabled for the tenant.' },
  101: { family: 'SetupError', title: 'error while generating the Lark auth token', cause: 'The token endpoint could not be reached or did not answer (DNS, TLS, timeout).', fix: 'Check override_base_url, network access and proxies.' },
  102: { family: 'SetupError', title: 'unexpected answer while generating the Lark auth token', cause: 'The token endpoint answered with a status or body that is not a Lark token response.', fix: 'Check override_base_url points at the Lark Open Platform; report the status to the developers.' },
  103: { family: 'SetupError', title: 'HTTP error while fetching audit infos from Lark', cause: 'The first request to the log API was refused (missing scope, plan without audit logs, bad parameters).', fix: 'Grant the scope admin:audit_info:readonly, release the app version, and check the tenant plan.' },
  104: { family: 'SetupError', title: 'error while fetching audit infos from Lark', cause: 'The first request to the log API failed before an answer (network) or with an unreadable answer.', fix: 'Check network access to the Lark API and the credentials.' },
  300: { family: 'PullError', title: 'HTTP error while fetching audit infos from Lark', cause: 'Lark answered a pull request with an error that retries did not clear.', fix: 'Read the Lark code in the message; the next cycle resumes from the checkpoint.' },
  301: { family: 'PullError', title: 'error while fetching audit infos from Lark', cause: 'A pull request failed without a usable answer (network, timeout, malformed body) after retries.', fix: 'Check network access; the next cycle resumes from the checkpoint.' },
  400: { family: 'OutputError', title: 'cannot connect to the output', cause: 'The Devo endpoint or relay refused or did not accept the connection.', fix: 'Check address, port and firewall rules.' },
  401: { family: 'OutputError', title: 'TLS handshake with the output failed', cause: 'Certificate, key or chain rejected, or the server certificate could not be verified.', fix: 'Check cert, key and chain files (Devo: Administration → Credentials → X.509 Certificates).' },
  402: { family: 'OutputError', title: 'write to the output failed', cause: 'The connection broke while events were being written.', fix: 'Nothing is checkpointed past the failure; the next cycle resends. Check the receiver if it persists.' },
  403: { family: 'OutputError', title: 'output file cannot be written', cause: 'The file output path is not writable or the disk is full.', fix: 'Check the path, its permissions and free space.' },
  404: { family: 'OutputError', title: 'output certificate files cannot be read', cause: 'A cert, key or chain path in the output config does not exist or is not readable.', fix: 'Check the paths in the output config.' },
  500: { family: 'StateError', title: 'state store cannot be opened', cause: 'The persistence path is not writable, or the store is unreachable.', fix: 'Check globals.persistence.' },
  501: { family: 'StateError', title: 'state cannot be read', cause: 'The stored state is corrupt or was written by an unknown version.', fix: 'Inspect it with `auditpull state show`; reset it with `auditpull state reset` if you accept re-collection.' },
  502: { family: 'StateError', title: 'state cannot be written', cause: 'A checkpoint write failed (disk full, store down).', fix: 'Free space or restore the store; the service stopped so no event is lost.' },
} as const satisfies Record<number, ErrorInfo>);

/**
 * A known error id.
 * @public
 */
export type ErrorId = keyof typeof ERROR_TABLE;
