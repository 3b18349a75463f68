// Benchmark 1 (throughput against a raw baseline) and 5 (requests per 10,000 events): each service
// against its simulator with no latency, the collector and the baseline each as their own process,
// sending over TLS to a receiver in a third process.
import { DEFAULT_ACTIONTRAIL_SIM_CREDENTIAL, startActionTrailSim } from '../sim/actiontrail/index.ts';
import { DEFAULT_LARK_SIM_APP, startLarkSim } from '../sim/lark/index.ts';
import { startSlsSim } from '../sim/sls/index.ts';
import type { TestPki } from '../test/helpers/certs.ts';
import type { BaselineJob } from './baseline.ts';
import { BASELINE, CLI, collectorConfig, iso, runMeasured, type Measured, type Receiver } from './harness.ts';

export interface ThroughputRow {
  readonly service: string;
  readonly events: number;
  readonly collector: { eventsPerSecond: number; cpuSecondsPer100k: number; peakRssMb: number; requests: number };
  readonly baseline: { eventsPerSecond: number; cpuSecondsPer100k: number; peakRssMb: number };
  readonly ratio: number;
  readonly requestsPer10k: number;
  readonly minimumRequestsPer10k: number;
}

interface Source {
  readonly service: string;
  readonly url: string;
  /** Vendor requests served so far (for requests per 10,000 events). */
  requests(): number;
  readonly pageSize: number;
  readonly inputs: string;
  readonly job: Omit<BaselineJob, 'receiver'>;
  close(): Promise<void>;
}

/** The alibaba input section of a bench config with one service line. */
export function alibabaInput(service: string): string {
  return [
    '  alibaba:',
    '    id: 2',
    `    credentials: {access_key_id: ${DEFAULT_ACTIONTRAIL_SIM_CREDENTIAL.accessKeyId}, access_key_secret: "\${BENCH_SECRET}"}`,
    '    region: cn-hangzhou',
    '    services:',
    `      ${service}`,
  ].join('\n');
}

function summarize(run: Measured, events: number) {
  return { eventsPerSecond: events / (run.wallMs / 1000), cpuSecondsPer100k: (run.cpuSeconds * 100_000) / events, peakRssMb: run.maxRssMb };
}

async function measure(source: Source, events: number, pki: TestPki, receiver: Receiver): Promise<ThroughputRow> {
  const receiverJob = { port: receiver.port, ca: pki.caCertPath, cert: pki.clientCertPath, key: pki.clientKeyPath };
  // Baseline first: it must see the same pages, and the collector's state starts empty either way.
  await receiver.reset();
  const base = await runMeasured([BASELINE, JSON.stringify({ ...source.job, receiver: receiverJob })]);
  const baseLines = (await receiver.count()).lines;
  if (base.code !== 0 || baseLines !== events) throw new Error(`${source.service} baseline: exit ${base.code}, ${baseLines} of ${events} lines\n${base.stderr}`);

  await receiver.reset();
  const before = source.requests();
  const { config } = collectorConfig(pki, receiver.port, source.inputs, process.env['BENCH_OUTPUT_EXTRA'] ?? '');
  const run = await runMeasured([CLI, 'run', '--once', '--config', config], { BENCH_SECRET: 'sim-secret' });
  const requests = source.requests() - before;
  const lines = (await receiver.count()).lines;
  if (run.code !== 0 || lines !== events) throw new Error(`${source.service} collector: exit ${run.code}, ${lines} of ${events} lines\n${run.stderr.slice(-3000)}`);
  const collector = { ...summarize(run, events), requests };
  const baseline = summarize(base, events);
  return {
    service: source.service,
    events,
    collector,
    baseline,
    ratio: collector.eventsPerSecond / baseline.eventsPerSecond,
    requestsPer10k: (requests * 10_000) / events,
    minimumRequestsPer10k: Math.ceil(10_000 / source.pageSize),
  };
}

