// The devo_platform output against a real syslog server: Debian's rsyslog with GnuTLS, requiring a
// client certificate, as `.ci/run` installs it. Events are counted in rsyslog's own output file.
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startInflatingRelay } from '../../sim/devo/index.ts';
import { startLarkSim, type LarkSim } from '../../sim/lark/index.ts';
import { makeTestPki, type TestPki } from '../helpers/certs.ts';
import { isoSeconds, larkConfig, runCli, startCli, waitFor, writeConfig } from '../helpers/cli.ts';
import { startRsyslog, type Rsyslog, type RsyslogRecord } from '../helpers/rsyslog.ts';

const env = { LARK_APP_SECRET: 'sim-secret' };
let pki: TestPki;
let rsyslog: Rsyslog;
let sim: LarkSim | undefined;

beforeAll(async () => {
  pki = await makeTestPki();
  rsyslog = await startRsyslog({ tls: { caFile: pki.caCertPath, certFile: pki.serverCertPath, keyFile: pki.serverKeyPath, requireClientCert: true } });
}, 60_000);
afterAll(async () => {
  await rsyslog?.close();
});
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** The e2e Lark config with its output replaced by a devo_platform SSL output to rsyslog. */
function config(start: string, output: Record<string, string | number | boolean>, service: Record<string, string | number> = {}): string {
  const settings = Object.entries({ address: 'localhost', port: rsyslog.port, type: 'SSL', chain: pki.caCertPath, hostname: 'rsyslog-e2e', ...output })
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
  // Lark's 100 requests per minute would make these backfills minutes long.
  const base = larkConfig({ simUrl: sim!.url, receiverPort: 1, start, service }).replace('    override_base_url:', '    requests_per_minute: 6000\n    override_base_url:');
  return base.replace(/ {2}relay: .*\n/, `  devo: {type: devo_platform, config: {${settings}}}\n`);
}

const withCert = { cert: '', key: '' };
function clientCert(): Record<string, string> {
  withCert.cert = pki.clientCertPath;
  withCert.key = pki.clientKeyPath;
  return { ...withCert };
}

/** The unique_ids rsyslog wrote from one run (the file holds other tests' records too: each test has its own hostname). */
function idsOf(records: readonly RsyslogRecord[], hostname: string): string[] {
  return records.filter((r) => r.hostname === hostname).map((r) => (JSON.parse(r.msg) as { unique_id: string }).unique_id);
}

/** Polls rsyslog's file until `hostname` has at least `n` records. */
async function waitForIds(hostname: string, n: number, timeoutMs: number, what: string): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ids = idsOf(await rsyslog.records(), hostname);
    if (ids.length >= n) return ids;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${ids.length} of ${n}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function rssHighWaterMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

