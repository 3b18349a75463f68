// Benchmark 1 (throughput against a raw baseline) and 5a (requests per 10,000 events): each service against
// its simulator with no latency; the collector (`auditpull run --once`) and the baseline each run as their
// own process and send over TLS to the receiver, a third process. The simulators run in this process.
import { DEFAULT_ACTIONTRAIL_SIM_CREDENTIAL, startActionTrailSim } from '../sim/actiontrail/index.ts';
import { DEFAULT_LARK_SIM_APP, startLarkSim, type LarkSim } from '../sim/lark/index.ts';
import { startSlsSim } from '../sim/sls/index.ts';
import type { BaselineJob } from './baseline-common.ts';
import {
  ROOT,
  alibabaInput,
  checkDelivery,
  collectorConfig,
  iso,
  larkInput,
  runCollectorOnce,
  runMeasured,
  type Measured,
  type Receiver,
  type ReceiverCounts,
  type TestPki,
} from './harness.ts';

export interface RunFigures {
  /** Events over the process's whole life (start, config, token, TLS, every page, exit). */
  readonly eventsPerSecond: number;
  /** Events over the time between the first and the last line the receiver read. */
  readonly streamingEventsPerSecond: number;
  readonly wallSeconds: number;
  readonly cpuSecondsPer100k: number;
  readonly peakRssMb: number;
  /** CPU the receiver spent on this run, seconds (parsing every line as JSON). */
  readonly receiverCpuSeconds: number;
  readonly connections: number;
}

export interface ThroughputRow {
  readonly service: string;
  readonly events: number;
  readonly pageSize: number;
  readonly eventBytes: number;
  /** The fastest of the runs (`BENCH_REPEAT`, default 2, baseline and collector in turn). */
  readonly collector: RunFigures;
  readonly baseline: RunFigures;
  /** collector / baseline, events per second over the whole run. */
  readonly ratio: number;
  /** collector / baseline, streaming events per second. */
  readonly streamingRatio: number;
  /** Every run; the figures above are the fastest of each. */
  readonly collectorRuns: readonly RunFigures[];
  readonly baselineRuns: readonly RunFigures[];
  /** Vendor requests the collector made, by kind. */
  readonly requests: Record<string, number>;
  /** Data requests (pages) per 10,000 events, and the least possible: ceil(10,000 / largest page). */
  readonly requestsPer10k: number;
  readonly minimumRequestsPer10k: number;
}

interface Source {
  readonly service: string;
  readonly tag: string;
  readonly pageSize: number;
  /** Events per data request at most (SLS: log groups × logs per group). */
  readonly eventsPerPage: number;
  readonly inputs: string;
  readonly baseline: { readonly script: string; readonly job: Omit<BaselineJob, 'receiver'> };
  /** Vendor requests served so far, by kind; `data` counts the pages. */
  requests(): Record<string, number>;
  close(): Promise<void>;
}

function figures(run: Measured, counts: ReceiverCounts, events: number): RunFigures {
  const streamMs = Math.max(1, counts.lastAt - counts.firstAt);
  return {
    eventsPerSecond: events / (run.wallMs / 1000),
    streamingEventsPerSecond: events / (streamMs / 1000),
    wallSeconds: run.wallMs / 1000,
    cpuSecondsPer100k: (run.cpuSeconds * 100_000) / events,
    peakRssMb: run.maxRssMb,
    receiverCpuSeconds: counts.cpuMs / 1000,
    connections: counts.connections,
  };
}

const diff = (after: Record<string, number>, before: Record<string, number>) =>
  Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]));

/** The run with the shortest wall time (the least disturbed by whatever else the machine was doing). */
const best = (runs: readonly RunFigures[]): RunFigures => runs.reduce((a, b) => (b.wallSeconds < a.wallSeconds ? b : a));

