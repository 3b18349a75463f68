// Benchmark 4: Log Service PullLogs decoding in this process. Real PullLogs bodies (LZ4 blocks of protobuf
// LogGroupLists, compressed by the simulator with lz4-napi) are captured once, then decoded over and over,
// the stages interleaved pass by pass so a busy machine slows them alike:
//   lz4js            lz4js.decompressBlock alone (the floor: every decoder must do this much)
//   decode           lib's decodePullLogsBody: checked LZ4 walk + lz4js + protobuf LogGroupList
//   decode+flatten   + flattenLogGroups: one record per log (what the brief calls decode)
//   to events        + JSON.parse of each log's `event`: the objects the collector sends
import { createRequire } from 'node:module';
import { createSlsClient, decodePullLogsBody, flattenLogGroups } from '../lib/index.ts';
import { DEFAULT_ACTIONTRAIL_SIM_CREDENTIAL } from '../sim/actiontrail/index.ts';
import { startSlsSim } from '../sim/sls/index.ts';

const lz4 = createRequire(import.meta.url)('lz4js') as { decompressBlock(src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, dIndex: number): number };

export interface DecodeResult {
  readonly bodies: number;
  readonly logs: number;
  readonly compressedMb: number;
  readonly rawMb: number;
  /** MB of raw (decompressed) protobuf per second, by stage. */
  readonly mbPerSecond: Record<'lz4js' | 'decode' | 'decodeFlatten' | 'toEvents', number>;
  /** decode+flatten / lz4js alone. */
  readonly ratio: number;
}

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

  let decodedLogs = 0;
  const stages = {
    lz4js: () => {
      for (const { body, rawSize } of bodies) lz4.decompressBlock(body, Buffer.allocUnsafe(rawSize), 0, body.length, 0);
    },
    decode: () => {
      for (const { body, rawSize } of bodies) decodePullLogsBody(body, { compressType: 'lz4', rawSize });
    },
    decodeFlatten: () => {
      decodedLogs = 0;
      for (const { body, rawSize } of bodies) decodedLogs += flattenLogGroups(decodePullLogsBody(body, { compressType: 'lz4', rawSize })).length;
    },
    toEvents: () => {
      for (const { body, rawSize } of bodies) {
        for (const log of flattenLogGroups(decodePullLogsBody(body, { compressType: 'lz4', rawSize }))) JSON.parse(log['event'] ?? '{}');
      }
    },
  };
  const names = Object.keys(stages) as Array<keyof typeof stages>;
  const spent = Object.fromEntries(names.map((n) => [n, { ms: 0, passes: 0 }])) as Record<keyof typeof stages, { ms: number; passes: number }>;
  for (const name of names) stages[name](); // warm-up
  while (names.some((n) => spent[n].ms < seconds * 1000)) {
    for (const name of names) {
      const t = performance.now();
      stages[name]();
      spent[name].ms += performance.now() - t;
      spent[name].passes += 1;
    }
  }
  const mbPerSecond = Object.fromEntries(names.map((n) => [n, (rawBytes * spent[n].passes) / 1e6 / (spent[n].ms / 1000)])) as DecodeResult['mbPerSecond'];
  return {
    bodies: bodies.length,
    logs: decodedLogs,
    compressedMb: bodies.reduce((n, b) => n + b.body.length, 0) / 1e6,
    rawMb: rawBytes / 1e6,
    mbPerSecond,
    ratio: mbPerSecond.decodeFlatten / mbPerSecond.lz4js,
  };
}