describe('devo_platform output → rsyslog (TLS, client certificate required)', () => {
  it('every event lands in rsyslog once, with the Devo tag, byte for byte; gzip mode too, once inflated', async () => {
    sim = await startLarkSim();
    const nowS = Math.floor(Date.now() / 1000);
    const events = sim.generateEvents({ count: 1500, fromSeconds: nowS - 1800, toSeconds: nowS - 100 });
    // rsyslog cannot read gzip members (Devo can): in gzip mode the collector sends to a relay that inflates.
    const relay = await startInflatingRelay({
      tls: { key: readFileSync(pki.serverKeyPath), cert: readFileSync(pki.serverCertPath), ca: readFileSync(pki.caCertPath), requestCert: true },
      target: { host: '127.0.0.1', port: rsyslog.port, tls: { ca: readFileSync(pki.caCertPath), cert: readFileSync(pki.clientCertPath), key: readFileSync(pki.clientKeyPath), servername: 'localhost' } },
    });
    for (const gzip of [false, true]) {
      const before = (await rsyslog.records()).length;
      const output = { ...clientCert(), gzip, hostname: `every-event-${gzip}`, ...(gzip ? { port: relay.port } : {}) };
      const { config: file } = writeConfig(config(isoSeconds((nowS - 3600) * 1000), output));
      const result = await runCli(['run', '--config', file, '--once'], { env });
      expect(result.code, result.stderr).toBe(0);
      if (gzip) expect(relay.gzipConnections).toBeGreaterThan(0);
      const records = (await rsyslog.waitForRecords(before + events.length, 20_000)).slice(before);
      expect(records).toHaveLength(events.length);
      expect(records.every((r) => r.tag === 'app.lark.audit.event' && r.hostname === `every-event-${gzip}`)).toBe(true);
      expect(new Set(records.map((r) => (JSON.parse(r.msg) as { unique_id: string }).unique_id))).toEqual(new Set(events.map((e) => e.unique_id)));
      // The raw record is the Devo line the collector encoded: header, tag, then the JSON as sent.
      const line = records[0]!.raw;
      expect(line).toMatch(/^<14>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z every-event-(true|false) app\.lark\.audit\.event: \{/);
      expect(line.slice(line.indexOf(': ') + 2)).toBe(records[0]!.msg);
    }
    await relay.close();
  }, 60_000);

  it('a client without a certificate is refused: OutputError 401, exit 1, nothing checkpointed', async () => {
    sim = await startLarkSim();
    const nowS = Math.floor(Date.now() / 1000);
    sim.generateEvents({ count: 50, fromSeconds: nowS - 1800, toSeconds: nowS - 100 });
    const before = (await rsyslog.records()).length;
    const start = isoSeconds((nowS - 3600) * 1000);
    const { config: file } = writeConfig(config(start, {}));
    const result = await runCli(['run', '--config', file, '--once'], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/\[OutputError 401\]/);
    const state = await runCli(['state', 'show', '--config', file, '--json'], { env });
    expect(JSON.parse(state.stdout)[0].state?.last_run_datetime ?? start).toBe(start);
    expect((await rsyslog.records()).length).toBe(before);
  }, 60_000);

  it('Devo down in the middle of a backfill: pulling pauses, nothing is lost or duplicated, memory stays bounded, it catches up', async () => {
    // Slow pages so the backfill is still running when rsyslog goes away.
    sim = await startLarkSim({ latencyMs: 40 });
    const nowS = Math.floor(Date.now() / 1000);
    const events = sim.generateEvents({ count: 12_000, fromSeconds: nowS - 20 * 3600, toSeconds: nowS - 100 });
    const host = 'devo-down';
    const { config: file } = writeConfig(
      config(isoSeconds((nowS - 21 * 3600) * 1000), { ...clientCert(), queue_max_size_in_mb: 1, hostname: host }, { max_window_seconds: 3600 }).replace(
        '  persistence:',
        '  sender_stats_period_in_sec: 1\n  persistence:',
      ),
    );
    const run = startCli(['run', '--config', file], { env });
    try {
      await waitForIds(host, 2000, 30_000, 'first events');
      await rsyslog.stop();
      const downAt = Date.now();
      await waitFor(() => /\[OutputError 40[012]\].*pulling is paused/.test(run.stderr), 20_000, 'the collector to notice');
      await new Promise((r) => setTimeout(r, Math.max(0, 3000 - (Date.now() - downAt))));
      await rsyslog.start();
      await waitForIds(host, events.length, 90_000, 'catch-up');
      await new Promise((r) => setTimeout(r, 500)); // a duplicate would arrive right behind
      const ids = idsOf(await rsyslog.records(), host);
      expect(ids.length).toBe(events.length);
      expect(new Set(ids)).toEqual(new Set(events.map((e) => e.unique_id)));
      expect(run.stderr).toMatch(/accepts events again/);
      // The bound held: what waited for the output never passed 1 MiB, and the process stayed small.
      const waiting = [...run.stderr.matchAll(/bytes waiting: (\d+)/g)].map((m) => Number(m[1]));
      expect(waiting.length).toBeGreaterThan(0);
      expect(Math.max(...waiting)).toBeLessThanOrEqual(1024 * 1024);
      expect(rssHighWaterMiB(run.child.pid!)).toBeLessThan(400);
    } finally {
      if (run.child.exitCode === null) run.child.kill('SIGTERM');
      await run.exited;
      await rsyslog.start().catch(() => undefined);
    }
  }, 180_000);

  it('reconnects when a connection passes its max age and after rsyslog closed it, without loss (write-acknowledged mode)', async () => {
    sim = await startLarkSim({ latencyMs: 30 });
    const nowS = Math.floor(Date.now() / 1000);
    const events = sim.generateEvents({ count: 4000, fromSeconds: nowS - 10 * 3600, toSeconds: nowS - 100 });
    const host = 'reconnects';
    const { config: file } = writeConfig(
      config(isoSeconds((nowS - 11 * 3600) * 1000), { ...clientCert(), hostname: host, confirm_delivery: false, max_connection_age_seconds: 1, inactivity_timeout_seconds: 1 }, { max_window_seconds: 3600 }),
    );
    const run = startCli(['run', '--config', file, '--log-level', 'debug'], { env });
    try {
      await waitFor(() => /output connection closing.*age/.test(run.stderr), 30_000, 'a connection retired for its age');
      await waitForIds(host, events.length, 60_000, 'all events');
      // rsyslog restarts between cycles: the connection it closed is noticed (EOF) and replaced.
      await rsyslog.stop();
      await rsyslog.start();
      // Newer than the checkpoint (windows end 60 s before now), visible to the next cycles.
      const late = sim.generateEvents({ count: 200, fromSeconds: Math.floor(Date.now() / 1000) - 55, toSeconds: Math.floor(Date.now() / 1000) - 50 });
      const all = [...events, ...late];
      const ids = await waitForIds(host, all.length, 60_000, 'late events');
      await new Promise((r) => setTimeout(r, 500));
      expect(idsOf(await rsyslog.records(), host)).toHaveLength(all.length);
      expect(new Set(ids)).toEqual(new Set(all.map((e) => e.unique_id)));
    } finally {
      run.child.kill('SIGTERM');
      await run.exited;
    }
  }, 150_000);
});
