// `npm run bench`: every benchmark of issue 8, a table on stdout, figures in bench/results.json.
// BENCH_EVENTS (default 200000) sets the throughput size.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchPki, fmt, startReceiver } from './harness.ts';
import { throughput } from './throughput.ts';

const log = (line: string) => process.stdout.write(`${line}\n`);
const events = Number(process.env['BENCH_EVENTS'] ?? 200_000);
const started = Date.now();
const pki = await benchPki();
const receiver = await startReceiver(pki);
const results: Record<string, unknown> = { machine: { node: process.version, cpus: (await import('node:os')).cpus().length }, events };
try {
  log(`# 1. Throughput: ${fmt(events)} events per service, TLS to a receiver process`);
  const rows = await throughput(events, pki, receiver, log);
  results['throughput'] = rows;
  log('| service | collector ev/s | baseline ev/s | ratio | collector CPU s/100k | baseline CPU s/100k | collector peak RSS MiB | baseline peak RSS MiB | requests/10k (min) |');
  log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    log(`| ${r.service} | ${fmt(r.collector.eventsPerSecond)} | ${fmt(r.baseline.eventsPerSecond)} | ${fmt(r.ratio, 2)} | ${fmt(r.collector.cpuSecondsPer100k, 2)} | ${fmt(r.baseline.cpuSecondsPer100k, 2)} | ${fmt(r.collector.peakRssMb)} | ${fmt(r.baseline.peakRssMb)} | ${fmt(r.requestsPer10k, 1)} (${r.minimumRequestsPer10k}) |`);
  }
} finally {
  receiver.close();
  results['seconds'] = (Date.now() - started) / 1000;
  writeFileSync(join(import.meta.dirname, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  log(`\nTotal ${fmt((Date.now() - started) / 1000, 1)} s; figures in bench/results.json`);
}
