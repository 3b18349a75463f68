// Benchmark 6 (our clients against the official SDKs, same simulators, each in a fresh process) and 4
// (SLS PullLogs decoding against LZ4 decompression alone, in this process).
import { createRequire } from 'node:module';
import { createSlsClient, decodePullLogsBody, flattenLogGroups } from '../lib/index.ts';
import { DEFAULT_ACTIONTRAIL_SIM_CREDENTIAL, startActionTrailSim } from '../sim/actiontrail/index.ts';
import { DEFAULT_LARK_SIM_APP, startLarkSim } from '../sim/lark/index.ts';
import { startSlsSim } from '../sim/sls/index.ts';
import { join } from 'node:path';
import { runMeasured } from './harness.ts';

const WORKER = join(import.meta.dirname, 'sdk-worker.ts');
// lz4js ships no types: the one function used here.
const lz4 = createRequire(import.meta.url)('lz4js') as { decompressBlock(src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, dIndex: number): number };

export interface ClientRow {
  readonly api: string;
  readonly client: string;
  readonly events: number;
  readonly eventsPerSecond: number;
  readonly cpuMsPer1000: number;
}

async function worker(kind: string, job: object, expected: number, api: string, client: string): Promise<ClientRow> {
  const run = await runMeasured([WORKER, kind, JSON.stringify(job)]);
  const events = run.code === 0 ? (JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as { events?: number }).events ?? 0 : 0;
  if (events !== expected) throw new Error(`${client}: ${events} of ${expected} events (exit ${run.code})\n${run.stderr.slice(-2000)}`);
  return { api, client, events, eventsPerSecond: events / (run.wallMs / 1000), cpuMsPer1000: (run.cpuSeconds * 1000 * 1000) / events };
}

export async function clients(events: number): Promise<ClientRow[]> {
  const rows: ClientRow[] = [];
  const nowS = Math.floor(Date.now() / 1000);
  const lark = await startLarkSim();
  lark.generateEvents({ count: events, fromSeconds: nowS - 20 * 3600, toSeconds: nowS - 120 });
  const larkJob = { url: lark.url, oldest: nowS - 21 * 3600, latest: nowS - 60, id: DEFAULT_LARK_SIM_APP.appId, secret: DEFAULT_LARK_SIM_APP.appSecret };
  rows.push(await worker('ours-lark', larkJob, events, 'Lark audit_infos', 'auditpull (createLarkClient + paginateAuditInfos)'));
  rows.push(await worker('sdk-lark', larkJob, events, 'Lark audit_infos', '@larksuiteoapi/node-sdk (auditInfo.listWithIterator)'));
  await lark.close();

  const trail = await startActionTrailSim({ throttlePerSecond: 1_000_000 });
  trail.generateEvents({ count: events, fromSeconds: nowS - 20 * 3600, toSeconds: nowS - 700 });
  const trailJob = { url: trail.url, oldest: nowS - 21 * 3600, latest: nowS - 600, id: DEFAULT_ACTIONTRAIL_SIM_CREDENTIAL.accessKeyId, secret: DEFAULT_ACTIONTRAIL_SIM_CREDENTIAL.accessKeySecret };
  rows.push(await worker('ours-actiontrail', trailJob, events, 'ActionTrail LookupEvents', 'auditpull (createActionTrailClient + paginateLookupEvents, V2)'));
  rows.push(await worker('popcore-actiontrail', trailJob, events, 'ActionTrail LookupEvents', '@alicloud/pop-core (RPCClient.request)'));
  await trail.close();
  return rows;
}

export interface DecodeResult {
  readonly bodies: number;
  readonly compressedMb: number;
  readonly rawMb: number;
  readonly logs: number;
  /** Full decode (LZ4 + protobuf + flatten) in MB of raw protobuf per second. */
  readonly decodeMbPerSecond: number;
  /** LZ4 decompression alone (lz4js), same bodies. */
  readonly lz4MbPerSecond: number;
  readonly ratio: number;
}

/** PullLogs bodies captured from the SLS simulator, decoded over and over for `seconds` each way. */
export async function slsDecode(logs: number, seconds: number): Promise<DecodeResult> {
  const sim = await startSlsSim({ shards: 1, credentials: [{ ...DEFAULT_ACTIONTRAIL_SIM_CREDENTIAL }] });
  const nowS = Math.floor(Date.now() / 1000);
  sim.writeActionTrailEvents({ count: logs, fromSeconds: nowS - 3600, toSeconds: nowS - 60, perGroup: 5 });
  const bodies: Array<{ body: Uint8Array; rawSize: number }> = [];
  const capture: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    const rawSize = Number(response.headers.get('x-log-bodyrawsize') ?? 0);
    if (rawSize > 0 && response.headers.get('x-log-compresstype') === 'lz4') bodies.push({ body: new Uint8Array(await response.clone().arrayBuffer()), rawSize });
    return response;
  };
  const client = createSlsClient({ project: 'sim-project', baseUrl: sim.url, credentials: { ...DEFAULT_ACTIONTRAIL_SIM_CREDENTIAL }, fetch: capture });
  let cursor = await client.getCursor('actiontrail_sim-trail', 0, 'begin');
  for (;;) {
    const page = await client.pullLogs('actiontrail_sim-trail', 0, { cursor, count: 1000 });
    if (page.count === 0 || page.nextCursor === cursor) break;
    cursor = page.nextCursor;
  }
  await sim.close();
  const rawBytes = bodies.reduce((n, b) => n + b.rawSize, 0);
  const loop = (work: () => void): number => {
    const deadline = performance.now() + seconds * 1000;
    let rounds = 0;
    while (performance.now() < deadline) {
      work();
      rounds += 1;
    }
    return (rawBytes * rounds) / 1e6 / seconds;
  };
  let decodedLogs = 0;
  const decodeMbPerSecond = loop(() => {
    decodedLogs = 0;
    for (const { body, rawSize } of bodies) decodedLogs += flattenLogGroups(decodePullLogsBody(body, { compressType: 'lz4', rawSize })).length;
  });
  const lz4MbPerSecond = loop(() => {
    for (const { body, rawSize } of bodies) lz4.decompressBlock(body, new Uint8Array(rawSize), 0, body.length, 0);
  });
  return {
    bodies: bodies.length,
    compressedMb: bodies.reduce((n, b) => n + b.body.length, 0) / 1e6,
    rawMb: rawBytes / 1e6,
    logs: decodedLogs,
    decodeMbPerSecond,
    lz4MbPerSecond,
    ratio: decodeMbPerSecond / lz4MbPerSecond,
  };
}
