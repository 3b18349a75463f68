/**
 * Devo line encoding: `<PRI>TIMESTAMP HOSTNAME TAG: MESSAGE\n`, one event per line. This is the hot
 * path of every delivery, so it avoids per-call allocations beyond the line itself.
 */

/**
 * Options of {@link encodeDevoLine}.
 * @public
 */
export interface DevoLineOptions {
  /** The syslog HOSTNAME field. No whitespace. */
  readonly hostname: string;
  /** facility × 8 + severity, 0–191. Default 14 (user.info), as Devo's SDK sends. */
  readonly priority?: number;
  /** Event time for the header. Default: now. */
  readonly timestamp?: Date;
}

const NO_WHITESPACE = /^\S+$/;
// The last values that passed validation: a batch repeats the same tag and hostname for every line.
let validTag = '';
let validHostname = '';
let isoMs = Number.NaN;
let iso = '';

function isoTimestamp(timestamp: Date | undefined): string {
  const ms = timestamp === undefined ? Date.now() : timestamp.getTime();
  if (ms !== isoMs) {
    iso = new Date(ms).toISOString(); // RangeError for an invalid date
    isoMs = ms;
  }
  return iso;
}

const LINE_SEPARATORS = /[\u2028\u2029]/g;
const HAS_LINE_SEPARATOR = /[\u2028\u2029]/;

/**
 * JSON of an event for a Devo line: `JSON.stringify`, with U+2028 and U+2029 written as `\u2028` and
 * `\u2029` (still the same JSON) because some line readers treat them as line breaks.
 * @public
 */
export function toDevoJson(event: unknown): string {
  const json = JSON.stringify(event) as string | undefined;
  if (json === undefined) throw new TypeError(`encodeDevoLine: event of type ${typeof event} cannot be encoded as JSON`);
  return HAS_LINE_SEPARATOR.test(json) ? json.replace(LINE_SEPARATORS, (c) => (c === '\u2028' ? '\\u2028' : '\\u2029')) : json;
}

function message(event: unknown): string {
  if (typeof event === 'string') {
    // One event is always one line: a raw newline would split it in two at the receiver.
    if (event.indexOf('\n') === -1 && event.indexOf('\r') === -1) return event;
    return event.replace(/\r/g, '\\r').replace(/\n/g, '\\n');
  }
  // JSON.stringify escapes control characters inside strings, so its output never holds a raw newline.
  return toDevoJson(event);
}

/**
 * Encodes one event as a Devo syslog line:
 * `<14>2026-11-22T06:32:47.123Z host tag: {"json":"…"}\n`. Objects are JSON-encoded; a string is sent
 * as is, with `\r` and `\n` written as the two-character escapes `\r` and `\n`.
 *
 * @throws TypeError when `tag` is empty or holds whitespace, `hostname` is empty or holds whitespace,
 *   or `event` has no JSON form (undefined, a function, a symbol); RangeError for a priority outside
 *   0–191 or an invalid `timestamp`.
 * @public
 */
export function encodeDevoLine(tag: string, event: unknown, options: DevoLineOptions): string {
  if (tag !== validTag) {
    if (typeof tag !== 'string' || !NO_WHITESPACE.test(tag)) throw new TypeError(`encodeDevoLine: the tag must be non-empty and without whitespace, got ${JSON.stringify(tag)}`);
    validTag = tag;
  }
  const { hostname } = options;
  if (hostname !== validHostname) {
    if (typeof hostname !== 'string' || !NO_WHITESPACE.test(hostname)) {
      throw new TypeError(`encodeDevoLine: the hostname must be non-empty and without whitespace, got ${JSON.stringify(hostname)}`);
    }
    validHostname = hostname;
  }
  const priority = options.priority ?? 14;
  if (priority !== 14 && !(Number.isInteger(priority) && priority >= 0 && priority <= 191)) {
    throw new RangeError(`encodeDevoLine: priority must be an integer from 0 to 191, got ${priority}`);
  }
  return `<${priority}>${isoTimestamp(options.timestamp)} ${hostname} ${tag}: ${message(event)}\n`;
}

/**
 * Frames a line with RFC 6587 octet counting: `LEN SP line`, LEN being the line's length in UTF-8
 * bytes (trailing `\n` included, as Devo's SDK does for multiline events).
 * @public
 */
export function encodeOctetCounted(line: string): string {
  return `${Buffer.byteLength(line, 'utf8')} ${line}`;
}
