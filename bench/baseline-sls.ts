// Raw baseline for the Log Service: ListShards, GetCursor(begin) and PullLogs on every shard at once, signed
// with lib's SLS v1 signer (the simulator checks signatures); bodies decompressed with lz4js and decoded with
// protobufjs directly (no size checks, no retries); each log's `event` parsed and written with `origin` and
// `module`, as the collector sends it. Usage: node bench/baseline-sls.ts '<BaselineJob json>'
import { createRequire } from 'node:module';
import protobuf from 'protobufjs/light.js';
import { signSlsV1 } from '../lib/index.ts';
import { finish, job, json, write } from './baseline-common.ts';

const lz4 = createRequire(import.meta.url)('lz4js') as { decompressBlock(src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, dIndex: number): number };
const LogGroupList = protobuf.Root.fromJSON({
  nested: {
    Content: { fields: { Key: { type: 'string', id: 1 }, Value: { type: 'string', id: 2 } } },
    Log: { fields: { Time: { type: 'uint32', id: 1 }, Contents: { rule: 'repeated', type: 'Content', id: 2 } } },
    LogGroup: { fields: { Logs: { rule: 'repeated', type: 'Log', id: 1 }, Topic: { type: 'string', id: 3 } } },
    LogGroupList: { fields: { logGroupList: { rule: 'repeated', type: 'LogGroup', id: 1 } } },
  },
}).lookupType('LogGroupList');
interface Group { Logs: Array<{ Contents: Array<{ Key: string; Value: string }> }>; Topic?: string }

const project = job.project ?? '';
const logstore = job.logstore ?? '';
const credentials = { accessKeyId: job.credentials.id, accessKeySecret: job.credentials.secret };

function get(path: string, query: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  const signed = signSlsV1({ method: 'GET', path, query, headers, credentials });
  return fetch(`${job.url}${path}?${new URLSearchParams(query)}`, { headers: signed });
}

const shards = (await (await get(`/logstores/${logstore}/shards`, {})).json()) as Array<{ shardID: number }>;
await Promise.all(
  shards.map(async ({ shardID }) => {
    const path = `/logstores/${logstore}/shards/${shardID}`;
    let cursor = String((await json(await get(path, { type: 'cursor', from: 'begin' })))['cursor']);
    const origin = `${project}/${logstore}/${shardID}`;
    for (;;) {
      const response = await get(path, { type: 'log', cursor, count: String(job.pageSize) }, { accept: 'application/x-protobuf', 'accept-encoding': 'lz4' });
      if (!response.ok) throw new Error(`PullLogs HTTP ${response.status}: ${await response.text()}`);
      const body = new Uint8Array(await response.arrayBuffer());
      const next = response.headers.get('x-log-cursor') ?? cursor;
      const rawSize = Number(response.headers.get('x-log-bodyrawsize') ?? 0);
      const events: object[] = [];
      if (rawSize > 0) {
        const raw = Buffer.allocUnsafe(rawSize);
        lz4.decompressBlock(body, raw, 0, body.length, 0);
        for (const group of (LogGroupList.decode(raw) as unknown as { logGroupList: Group[] }).logGroupList) {
          for (const log of group.Logs) {
            const event = log.Contents.find((c) => c.Key === 'event')?.Value ?? '{}';
            events.push({ ...(JSON.parse(event) as object), origin, module: group.Topic ?? '' });
          }
        }
      }
      await write('cloud.alibaba.log_service.events', events);
      if (events.length === 0 || next === cursor) break;
      cursor = next;
    }
  }),
);
await finish();
