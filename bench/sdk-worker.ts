// One client pages one simulator to the end and counts events; run as its own process so CPU compares.
// Prints {"events":N,"pagingMs":T} (T: from the first request to the last page, imports and setup excluded).
// Usage: node bench/sdk-worker.ts <ours-lark|sdk-lark|ours-actiontrail|ours-actiontrail-v3|popcore-actiontrail> '<WorkerJob json>'
import { createRequire } from 'node:module';
import { createActionTrailClient, createLarkClient, paginateAuditInfos, paginateLookupEvents } from '../lib/index.ts';

export interface WorkerJob {
  readonly url: string;
  /** Window, Unix seconds, both ends inclusive. */
  readonly oldest: number;
  readonly latest: number;
  readonly pageSize: number;
  readonly id: string;
  readonly secret: string;
}

const [kind, raw] = process.argv.slice(2) as [string, string];
const job = JSON.parse(raw ?? '{}') as WorkerJob;
const require = createRequire(import.meta.url);
const iso = (s: number) => new Date(s * 1000).toISOString().replace('.000Z', 'Z');
let events = 0;
let started = 0;

if (kind === 'ours-lark') {
  const client = createLarkClient({ appId: job.id, appSecret: job.secret, baseUrl: job.url, requestsPerMinute: 1_000_000 });
  started = performance.now();
  for await (const page of paginateAuditInfos(client, { oldest: job.oldest, latest: job.latest, pageSize: job.pageSize })) events += page.items.length;
} else if (kind === 'sdk-lark') {
  // The official SDK: `domain` is its base URL, so it talks to the simulator unchanged; it fetches and caches
  // the tenant token itself (appType SelfBuild, the default).
  const lark = require('@larksuiteoapi/node-sdk') as typeof import('@larksuiteoapi/node-sdk');
  const client = new lark.Client({ appId: job.id, appSecret: job.secret, domain: job.url, loggerLevel: lark.LoggerLevel.error });
  started = performance.now();
  for await (const page of await client.admin.auditInfo.listWithIterator({ params: { oldest: job.oldest, latest: job.latest, page_size: job.pageSize } })) {
    events += page?.items?.length ?? 0;
  }
} else if (kind === 'ours-actiontrail' || kind === 'ours-actiontrail-v3') {
  const client = createActionTrailClient({
    credentials: { accessKeyId: job.id, accessKeySecret: job.secret },
    baseUrl: job.url,
    signatureVersion: kind === 'ours-actiontrail' ? 'v2' : 'v3',
    requestsPerSecond: 1_000_000,
  });
  started = performance.now();
  for await (const page of paginateLookupEvents(client, { startTime: job.oldest, endTime: job.latest, maxResults: job.pageSize })) events += page.items.length;
} else if (kind === 'popcore-actiontrail') {
  // The official RPC core: `endpoint` is used as the base URL (http:// kept), so it talks to the simulator
  // unchanged; it signs with V2 (HMAC-SHA1) and sends GET with the parameters in the query.
  const RPCClient = require('@alicloud/pop-core').RPCClient as new (config: Record<string, string>) => { request<T>(action: string, params: object, options?: object): Promise<T> };
  const client = new RPCClient({ endpoint: job.url, apiVersion: '2020-07-06', accessKeyId: job.id, accessKeySecret: job.secret });
  started = performance.now();
  let next: string | undefined;
  do {
    const body = await client.request<{ Events?: unknown[]; NextToken?: string }>(
      'LookupEvents',
      { StartTime: iso(job.oldest), EndTime: iso(job.latest), MaxResults: job.pageSize, Direction: 'FORWARD', ...(next ? { NextToken: next } : {}) },
      { method: 'GET', timeout: 30_000 },
    );
    events += body.Events?.length ?? 0;
    next = body.NextToken ? body.NextToken : undefined;
  } while (next);
} else {
  throw new Error(`unknown kind ${kind}`);
}
process.stdout.write(`${JSON.stringify({ events, pagingMs: performance.now() - started })}\n`);
