// `npm run bench`: every benchmark of issue 8, tables on stdout, figures in bench/results.json.
// BENCH_EVENTS (default 200000) sets the throughput size; BENCH_STALLED_EVENTS (default 1000000) the
// stalled-output run; BENCH_RATE_SCALE (default 12) how much Lark's 100/min is scaled up.
import { cpus } from 'node:os';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { backfill, stalledOutput, tokensPerDay } from './behaviour.ts';
import { clients, slsDecode } from './clients.ts';
import { benchPki, fmt, startReceiver } from './harness.ts';
import { throughput } from './throughput.ts';

const log = (line: string) => process.stdout.write(`${line}\n`);
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const events = env('BENCH_EVENTS', 200_000);
const started = Date.now();
const pki = await benchPki();
const receiver = await startReceiver(pki);
const results: Record<string, unknown> = { date: new Date().toISOString(), machine: { node: process.version, cpus: cpus().length, model: cpus()[0]?.model } };
const section = (title: string) => log(`\n## ${title}  (${fmt((Date.now() - started) / 1000)} s)\n`);

try {
  section(`1. Throughput and 5. requests: ${fmt(events)} events per service, zero latency, TLS to a receiver process, confirmed delivery`);
  const rows = await throughput(events, pki, receiver, () => {});
  results['throughput'] = rows;
  log('| service | collector ev/s | raw baseline ev/s | collector / baseline | CPU s per 100k (collector / baseline) | peak RSS MiB (collector / baseline) | requests per 10k events (minimum) |');
  log('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    log(
      `| ${r.service} | ${fmt(r.collector.eventsPerSecond)} | ${fmt(r.baseline.eventsPerSecond)} | ${fmt(r.ratio, 2)} | ${fmt(r.collector.cpuSecondsPer100k, 2)} / ${fmt(r.baseline.cpuSecondsPer100k, 2)} | ${fmt(r.collector.peakRssMb)} / ${fmt(r.baseline.peakRssMb)} | ${fmt(r.requestsPer10k, 1)} (${r.minimumRequestsPer10k}) |`,
    );
  }

  const scale = env('BENCH_RATE_SCALE', 12);
  section('2. Backfill with 50 ms per request and the vendor rate limit enforced by the simulator');
  const backfills = await backfill(pki, receiver, scale);
  results['backfill'] = backfills;
  log('| service | events | pages | rate limit | wall s | bound s (pages / limit) | wall / bound |');
  log('|---|---|---|---|---|---|---|');
  for (const b of backfills) log(`| ${b.service} | ${fmt(b.events)} | ${fmt(b.pages)} | ${b.rateLimit} | ${fmt(b.wallSeconds, 1)} | ${fmt(b.boundSeconds, 1)} | ${fmt(b.ratio, 2)} |`);

  const stalledEvents = env('BENCH_STALLED_EVENTS', 1_000_000);
  section(`3. Memory with a stalled output: ${fmt(stalledEvents)} Lark events available, the receiver reads nothing`);
  const stalled = await stalledOutput(pki, receiver, stalledEvents, 30);
  results['stalledOutput'] = stalled;
  log(`collector RSS: ${stalled.rssMb.map((s) => `${s.atSeconds} s: ${fmt(s.rssMb)} MiB`).join(', ')}`);
  log(`lines the receiver read: ${fmt(stalled.linesReadByReceiver)}; events the checkpoint records as delivered: ${fmt(stalled.checkpointedEvents)}`);
  if (stalled.checkpointedEvents > stalled.linesReadByReceiver) throw new Error('a checkpoint passed events the receiver never read');

  section('4. SLS PullLogs decoding (LZ4 + protobuf + flatten) against LZ4 decompression alone');
  const decode = await slsDecode(20_000, 3);
  results['slsDecode'] = decode;
  log(`${decode.bodies} bodies, ${fmt(decode.compressedMb, 1)} MB compressed, ${fmt(decode.rawMb, 1)} MB raw, ${fmt(decode.logs)} logs per pass`);
  log(`full decode: ${fmt(decode.decodeMbPerSecond)} MB/s raw; lz4js alone: ${fmt(decode.lz4MbPerSecond)} MB/s; ratio ${fmt(decode.ratio, 2)}`);

  section('5. Token requests: three Lark services, one pull each per minute, simulated clock');
  const tokens = await tokensPerDay(24);
  results['tokens'] = tokens;
  log(`${tokens.simulatedHours} simulated hours: ${tokens.tokenRequests} token requests, ${tokens.staleTokenRequests} requests with a stale token`);

  const clientEvents = env('BENCH_CLIENT_EVENTS', 50_000);
  section(`6. Our clients against the official SDKs: ${fmt(clientEvents)} events paged from the same simulator, each in a fresh process`);
  const clientRows = await clients(clientEvents);
  results['clients'] = clientRows;
  log('| API | client | events/s | CPU ms per 1,000 events |');
  log('|---|---|---|---|');
  for (const c of clientRows) log(`| ${c.api} | ${c.client} | ${fmt(c.eventsPerSecond)} | ${fmt(c.cpuMsPer1000, 1)} |`);
} finally {
  receiver.close();
  results['seconds'] = (Date.now() - started) / 1000;
  writeFileSync(join(import.meta.dirname, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  log(`\nTotal ${fmt((Date.now() - started) / 1000, 1)} s; figures in bench/results.json`);
}