async function measure(source: Source, events: number, pki: TestPki, receiver: Receiver, repeat: number): Promise<ThroughputRow> {
  const receiverJob = { port: receiver.port, ca: pki.caCertPath, cert: pki.clientCertPath, key: pki.clientKeyPath };
  const collectorRuns: RunFigures[] = [];
  const baselineRuns: RunFigures[] = [];
  let requests: Record<string, number> = {};
  let eventBytes = 0;
  // Baseline and collector take turns, so a busy spell of the machine hits both alike.
  for (let round = 0; round < repeat; round += 1) {
    await receiver.reset();
    const base = await runMeasured([`${ROOT}/bench/${source.baseline.script}`, JSON.stringify({ ...source.baseline.job, receiver: receiverJob })]);
    const baseCounts = await receiver.count();
    if (base.code !== 0) throw new Error(`${source.service} baseline exited ${base.code}\n${base.stderr.slice(-3000)}`);
    checkDelivery(`${source.service} baseline`, baseCounts, events, source.tag);
    baselineRuns.push(figures(base, baseCounts, events));

    // A fresh config folder: empty state, so the collector collects the same events again.
    await receiver.reset();
    const before = source.requests();
    const { config } = collectorConfig(pki, receiver.port, source.inputs, process.env['BENCH_OUTPUT_EXTRA'] ?? '');
    const run = await runCollectorOnce(config);
    requests = diff(source.requests(), before);
    const counts = await receiver.count();
    if (run.code !== 0) throw new Error(`${source.service} collector exited ${run.code}\n${run.stderr.slice(-3000)}`);
    checkDelivery(`${source.service} collector`, counts, events, source.tag, run.stderr.slice(-2000));
    collectorRuns.push(figures(run, counts, events));
    eventBytes = Math.round(counts.chars / events);
  }
  const collector = best(collectorRuns);
  const baseline = best(baselineRuns);
  return {
    service: source.service,
    events,
    pageSize: source.pageSize,
    eventBytes,
    collector,
    baseline,
    ratio: collector.eventsPerSecond / baseline.eventsPerSecond,
    streamingRatio: collector.streamingEventsPerSecond / baseline.streamingEventsPerSecond,
    collectorRuns,
    baselineRuns,
    requests,
    requestsPer10k: ((requests['data'] ?? 0) * 10_000) / events,
    minimumRequestsPer10k: Math.ceil(10_000 / source.eventsPerPage),
  };
}

const LARK_SERVICES = [
  { service: 'audit_infos', tag: 'app.lark.audit.event', pageSize: 200, stat: 'auditRequests', generate: (sim: LarkSim, o: GenerateRange) => sim.generateEvents(o) },
  { service: 'admin_log', tag: 'app.lark.admin.log', pageSize: 100, stat: 'adminRequests', generate: (sim: LarkSim, o: GenerateRange) => sim.generateAdminLogs(o) },
  { service: 'dlp_execute_log', tag: 'app.lark.dlp.log', pageSize: 50, stat: 'dlpRequests', generate: (sim: LarkSim, o: GenerateRange) => sim.generateDlpLogs(o) },
] as const;
interface GenerateRange {
  count: number;
  fromSeconds: number;
  toSeconds: number;
}

