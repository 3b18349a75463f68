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
  16: { family: 'ConfigError', title: 'metrics port cannot be opened', cause: 'globals.metrics.port is in use, or the host is not an address of this machine.', fix: 'Choose a free port (0 picks one and logs it) or another host.' },
  100: { family: 'SetupError', title: 'the vendor refused the credentials', cause: 'Lark refused the token request (wrong app_id or app_secret, app disabled), or Alibaba refused the AccessKey or its signature.', fix: 'Check the credentials of the input and that the app or AccessKey is enabled.' },
  101: { family: 'SetupError', title: 'the vendor could not be reached', cause: 'No answer from the token or API endpoint (DNS, TLS, timeout), or 5xx / rate limits that retries did not clear.', fix: 'Check override_base_url or region, network access and proxies.' },
  102: { family: 'SetupError', title: 'unexpected answer from the vendor', cause: 'The endpoint answered with a body that is not the vendor API (a proxy page, a wrong URL).', fix: 'Check override_base_url or region; report the status to the developers.' },
  103: { family: 'SetupError', title: 'the first log request was refused', cause: 'Missing scope or RAM permission, a plan without audit logs, an API not enabled (Lark grey release), or bad parameters.', fix: 'Grant the permission named in the message (Lark admin:audit_info:readonly; Alibaba actiontrail:LookupEvents) and check the plan.' },
  104: { family: 'SetupError', title: 'the first log request failed', cause: 'The first request failed without a usable answer (network, malformed body) or kept failing (5xx, throttling).', fix: 'Check network access; auditpull retries setup with a growing wait.' },
  300: { family: 'PullError', title: 'the vendor answered a pull with an error', cause: 'An error that retries did not clear (parameters, permission, 5xx).', fix: 'Read the vendor code in the message; the next cycle resumes from the checkpoint.' },
  301: { family: 'PullError', title: 'a pull failed without a usable answer', cause: 'Network errors, timeouts or malformed bodies after retries.', fix: 'Check network access; the next cycle resumes from the checkpoint.' },
  302: { family: 'PullError', title: 'a Log Service answer could not be decoded', cause: 'A PullLogs body stayed corrupt or truncated (LZ4, deflate or protobuf) through retries.', fix: 'Nothing was skipped: the cursor stays and the next cycle reads it again. Report it if it persists.' },
  400: { family: 'OutputError', title: 'cannot connect to the output', cause: 'The Devo endpoint or relay refused or did not accept the connection.', fix: 'Check address, port and firewall rules.' },
  401: { family: 'OutputError', title: 'TLS handshake with the output failed', cause: 'Certificate, key or chain rejected, or the server certificate could not be verified.', fix: 'Check cert, key and chain files (Devo: Administration → Credentials → X.509 Certificates).' },
  402: { family: 'OutputError', title: 'write to the output failed', cause: 'The connection broke while events were being written.', fix: 'Nothing is checkpointed past the failure; the next cycle resends. Check the receiver if it persists.' },
  403: { family: 'OutputError', title: 'output file cannot be written', cause: 'The file output path is not writable or the disk is full.', fix: 'Check the path, its permissions and free space.' },
  404: { family: 'OutputError', title: 'output certificate files cannot be read', cause: 'A cert, key or chain path in the output config does not exist or is not readable.', fix: 'Check the paths in the output config.' },
  405: { family: 'OutputError', title: 'the Devo HTTP endpoint refused the events', cause: 'A 4xx answer: wrong token or domain, or a request Devo does not accept.', fix: 'Check the devo_http token, domain and endpoint; nothing was checkpointed past the refused batch.' },
  406: { family: 'OutputError', title: 'an event is larger than the Devo HTTP request limit', cause: 'One event alone exceeds 32 MB.', fix: 'Use a devo_platform (syslog) output for this source, or report the event.' },
  500: { family: 'StateError', title: 'state store cannot be opened', cause: 'The persistence path is not writable, or the store is unreachable.', fix: 'Check globals.persistence.' },
  501: { family: 'StateError', title: 'state cannot be read', cause: 'The stored state is corrupt or was written by an unknown version.', fix: 'Inspect it with `auditpull state show`; reset it with `auditpull state reset` if you accept re-collection.' },
  502: { family: 'StateError', title: 'state cannot be written', cause: 'A checkpoint write failed (disk full, store down).', fix: 'Free space or restore the store; the service stopped so no event is lost.' },
} as const satisfies Record<number, ErrorInfo>);

/**
 * A known error id.
 * @public
 */
export type ErrorId = keyof typeof ERROR_TABLE;
