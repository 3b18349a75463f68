// `npm run bench`: every benchmark of issue 8; tables on stdout, figures in bench/results.json.
// See bench/README.md for what each one measures and the environment variables that size them.
import { cpus, loadavg, totalmem } from 'node:os';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { backfill } from './backfill.ts';
import { clients } from './clients.ts';
import { SCALE, benchPki, count, fmt, setting, startReceiver } from './harness.ts';
import { slsDecode } from './sls-decode.ts';
import { stalledOutput } from './stalled.ts';
import { throughput } from './throughput.ts';
import { tokensPerDay } from './tokens.ts';

const log = (line = '') => process.stdout.write(`${line}\n`);
const list = (name: string) => (process.env[name] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const only = list('BENCH_ONLY');
const services = list('BENCH_SERVICES');
const run = (section: string) => only.length === 0 || only.includes(section);
const partial = only.length > 0 || services.length > 0 || SCALE !== 1;
const resultsPath = process.env['BENCH_RESULTS'] ?? join(import.meta.dirname, partial ? 'results.local.json' : 'results.json');

const started = Date.now();
const results: Record<string, unknown> = {
  date: new Date().toISOString(),
  machine: { node: process.version, cpus: cpus().length, model: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30) },
  scale: SCALE,
  loadAverage: { start: loadavg()[0] },
};
const section = (title: string) => log(`\n## ${title}  (at ${fmt((Date.now() - started) / 1000)} s, load ${fmt(loadavg()[0] ?? 0, 1)})\n`);
const pki = await benchPki();
const receiver = await startReceiver(pki);

