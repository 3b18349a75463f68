// The raw baseline: fetch the same pages from the same simulator and write the same Devo lines to the
// same TLS receiver, with no dedupe, no state, no retries and no validation beyond what is needed to
// get the items out. Run as its own process (like the collector) so CPU and RSS compare fairly.
// Usage: node bench/baseline.ts '<json job>'   (see BaselineJob)
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { createSlsClient, flattenLogGroups, signRpcRequest } from '../lib/index.ts';

export interface BaselineJob {
  readonly kind: 'lark.audit_infos' | 'lark.admin_log' | 'lark.dlp_execute_log' | 'actiontrail' | 'sls';
  readonly url: string;
  /** Window in seconds (Lark admin_log: seconds; DLP: converted to ms here). */
  readonly oldest: number;
  readonly latest: number;
  readonly pageSize: number;
  readonly credentials: { readonly id: string; readonly secret: string };
  readonly sls?: { readonly project: string; readonly logstore: string };
  readonly receiver: { readonly port: number; readonly ca: string; readonly cert: string; readonly key: string };
}

const job = JSON.parse(process.argv[2] ?? '{}') as BaselineJob;
const host = 'bench-baseline';
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

async function write(tag: string, items: readonly unknown[]): Promise<void> {
  const time = new Date().toISOString();
  const payload = items.map((item) => `<14>${time} ${host} ${tag}: ${JSON.stringify(item)}\n`).join('');
  if (!socket.write(payload)) await new Promise((resolve) => socket.once('drain', resolve));
}

async function json(response: Response): Promise<Record<string, unknown>> {
  if (!response.ok) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

async function lark(): Promise<void> {
  const token = await json(
    await fetch(`${job.url}/open-apis/auth/v3/tenant_access_token/internal`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ app_id: job.credentials.id, app_secret: job.credentials.secret }),
    }),
  );
  const headers = { Authorization: `Bearer ${String(token['tenant_access_token'])}` };
  const [path, tag, window] =
    job.kind === 'lark.audit_infos'
      ? ['/open-apis/admin/v1/audit_infos', 'app.lark.audit.event', { oldest: job.oldest, latest: job.latest }]
      : job.kind === 'lark.admin_log'
        ? ['/open-apis/security_and_compliance/v1/aud_admin_logs', 'app.lark.admin.log', { oldest: job.oldest, latest: job.latest }]
        : ['/open-apis/security_and_compliance/v1/dlp_execute_logs', 'app.lark.dlp.log', { start_time: job.oldest * 1000, end_time: job.latest * 1000, include_system_log: 'true' }];
  let pageToken: string | undefined;
  do {
    const query = new URLSearchParams({ ...Object.fromEntries(Object.entries(window).map(([k, v]) => [k, String(v)])), page_size: String(job.pageSize) });
    if (pageToken) query.set('page_token', pageToken);
    const body = await json(await fetch(`${job.url}${path}?${query}`, { headers }));
    const data = body['data'] as { items?: unknown[]; has_more?: boolean; page_token?: string };
    await write(tag, data.items ?? []);
    pageToken = data.has_more ? data.page_token : undefined;
  } while (pageToken);
}

async function actiontrail(): Promise<void> {
  const iso = (s: number) => new Date(s * 1000).toISOString().replace('.000Z', 'Z');
  let next: string | undefined;
  do {
    const params = signRpcRequest({
      method: 'GET',
      action: 'LookupEvents',
      version: '2020-07-06',
      credentials: { accessKeyId: job.credentials.id, accessKeySecret: job.credentials.secret },
      params: { StartTime: iso(job.oldest), EndTime: iso(job.latest), MaxResults: String(job.pageSize), Direction: 'FORWARD', ...(next ? { NextToken: next } : {}) },
    });
    const body = await json(await fetch(`${job.url}/?${new URLSearchParams(params)}`));
    await write('cloud.alibaba.actiontrail.events', (body['Events'] as unknown[] | undefined) ?? []);
    next = typeof body['NextToken'] === 'string' && body['NextToken'] !== '' ? body['NextToken'] : undefined;
  } while (next);
}

async function sls(): Promise<void> {
  // Signing, LZ4 and protobuf are needed to get a single log out: the baseline uses lib's client for them.
  const { project, logstore } = job.sls!;
  const client = createSlsClient({ project, baseUrl: job.url, credentials: { accessKeyId: job.credentials.id, accessKeySecret: job.credentials.secret } });
  const shards = await client.listShards(logstore);
  await Promise.all(
    shards.map(async (shard) => {
      let cursor = await client.getCursor(logstore, shard.shardID, 'begin');
      for (;;) {
        const page = await client.pullLogs(logstore, shard.shardID, { cursor, count: job.pageSize });
        const events = flattenLogGroups(page.groups).map((log) => ({ ...(JSON.parse(log['event'] ?? '{}') as object), origin: `${project}/${logstore}/${shard.shardID}`, module: log['__topic__'] }));
        await write('cloud.alibaba.log_service.events', events);
        if (page.count === 0 || page.nextCursor === cursor) break;
        cursor = page.nextCursor;
      }
    }),
  );
}

await (job.kind === 'actiontrail' ? actiontrail() : job.kind === 'sls' ? sls() : lark());
// Half-close and wait for the receiver's end: everything written has been read.
await new Promise<void>((resolve) => {
  socket.once('close', () => resolve());
  socket.end();
});