export async function throughput(events: number, pki: TestPki, receiver: Receiver, log: (line: string) => void): Promise<ThroughputRow[]> {
  const rows: ThroughputRow[] = [];
  const nowS = Math.floor(Date.now() / 1000);
  const from = nowS - 20 * 3600;
  const start = iso(from - 3600);
  const larkInput = (service: string, pageSize: number) =>
    [
      '  lark:',
      '    id: 1',
      `    credentials: {app_id: ${DEFAULT_LARK_SIM_APP.appId}, app_secret: "\${BENCH_SECRET}"}`,
      '    requests_per_minute: 1000000',
      `    override_base_url: ${'URL'}`,
      '    services:',
      `      ${service}: {initial_start_time_in_utc: "${start}", max_window_seconds: 86400, page_size: ${pageSize}}`,
    ].join('\n');

  // Lark: one simulator per service so request counts are per endpoint.
  for (const [service, pageSize, generate] of [
    ['audit_infos', 200, 'generateEvents'],
    ['admin_log', 100, 'generateAdminLogs'],
    ['dlp_execute_log', 50, 'generateDlpLogs'],
  ] as const) {
    const sim = await startLarkSim({ maxAdminPageSize: 100, maxDlpPageSize: 50 });
    sim[generate]({ count: events, fromSeconds: from, toSeconds: nowS - 120 });
    const stat = service === 'audit_infos' ? 'auditRequests' : service === 'admin_log' ? 'adminRequests' : 'dlpRequests';
    const source: Source = {
      service: `lark ${service}`,
      url: sim.url,
      requests: () => (sim.stats as unknown as Record<string, number>)[stat] ?? 0,
      pageSize,
      inputs: larkInput(service, pageSize).replace('URL', sim.url),
      job: { kind: `lark.${service}`, url: sim.url, oldest: from - 3600, latest: nowS - 61, pageSize, credentials: { id: DEFAULT_LARK_SIM_APP.appId, secret: DEFAULT_LARK_SIM_APP.appSecret } },
      close: () => sim.close(),
    };
    rows.push(await measure(source, events, pki, receiver));
    log(`  ${source.service}: done`);
    await source.close();
  }

  {
    const sim = await startActionTrailSim({ throttlePerSecond: 1_000_000 });
    sim.generateEvents({ count: events, fromSeconds: from, toSeconds: nowS - 700 });
    const source: Source = {
      service: 'alibaba actiontrail',
      url: sim.url,
      requests: () => sim.stats.requests,
      pageSize: 50,
      inputs: alibabaInput(`actiontrail: {override_base_url: ${sim.url}, initial_start_time_in_utc: "${start}", max_window_seconds: 86400, requests_per_second: 1000000, signature_version: v2}`),
      job: { kind: 'actiontrail', url: sim.url, oldest: from - 3600, latest: nowS - 601, pageSize: 50, credentials: { id: DEFAULT_ACTIONTRAIL_SIM_CREDENTIAL.accessKeyId, secret: DEFAULT_ACTIONTRAIL_SIM_CREDENTIAL.accessKeySecret } },
      close: () => sim.close(),
    };
    rows.push(await measure(source, events, pki, receiver));
    log(`  ${source.service}: done`);
    await source.close();
  }

  {
    const sim = await startSlsSim({ shards: 4, credentials: [{ ...DEFAULT_ACTIONTRAIL_SIM_CREDENTIAL }] });
    sim.writeActionTrailEvents({ count: events, fromSeconds: from, toSeconds: nowS - 120, perGroup: 5 });
    const source: Source = {
      service: 'alibaba actiontrail_log_service',
      url: sim.url,
      requests: () => sim.stats.requests,
      // 1000 log groups of 5 logs per PullLogs call.
      pageSize: 5000,
      inputs: alibabaInput(`actiontrail_log_service: {project: sim-project, logstore: actiontrail_sim-trail, override_base_url: ${sim.url}, initial_start_time_in_utc: "${start}"}`),
      job: {
        kind: 'sls',
        url: sim.url,
        oldest: 0,
        latest: 0,
        pageSize: 1000,
        credentials: { id: DEFAULT_ACTIONTRAIL_SIM_CREDENTIAL.accessKeyId, secret: DEFAULT_ACTIONTRAIL_SIM_CREDENTIAL.accessKeySecret },
        sls: { project: 'sim-project', logstore: 'actiontrail_sim-trail' },
      },
      close: () => sim.close(),
    };
    rows.push(await measure(source, events, pki, receiver));
    log(`  ${source.service}: done`);
    await source.close();
  }
  return rows;
}
