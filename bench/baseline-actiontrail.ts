// Raw baseline for ActionTrail: signed LookupEvents (RPC signature V2, lib's signer: the simulator checks
// signatures) over plain fetch, FORWARD, every page of one window written as Devo lines.
// Usage: node bench/baseline-actiontrail.ts '<BaselineJob json>'
import { signRpcRequest } from '../lib/index.ts';
import { finish, job, json, write } from './baseline-common.ts';

const iso = (s: number) => new Date(s * 1000).toISOString().replace('.000Z', 'Z');
let next: string | undefined;
do {
  const params = signRpcRequest({
    method: 'GET',
    action: 'LookupEvents',
    version: '2020-07-06',
    credentials: { accessKeyId: job.credentials.id, accessKeySecret: job.credentials.secret },
    params: { StartTime: iso(job.oldest ?? 0), EndTime: iso(job.latest ?? 0), MaxResults: String(job.pageSize), Direction: 'FORWARD', ...(next ? { NextToken: next } : {}) },
  });
  const body = await json(await fetch(`${job.url}/?${new URLSearchParams(params)}`));
  await write('cloud.alibaba.actiontrail.events', (body['Events'] as unknown[] | undefined) ?? []);
  next = typeof body['NextToken'] === 'string' && body['NextToken'] !== '' ? body['NextToken'] : undefined;
} while (next);
await finish();
