// Benchmark 6: our clients against the official SDKs a user would pick instead, paging the same simulator
// (same window, same page size), each client in a fresh process so CPU and memory compare fairly.
import { join } from 'node:path';
import { DEFAULT_ACTIONTRAIL_SIM_CREDENTIAL, startActionTrailSim } from '../sim/actiontrail/index.ts';
import { DEFAULT_LARK_SIM_APP, startLarkSim } from '../sim/lark/index.ts';
import { runMeasured } from './harness.ts';
import type { WorkerJob } from './sdk-worker.ts';

const WORKER = join(import.meta.dirname, 'sdk-worker.ts');

export interface ClientRow {
  readonly api: string;
  readonly client: string;
  readonly events: number;
  readonly requests: number;
  readonly eventsPerSecond: number;
  /** Events over the paging alone (measured inside the worker, after imports and client setup). */
  readonly pagingEventsPerSecond: number;
  readonly cpuMsPer1000: number;
  readonly peakRssMb: number;
}

async function worker(kind: string, job: WorkerJob, expected: number, api: string, client: string, requests: () => number): Promise<ClientRow> {
  const before = requests();
  const run = await runMeasured([WORKER, kind, JSON.stringify(job)]);
  const answer = run.code === 0 ? (JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as { events?: number; pagingMs?: number }) : {};
  const events = answer.events ?? 0;
  if (events !== expected) throw new Error(`${client}: ${events} of ${expected} events (exit ${run.code})\n${run.stderr.slice(-2000)}`);
  return {
    api,
    client,
    events,
    requests: requests() - before,
    eventsPerSecond: events / (run.wallMs / 1000),
    pagingEventsPerSecond: events / ((answer.pagingMs ?? run.wallMs) / 1000),
    cpuMsPer1000: (run.cpuSeconds * 1000 * 1000) / events,
    peakRssMb: run.maxRssMb,
  };
}

export async function clients(events: number): Promise<ClientRow[]> {
  const rows: ClientRow[] = [];
  const nowS = Math.floor(Date.now() / 1000);
  const lark = await startLarkSim();
  lark.generateEvents({ count: events, fromSeconds: nowS - 20 * 3600, toSeconds: nowS - 120 });
  const larkJob = { url: lark.url, oldest: nowS - 21 * 3600, latest: nowS - 60, pageSize: 200, id: DEFAULT_LARK_SIM_APP.appId, secret: DEFAULT_LARK_SIM_APP.appSecret };
  const larkRequests = () => lark.stats.auditRequests + lark.stats.tokenRequests;
  rows.push(await worker('ours-lark', larkJob, events, 'Lark audit_infos', 'auditpull createLarkClient + paginateAuditInfos', larkRequests));
  rows.push(await worker('sdk-lark', larkJob, events, 'Lark audit_infos', '@larksuiteoapi/node-sdk admin.auditInfo.listWithIterator', larkRequests));
  await lark.close();

  const trail = await startActionTrailSim();
  trail.generateEvents({ count: events, fromSeconds: nowS - 20 * 3600, toSeconds: nowS - 700 });
  const trailJob = { url: trail.url, oldest: nowS - 21 * 3600, latest: nowS - 600, pageSize: 50, id: DEFAULT_ACTIONTRAIL_SIM_CREDENTIAL.accessKeyId, secret: DEFAULT_ACTIONTRAIL_SIM_CREDENTIAL.accessKeySecret };
  const trailRequests = () => trail.stats.requests;
  rows.push(await worker('ours-actiontrail', trailJob, events, 'ActionTrail LookupEvents', 'auditpull createActionTrailClient + paginateLookupEvents (V2 signature)', trailRequests));
  rows.push(await worker('ours-actiontrail-v3', trailJob, events, 'ActionTrail LookupEvents', 'auditpull createActionTrailClient + paginateLookupEvents (V3 signature, the default)', trailRequests));
  rows.push(await worker('popcore-actiontrail', trailJob, events, 'ActionTrail LookupEvents', '@alicloud/pop-core RPCClient.request (V2 signature)', trailRequests));
  await trail.close();
  return rows;
}