/** `only`: service names to run (all when empty). */
export async function throughput(events: number, repeat: number, pki: TestPki, receiver: Receiver, only: readonly string[], log: (line: string) => void): Promise<ThroughputRow[]> {
  const rows: ThroughputRow[] = [];
  const wanted = (name: string) => only.length === 0 || only.includes(name);
  const nowS = Math.floor(Date.now() / 1000);
  // 20 hours of events, one window (max_window_seconds one day): the collector checkpoints every page.
  const from = nowS - 20 * 3600;
  const start = iso(from - 3600);

  for (const lark of LARK_SERVICES) {
    if (!wanted(lark.service)) continue;
    // One simulator per service, so request counts are per endpoint. Largest page sizes the API accepts.
    const sim = await startLarkSim({ maxPageSize: 200, maxAdminPageSize: 100, maxDlpPageSize: 50 });
    lark.generate(sim, { count: events, fromSeconds: from, toSeconds: nowS - 120 });
    rows.push(
      await measure(
        {
          service: `lark ${lark.service}`,
          tag: lark.tag,
          pageSize: lark.pageSize,
          eventsPerPage: lark.pageSize,
          inputs: larkInput(sim.url, 1_000_000, [`${lark.service}: {initial_start_time_in_utc: "${start}", max_window_seconds: 86400, page_size: ${lark.pageSize}}`]),
          baseline: {
            script: 'baseline-lark.ts',
            job: { service: lark.service, url: sim.url, oldest: from - 3600, latest: nowS - 61, pageSize: lark.pageSize, credentials: { id: DEFAULT_LARK_SIM_APP.appId, secret: DEFAULT_LARK_SIM_APP.appSecret } },
          },
          requests: () => ({ data: sim.stats[lark.stat], token: sim.stats.tokenRequests }),
          close: () => sim.close(),
        },
        events,
        pki,
        receiver,
        repeat,
      ),
    );
    await sim.close();
    log(`  lark ${lark.service}: done`);
  }

  const credentials = { id: DEFAULT_ACTIONTRAIL_SIM_CREDENTIAL.accessKeyId, secret: DEFAULT_ACTIONTRAIL_SIM_CREDENTIAL.accessKeySecret };
  if (wanted('actiontrail')) {
    const sim = await startActionTrailSim();
    // ActionTrail's default lag is 10 minutes; events end before it.
    sim.generateEvents({ count: events, fromSeconds: from, toSeconds: nowS - 700 });
    rows.push(
      await measure(
        {
          service: 'alibaba actiontrail',
          tag: 'cloud.alibaba.actiontrail.events',
          pageSize: 50,
          eventsPerPage: 50,
          inputs: alibabaInput(
            `actiontrail: {override_base_url: ${sim.url}, initial_start_time_in_utc: "${start}", max_window_seconds: 86400, requests_per_second: 1000000, signature_version: v2}`,
          ),
          baseline: { script: 'baseline-actiontrail.ts', job: { url: sim.url, oldest: from - 3600, latest: nowS - 601, pageSize: 50, credentials } },
          requests: () => ({ data: sim.stats.requests }),
          close: () => sim.close(),
        },
        events,
        pki,
        receiver,
        repeat,
      ),
    );
    await sim.close();
    log('  alibaba actiontrail: done');
  }

  if (wanted('actiontrail_log_service')) {
    const sim = await startSlsSim({ shards: 4, credentials: [{ ...DEFAULT_ACTIONTRAIL_SIM_CREDENTIAL }] });
    const perGroup = 5;
    sim.writeActionTrailEvents({ count: events, fromSeconds: from, toSeconds: nowS - 120, perGroup });
    const byApi = () => {
      const counts: Record<string, number> = { data: 0, ListShards: 0, GetCursor: 0 };
      for (const r of sim.requests) {
        const api = r.query['type'] === 'log' ? 'data' : r.query['type'] === 'cursor' ? 'GetCursor' : 'ListShards';
        counts[api] = (counts[api] ?? 0) + 1;
      }
      return counts;
    };
    rows.push(
      await measure(
        {
          service: 'alibaba actiontrail_log_service',
          tag: 'cloud.alibaba.log_service.events',
          pageSize: 1000,
          eventsPerPage: 1000 * perGroup,
          inputs: alibabaInput(
            `actiontrail_log_service: {project: sim-project, logstore: actiontrail_sim-trail, override_base_url: ${sim.url}, initial_start_time_in_utc: "${start}"}`,
          ),
          baseline: { script: 'baseline-sls.ts', job: { url: sim.url, pageSize: 1000, credentials, project: 'sim-project', logstore: 'actiontrail_sim-trail' } },
          requests: byApi,
          close: () => sim.close(),
        },
        events,
        pki,
        receiver,
        repeat,
      ),
    );
    await sim.close();
    log('  alibaba actiontrail_log_service: done');
  }
  return rows;
}
