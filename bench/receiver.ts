// The Devo side of the benchmarks, in its own process: sim/devo's TLS line receiver (client certificate
// required, half-close answered with its own FIN once the lines are read: what the collector's confirmed
// delivery waits for), drained every few milliseconds into counters. Every line must be a `<14>` record
// whose message is a JSON object; its key (unique_id, eventId, or for DLP rows a hash of the row) goes
// into a set, so a duplicate is counted as such and a loss shows as `distinct` below the expected count.
//
// Protocol (JSON lines): stdin {"cmd":"count"|"reset"|"pause"|"resume"} or {"cmd":"check","file":F} (F holds
// a JSON array of keys; the answer says how many of them the receiver never got); stdout one answer each,
// after a first line {"port":N}.
// Usage: node bench/receiver.ts <server key> <server cert> <ca>
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { startLineReceiver, type DevoLine } from '../sim/devo/index.ts';

export interface ReceiverCounts {
  /** Lines read since the last reset. */
  readonly lines: number;
  /** Distinct event keys among them. */
  readonly distinct: number;
  /** Lines whose key was already read since the last reset. */
  readonly duplicates: number;
  /** Lines that are not `<14>` records with a JSON object message. */
  readonly invalid: number;
  /** Characters of the records read. */
  readonly chars: number;
  /** Lines per tag. */
  readonly tags: Record<string, number>;
  /** When the first and the last line of this count were read (epoch ms; 0 when none). */
  readonly firstAt: number;
  readonly lastAt: number;
  /** CPU the receiver spent since the last reset (parsing, counting), ms. */
  readonly cpuMs: number;
  /** TLS connections accepted since the last reset. */
  readonly connections: number;
  /** Answer to `check`: keys of the file the receiver never read. */
  readonly missing?: number;
  readonly checked?: number;
}

const [keyPath, certPath, caPath] = process.argv.slice(2) as [string, string, string];
const receiver = await startLineReceiver({
  tls: { key: readFileSync(keyPath), cert: readFileSync(certPath), ca: readFileSync(caPath), requestCert: true },
});

let keys = new Set<string>();
let lines = 0;
let duplicates = 0;
let invalid = 0;
let chars = 0;
let tags: Record<string, number> = {};
let firstAt = 0;
let lastAt = 0;
let cpuAtReset = process.cpuUsage();
let connectionsAtReset = 0;

/** The event's dedupe key as the collector sees it; undefined for a line that is not a Devo event. */
function keyOf(line: DevoLine): string | undefined {
  const json = line.json;
  if (line.priority !== 14 || json === null || typeof json !== 'object' || Array.isArray(json)) return undefined;
  const record = json as Record<string, unknown>;
  const id = record['unique_id'] ?? record['eventId'];
  if (typeof id === 'string' && id !== '') return id;
  // DLP rows have no id: the row itself, without the collector's per-cycle field.
  const { ['@devo_pulling_id']: _pullingId, ...row } = record;
  return createHash('sha1').update(JSON.stringify(row)).digest('base64');
}

function drain(): void {
  if (receiver.lines.length === 0) return;
  const batch = receiver.lines.splice(0, receiver.lines.length);
  const now = performance.timeOrigin + performance.now();
  if (lines === 0) firstAt = now;
  lastAt = now;
  for (const line of batch) {
    lines += 1;
    chars += line.raw.length + 1;
    const key = keyOf(line);
    if (key === undefined) {
      invalid += 1;
      continue;
    }
    tags[line.tag] = (tags[line.tag] ?? 0) + 1;
    if (keys.has(key)) duplicates += 1;
    else keys.add(key);
  }
}
setInterval(drain, 5);

function counts(): ReceiverCounts {
  drain();
  const cpu = process.cpuUsage(cpuAtReset);
  return {
    lines,
    distinct: keys.size,
    duplicates,
    invalid,
    chars,
    tags,
    firstAt,
    lastAt,
    cpuMs: (cpu.user + cpu.system) / 1000,
    connections: receiver.connections - connectionsAtReset,
  };
}

process.stdout.write(`${JSON.stringify({ port: receiver.port })}\n`);
createInterface({ input: process.stdin }).on('line', (text) => {
  const request = JSON.parse(text) as { cmd: string; file?: string };
  let extra = {};
  switch (request.cmd) {
    case 'reset':
      drain();
      keys = new Set();
      lines = duplicates = invalid = chars = firstAt = lastAt = 0;
      tags = {};
      cpuAtReset = process.cpuUsage();
      connectionsAtReset = receiver.connections;
      break;
    case 'pause':
      receiver.pauseReading();
      break;
    case 'resume':
      receiver.resumeReading();
      break;
    case 'check': {
      drain();
      const wanted = JSON.parse(readFileSync(request.file ?? '', 'utf8')) as string[];
      extra = { checked: wanted.length, missing: wanted.filter((key) => !keys.has(key)).length };
      break;
    }
    case 'count':
      break;
    default:
      throw new Error(`unknown command ${request.cmd}`);
  }
  process.stdout.write(`${JSON.stringify({ ...counts(), ...extra })}\n`);
});
process.stdin.on('end', () => {
  void receiver.close().finally(() => process.exit(0));
});
