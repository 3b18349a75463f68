// One client pages one simulator to the end and counts events; run as its own process so CPU compares.
// Usage: node bench/sdk-worker.ts <ours-lark|sdk-lark|ours-actiontrail|popcore-actiontrail> '<json>'
import { createRequire } from 'node:module';
import { createActionTrailClient, createLarkClient, paginateAuditInfos, paginateLookupEvents } from '../lib/index.ts';

interface Job {
  readonly url: string;
  readonly oldest: number;
  readonly latest: number;
  readonly id: string;
  readonly secret: string;
}
const [kind, raw] = process.argv.slice(2) as [string, string];
const job = JSON.parse(raw) as Job;
const require = createRequire(import.meta.url);
let events = 0;

if (kind === 'ours-lark') {
  const client = createLarkClient({ appId: job.id, appSecret: job.secret, baseUrl: job.url, requestsPerMinute: 1_000_000 });
  for await (const page of paginateAuditInfos(client, { oldest: job.oldest, latest: job.latest, pageSize: 200 })) events += page.items.length;
} else if (kind === 'sdk-lark') {
  const lark = require('@larksuiteoapi/node-sdk') as typeof import('@larksuiteoapi/node-sdk');
  const client = new lark.Client({ appId: job.id, appSecret: job.secret, domain: job.url, loggerLevel: lark.LoggerLevel.error });
  for await (const page of await client.admin.auditInfo.listWithIterator({ params: { oldest: job.oldest, latest: job.latest, page_size: 200 } })) {
    events += page?.items?.length ?? 0;
  }
} else if (kind === 'ours-actiontrail') {
  const client = createActionTrailClient({ credentials: { accessKeyId: job.id, accessKeySecret: job.secret }, baseUrl: job.url, signatureVersion: 'v2', requestsPerSecond: 1_000_000 });
  for await (const page of paginateLookupEvents(client, { startTime: job.oldest, endTime: job.latest, maxResults: 50 })) events += page.items.length;
} else if (kind === 'popcore-actiontrail') {
  const RPCClient = require('@alicloud/pop-core').RPCClient as new (config: Record<string, string>) => { request<T>(action: string, params: object, options?: object): Promise<T> };
  const client = new RPCClient({ endpoint: job.url, apiVersion: '2020-07-06', accessKeyId: job.id, accessKeySecret: job.secret });
  const iso = (s: number) => new Date(s * 1000).toISOString().replace('.000Z', 'Z');
  let next: string | undefined;
  do {
    const body = await client.request<{ Events?: unknown[]; NextToken?: string }>(
      'LookupEvents',
      { StartTime: iso(job.oldest), EndTime: iso(job.latest), MaxResults: 50, Direction: 'FORWARD', ...(next ? { NextToken: next } : {}) },
      { method: 'GET', timeout: 30_000 },
    );
    events += body.Events?.length ?? 0;
    next = body.NextToken ? body.NextToken : undefined;
  } while (next);
} else {
  throw new Error(`unknown kind ${kind}`);
}
process.stdout.write(`${JSON.stringify({ events })}\n`);
