// What every raw baseline shares: its job from argv, and one plain TLS connection to the receiver that
// carries the same Devo lines the collector sends (`<14>time host tag: json`). No acknowledgement per
// batch, no state, no dedupe, no retries: the least work that gets the events out.
import { readFileSync } from 'node:fs';
import tls from 'node:tls';

export interface BaselineJob {
  readonly url: string;
  readonly pageSize: number;
  readonly credentials: { readonly id: string; readonly secret: string };
  readonly receiver: { readonly port: number; readonly ca: string; readonly cert: string; readonly key: string };
  /** Lark and ActionTrail: the window, Unix seconds, both ends inclusive. */
  readonly oldest?: number;
  readonly latest?: number;
  /** Lark: which log. */
  readonly service?: 'audit_infos' | 'admin_log' | 'dlp_execute_log';
  /** Log Service. */
  readonly project?: string;
  readonly logstore?: string;
}

export const job = JSON.parse(process.argv[2] ?? '{}') as BaselineJob;

const socket = tls.connect({
  host: '127.0.0.1',
  port: job.receiver.port,
  servername: 'localhost',
  ca: readFileSync(job.receiver.ca),
  cert: readFileSync(job.receiver.cert),
  key: readFileSync(job.receiver.key),
});
await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
socket.on('data', () => {});

/** Writes one Devo line per item, waiting for the socket to drain when it asks. */
export async function write(tag: string, items: readonly unknown[]): Promise<void> {
  if (items.length === 0) return;
  const head = `<14>${new Date().toISOString()} bench-baseline ${tag}: `;
  let payload = '';
  for (const item of items) payload += `${head}${JSON.stringify(item)}\n`;
  if (!socket.write(payload)) await new Promise((resolve) => socket.once('drain', resolve));
}

/** Half-closes and waits for the receiver's own end: everything written has been read. */
export function finish(): Promise<void> {
  return new Promise<void>((resolve) => {
    socket.once('close', () => resolve());
    socket.end();
  });
}

export async function json(response: Response): Promise<Record<string, unknown>> {
  if (!response.ok) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}