try {
  if (run('1')) {
    const events = count('BENCH_EVENTS', 200_000);
    section(`1. Throughput, and 5. requests per 10,000 events: ${fmt(events)} events per service, no latency, TLS to a receiver process`);
    const rows = await throughput(events, setting('BENCH_REPEAT', 2), pki, receiver, services, log);
    results['throughput'] = rows;
    log();
    log('| service | event size | collector ev/s | baseline ev/s | collector / baseline | streaming ev/s (collector / baseline) | CPU s per 100k (collector / baseline) | peak RSS MiB (collector / baseline) | requests per 10k (minimum) |');
    log('|---|---|---|---|---|---|---|---|---|');
    for (const r of rows) {
      log(
        `| ${r.service} | ${fmt(r.eventBytes)} B | ${fmt(r.collector.eventsPerSecond)} | ${fmt(r.baseline.eventsPerSecond)} | **${fmt(r.ratio, 2)}** | ${fmt(r.collector.streamingEventsPerSecond)} / ${fmt(r.baseline.streamingEventsPerSecond)} (${fmt(r.streamingRatio, 2)}) | ${fmt(r.collector.cpuSecondsPer100k, 2)} / ${fmt(r.baseline.cpuSecondsPer100k, 2)} | ${fmt(r.collector.peakRssMb)} / ${fmt(r.baseline.peakRssMb)} | ${fmt(r.requestsPer10k, 2)} (${r.minimumRequestsPer10k}) |`,
      );
    }
    log();
    for (const r of rows) log(`  ${r.service}: collector requests ${JSON.stringify(r.requests)}, ${fmt(r.collector.connections)} TLS connections (baseline ${r.baseline.connections}), wall ${fmt(r.collector.wallSeconds, 1)} s / ${fmt(r.baseline.wallSeconds, 1)} s`);
  }

  if (run('2')) {
    const larkScale = setting('BENCH_RATE_SCALE', 12);
    section('2. Backfill with 50 ms per request and the vendor rate limit enforced by the simulator');
    const rows = await backfill(pki, receiver, { larkEvents: count('BENCH_BACKFILL_LARK_EVENTS', 20_000), actiontrailEvents: count('BENCH_BACKFILL_ACTIONTRAIL_EVENTS', 5_000), larkScale });
    results['backfill'] = rows;
    log('| service | events | pages | rate limit | wall s | bound s (pages / limit) | wall / bound | refused by the limit |');
    log('|---|---|---|---|---|---|---|---|');
    for (const b of rows) log(`| ${b.service} | ${fmt(b.events)} | ${fmt(b.pages)} | ${b.rateLimit} | ${fmt(b.wallSeconds, 1)} | ${fmt(b.boundSeconds, 1)} | **${fmt(b.ratio, 2)}** | ${b.refused} |`);
  }

  if (run('3')) {
    const events = count('BENCH_STALLED_EVENTS', 1_000_000);
    const stallSeconds = setting('BENCH_STALL_SECONDS', 30);
    section(`3. Memory with a stalled output: ${fmt(events)} Lark admin_log events available; the receiver reads 5 s, then stops reading for ${stallSeconds} s`);
    const r = await stalledOutput(pki, receiver, { events, readingSeconds: 5, stallSeconds });
    results['stalledOutput'] = r;
    log(`collector RSS when the receiver stopped reading: ${fmt(r.rssAtStallMb)} MiB; then ${r.rssMb.map((s) => `${s.atSeconds} s: ${fmt(s.rssMb)}`).join(', ')} MiB; peak (VmHWM) ${fmt(r.peakRssMb)} MiB`);
    log(`collector CPU during the stall: ${fmt(r.stallCpuSeconds, 2)} s; output errors logged: ${r.outputErrors}`);
    log(`lines the receiver read: ${fmt(r.linesReadBeforeStall)} before the stall, ${fmt(r.linesReadByReceiver)} in all (${r.duplicatesRead} duplicates)`);
    log(`events the checkpoint counts as delivered (state show --json, after SIGKILL): ${fmt(r.checkpointedEvents)}; of those never read by the receiver: ${r.checkpointedButNotRead}`);
    if (r.checkpointedButNotRead > 0 || r.checkpointedEvents > r.linesReadByReceiver || r.duplicatesRead > 0) {
      throw new Error(`stalled output: LOST EVENTS: the checkpoint counts ${r.checkpointedEvents} events, ${r.checkpointedButNotRead} of which the receiver never read (${r.duplicatesRead} duplicates)`);
    }
  }

  if (run('4')) {
    section('4. Log Service PullLogs decoding against LZ4 decompression alone (this process)');
    const r = await slsDecode(count('BENCH_DECODE_LOGS', 20_000), 3);
    results['slsDecode'] = r;
    log(`${r.bodies} PullLogs bodies of 1000 log groups, ${fmt(r.compressedMb, 1)} MB compressed, ${fmt(r.rawMb, 1)} MB raw protobuf, ${fmt(r.logs)} logs`);
    log('| stage | MB/s of raw protobuf | vs lz4js alone |');
    log('|---|---|---|');
    for (const [stage, label] of [['lz4js', 'lz4js.decompressBlock alone'], ['decode', 'decodePullLogsBody (checked LZ4 + protobuf)'], ['decodeFlatten', '+ flattenLogGroups'], ['toEvents', '+ JSON.parse of each event']] as const) {
      log(`| ${label} | ${fmt(r.mbPerSecond[stage])} | ${fmt(r.mbPerSecond[stage] / r.mbPerSecond.lz4js, 2)} |`);
    }
  }

  if (run('5')) {
    section('5. Token requests: the three Lark services, one pull each per minute for 24 simulated hours');
    const r = await tokensPerDay(24);
    results['tokens'] = r;
    log(`${r.simulatedHours} h, ${fmt(r.pullsPerService)} pulls per service, ${fmt(r.logRequests)} log requests, ${r.eventsDelivered} events delivered: ${r.tokenRequests} token requests (${r.tokensIssued} tokens minted; one request every ${fmt(r.minutesBetweenTokenRequests)} min), ${r.staleTokenRequests} requests with a stale token`);
  }

  if (run('6')) {
    const events = count('BENCH_CLIENT_EVENTS', 50_000);
    section(`6. Our clients against the official SDKs: ${fmt(events)} events paged from the same simulator, each client in a fresh process`);
    const rows = await clients(events);
    results['clients'] = rows;
    log('| API | client | requests | events/s (process) | events/s (paging only) | CPU ms per 1,000 events | peak RSS MiB |');
    log('|---|---|---|---|---|---|---|');
    for (const c of rows) log(`| ${c.api} | ${c.client} | ${c.requests} | ${fmt(c.eventsPerSecond)} | ${fmt(c.pagingEventsPerSecond)} | ${fmt(c.cpuMsPer1000, 1)} | ${fmt(c.peakRssMb)} |`);
  }
} finally {
  await receiver.close();
  results['loadAverage'] = { ...(results['loadAverage'] as object), end: loadavg()[0] };
  results['seconds'] = (Date.now() - started) / 1000;
  writeFileSync(resultsPath, `${JSON.stringify(results, null, 2)}\n`);
  log(`\nTotal ${fmt((Date.now() - started) / 1000, 1)} s; figures in ${resultsPath}`);
}
