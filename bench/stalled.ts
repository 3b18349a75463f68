// Benchmark 3: memory under a stalled output. The admin_log simulator holds `events` (about 0.6 KB each in
// the simulator, the cheapest Lark log to hold a million of); the collector runs continuously; the receiver
// reads for a few seconds, then stops reading (its sockets paused, as a stalled Devo). The collector's RSS is
// sampled while it faces the stall; then it is killed (SIGKILL) and its checkpoint, read back with
// `auditpull state show --json`, is compared with what the receiver read: every event the checkpoint counts
// as delivered must have been read.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { createChunkedSeenSet, openStateStore, type WindowedState } from '../lib/index.ts';
import { stateKey } from '../runner/services/windowed.ts';
import { startLarkSim } from '../sim/lark/index.ts';
import { CLI, SIM_SECRET, collectorConfig, iso, larkInput, procCpuSeconds, procMemory, sleep, spawnMeasured, type Receiver, type TestPki } from './harness.ts';

export interface StalledResult {
  readonly service: string;
  readonly eventsAvailable: number;
  readonly readingSeconds: number;
  readonly stallSeconds: number;
  /** Collector RSS every 5 s from the moment the receiver stopped reading. */
  readonly rssMb: Array<{ atSeconds: number; rssMb: number }>;
  /** VmHWM just before the kill: the peak over the whole run, reading phase included. */
  readonly peakRssMb: number;
  /** RSS when the stall began. */
  readonly rssAtStallMb: number;
  /** CPU the collector used during the stall, seconds. */
  readonly stallCpuSeconds: number;
  readonly linesReadBeforeStall: number;
  readonly linesReadByReceiver: number;
  /** Events the checkpoint counts as delivered: finished windows, their carried ids, the unfinished window's pages. */
  readonly checkpointedEvents: number;
  /** Of those, how many the receiver never read (must be 0). */
  readonly checkpointedButNotRead: number;
  readonly duplicatesRead: number;
  /** Output errors the collector logged during the stall (`[OutputError 402]`: unconfirmed after 30 s). */
  readonly outputErrors: number;
  readonly state: WindowedState | null;
}

export async function stalledOutput(pki: TestPki, receiver: Receiver, options: { events: number; readingSeconds: number; stallSeconds: number }): Promise<StalledResult> {
  const { events, readingSeconds, stallSeconds } = options;
  const nowS = Math.floor(Date.now() / 1000);
  const sim = await startLarkSim();
  // Keep only what the comparison needs: (time, id) of every event, oldest first.
  const generated = sim.generateAdminLogs({ count: events, fromSeconds: nowS - 25 * 86_400, toSeconds: nowS - 120 }).map((item) => ({ time: Number(item.create_time), id: item.unique_id }));
  const { dir, config } = collectorConfig(
    pki,
    receiver.port,
    larkInput(sim.url, 1_000_000, [`admin_log: {initial_start_time_in_utc: "${iso(nowS - 26 * 86_400)}", max_window_seconds: 86400, page_size: 100}`]),
  );
  await receiver.resume();
  await receiver.reset();

  const collector = spawnMeasured([CLI, 'run', '--config', config], { BENCH_SECRET: SIM_SECRET });
  await sleep(readingSeconds * 1000);
  const atStall = await receiver.pause();
  const stallStart = performance.now();
  const cpuAtStall = procCpuSeconds(collector.pid);
  const rssAtStallMb = procMemory(collector.pid).rssMb;
  const samples: Array<{ atSeconds: number; rssMb: number }> = [];
  for (let t = 5; t <= stallSeconds; t += 5) {
    await sleep(stallStart + t * 1000 - performance.now());
    samples.push({ atSeconds: t, rssMb: procMemory(collector.pid).rssMb });
  }
  const peakRssMb = procMemory(collector.pid).hwmMb;
  const stallCpuSeconds = procCpuSeconds(collector.pid) - cpuAtStall;
  collector.child.kill('SIGKILL');
  const run = await collector.done;
  const read = await receiver.count();

  // The checkpoint, as `auditpull state show --json` prints it.
  const shown = JSON.parse(
    execFileSync(process.execPath, ['--no-warnings', CLI, 'state', 'show', '--config', config, '--json'], { env: { ...process.env, BENCH_SECRET: SIM_SECRET } }).toString(),
  ) as Array<{ service: string; state: WindowedState | null }>;
  const state = shown.find((s) => s.service === 'admin_log')?.state ?? null;
  const delivered = new Set<string>();
  if (state) {
    // Finished windows: every event before last_run_datetime, and the ids already sent from it on.
    const next = Date.parse(state.last_run_datetime) / 1000;
    for (const { time, id } of generated) if (time < next) delivered.add(id);
    for (const id of state.last_ids) delivered.add(id);
    // The unfinished window: the ids of its delivered pages, stored in chunks next to the state.
    if (state.window && state.window.chunks > 0) {
      const store = await openStateStore({ type: 'sqlite', path: join(dir, 'state/auditpull.sqlite') });
      for (const id of await createChunkedSeenSet(store, `${stateKey('lark', 1, 'admin_log')}:window`).load(state.window.chunks)) delivered.add(id);
      await store.disconnect();
    }
  }
  const { missing } = await receiver.check([...delivered]);
  await receiver.resume();
  await sim.close();
  return {
    service: 'lark admin_log',
    eventsAvailable: events,
    readingSeconds,
    stallSeconds,
    rssMb: samples,
    peakRssMb,
    rssAtStallMb,
    stallCpuSeconds,
    linesReadBeforeStall: atStall.lines,
    linesReadByReceiver: read.lines,
    checkpointedEvents: delivered.size,
    checkpointedButNotRead: missing,
    duplicatesRead: read.duplicates,
    outputErrors: (run.stderr.match(/OutputError 40\d/g) ?? []).length,
    state,
  };
}
