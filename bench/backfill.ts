// Benchmark 2: a whole backfill with 50 ms per request and the vendor's rate limit enforced by the
// simulator; wall time against the bound `pages / limit`. The collector runs as its own process.
import { startActionTrailSim } from '../sim/actiontrail/index.ts';
import { startLarkSim } from '../sim/lark/index.ts';
import { alibabaInput, checkDelivery, collectorConfig, iso, larkInput, runCollectorOnce, type Receiver, type TestPki } from './harness.ts';

export interface BackfillRow {
  readonly service: string;
  readonly events: number;
  /** Data requests the simulator served (the setup probe included). */
  readonly pages: number;
  readonly rateLimit: string;
  readonly latencyMs: number;
  readonly wallSeconds: number;
  /** pages / limit: the least time the vendor allows for these requests. */
  readonly boundSeconds: number;
  readonly ratio: number;
  /** Requests the simulator refused for the rate limit (429 / Throttling.User). */
  readonly refused: number;
}

const LATENCY_MS = 50;

export async function backfill(pki: TestPki, receiver: Receiver, options: { larkEvents: number; actiontrailEvents: number; larkScale: number }): Promise<BackfillRow[]> {
  const rows: BackfillRow[] = [];
  const nowS = Math.floor(Date.now() / 1000);
  const start = iso(nowS - 21 * 3600);
  {
    // Lark: 100 requests per minute per endpoint, scaled by `larkScale` (simulator and config alike) so the
    // run takes seconds, not minutes; 100 events per page.
    const rpm = 100 * options.larkScale;
    const events = options.larkEvents;
    const sim = await startLarkSim({ latencyMs: LATENCY_MS, rateLimitPerMinute: rpm });
    sim.generateEvents({ count: events, fromSeconds: nowS - 20 * 3600, toSeconds: nowS - 120 });
    const { config } = collectorConfig(pki, receiver.port, larkInput(sim.url, rpm, [`audit_infos: {initial_start_time_in_utc: "${start}", max_window_seconds: 86400, page_size: 100}`]));
    await receiver.reset();
    const run = await runCollectorOnce(config);
    const counts = await receiver.count();
    if (run.code !== 0) throw new Error(`lark backfill: exit ${run.code}\n${run.stderr.slice(-2000)}`);
    checkDelivery('lark backfill', counts, events, 'app.lark.audit.event');
    const pages = sim.stats.auditRequests;
    const bound = (pages / rpm) * 60;
    rows.push({
      service: 'lark audit_infos',
      events,
      pages,
      rateLimit: `${rpm}/min (Lark's 100/min × ${options.larkScale})`,
      latencyMs: LATENCY_MS,
      wallSeconds: run.wallMs / 1000,
      boundSeconds: bound,
      ratio: run.wallMs / 1000 / bound,
      refused: sim.stats.rateLimited,
    });
    await sim.close();
  }
  {
    // ActionTrail: 10 requests per second (Alibaba's metadata), the collector configured to it; 50 events per page.
    const rps = 10;
    const events = options.actiontrailEvents;
    const sim = await startActionTrailSim({ latencyMs: LATENCY_MS, throttlePerSecond: rps });
    sim.generateEvents({ count: events, fromSeconds: nowS - 20 * 3600, toSeconds: nowS - 700 });
    const inputs = alibabaInput(`actiontrail: {override_base_url: ${sim.url}, initial_start_time_in_utc: "${start}", max_window_seconds: 86400, requests_per_second: ${rps}}`);
    const { config } = collectorConfig(pki, receiver.port, inputs);
    await receiver.reset();
    const run = await runCollectorOnce(config);
    const counts = await receiver.count();
    if (run.code !== 0) throw new Error(`actiontrail backfill: exit ${run.code}\n${run.stderr.slice(-2000)}`);
    checkDelivery('actiontrail backfill', counts, events, 'cloud.alibaba.actiontrail.events');
    const pages = sim.stats.requests;
    const bound = pages / rps;
    rows.push({
      service: 'alibaba actiontrail',
      events,
      pages,
      rateLimit: `${rps}/s`,
      latencyMs: LATENCY_MS,
      wallSeconds: run.wallMs / 1000,
      boundSeconds: bound,
      ratio: run.wallMs / 1000 / bound,
      refused: sim.stats.throttled,
    });
    await sim.close();
  }
  return rows;
}
