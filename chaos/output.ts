// Output faults (issue 9, part 3): the Devo side misbehaves while a Lark backfill is collected. The
// receiver refuses connections for a while, resets them, stops reading, or presents a certificate the
// collector must refuse. Every event must arrive (duplicates are counted, and bounded by one batch per
// unconfirmed attempt), or, for the TLS faults, nothing may arrive: a coded error, no checkpoint, and
// not one plaintext byte. `node chaos/output.ts` runs the long forms (CHAOS_OUTPUT_DOWN_SECONDS, default
// 120, sets the outage; CHAOS_OUTPUT_FORM=short the vitest sizes); test/e2e/output-faults.test.ts the short ones.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createChunkedSeenSet, openStateStore, type WindowedState } from '../lib/index.ts';
import { stateKey } from '../runner/services/lark-windowed.ts';
import { startLineReceiver, startTlsWatch, type LineReceiver, type TlsWatch } from '../sim/devo/index.ts';
import { startLarkSim, type LarkSim } from '../sim/lark/index.ts';
import { makeTestPki } from '../test/helpers/certs.ts';
import { writeChaosConfig } from './crash.ts';
import { CHAOS_ENV, chaosLarkApp, LARK_CREDENTIALS_YAML, RunScan, type ChaosResult } from './secrets.ts';

// Everything these runs leave behind (each collector's log, each state) is searched for the secrets once
// at the end, with every tenant token the sims minted.
const scan = new RunScan();

/** Where a secret or tenant token was found in what the output-fault runs so far left (call once, at the end). */
export const outputSecretFindings = (): string[] => scan.findings();

const CLI = resolve(import.meta.dirname, '../runner/cli.ts');
const iso = (s: number) => new Date(s * 1000).toISOString().replace('.000Z', 'Z');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Events per page and so per batch: the duplicate bound is counted in these. */
const PAGE = 20;
/** lib/devo's warning when a write-acknowledged connection breaks with lines possibly unread. */
const WRITE_LOSS_WARNING = /output connection broke after lines were written to it/g;

export interface OutputResult extends ChaosResult {
  readonly lost: number;
  /** What else was checked or seen (checkpoint, logged errors, plaintext bytes). */
  readonly notes: string;
}

export interface OutputScenario {
  readonly name: string;
  readonly expected: string;
  /** `short` fits the vitest run; `long` is `npm run chaos`'s. */
  run(form: 'short' | 'long'): Promise<OutputResult>;
}

interface Collector {
  exited: Promise<number | string>;
  stderr(): string;
  stop(): Promise<number | string>;
}

function startCollector(config: string, once: boolean, timeoutMs: number): Collector {
  const args = ['--no-warnings', CLI, 'run', ...(once ? ['--once'] : []), '--config', config];
  const child = spawn(process.execPath, args, { env: { ...process.env, ...CHAOS_ENV }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const exited = new Promise<number | string>((done) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      scan.log(`stderr of a collector on ${config}`, stderr);
      done(code ?? signal ?? -1);
    }),
  );
  return {
    exited,
    stderr: () => stderr,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

interface Rig {
  readonly lark: LarkSim;
  readonly ids: readonly string[];
  readonly times: ReadonlyMap<string, number>;
  readonly start: string;
  readonly inputs: string;
}

/** A Lark sim holding `events` audit events over the last 6 hours, and the input section reading them. */
async function larkRig(events: number, latencyMs = 0): Promise<Rig> {
  const lark = await startLarkSim({ latencyMs, apps: [chaosLarkApp()] });
  scan.sim(lark);
  const nowS = Math.floor(Date.now() / 1000);
  const from = nowS - 6 * 3600;
  const generated = lark.generateEvents({ count: events, fromSeconds: from, toSeconds: nowS - 120 });
  const start = iso(from - 3600);
  const inputs = [
    '  lark:',
    '    id: 1',
    `    credentials: ${LARK_CREDENTIALS_YAML}`,
    '    requests_per_minute: 1000000',
    `    override_base_url: ${lark.url}`,
    '    services:',
    `      audit_infos: {initial_start_time_in_utc: "${start}", page_size: ${PAGE}, max_window_seconds: 3600, request_period_in_seconds: 1}`,
  ].join('\n');
  return { lark, ids: generated.map((e) => e.unique_id), times: new Map(generated.map((e) => [e.unique_id, Number(e.event_time)])), start, inputs };
}

/** A config whose output goes to `port` over TCP, or over TLS trusting `chain`; `confirm_delivery` as given (default true). */
function outputConfig(rig: Rig, port: number, options: { chain?: string | undefined; confirmDelivery?: boolean | undefined } = {}): string {
  const config = writeChaosConfig(port, rig.inputs, 'chaos-output');
  scan.config(config);
  const settings = [...(options.chain === undefined ? [] : [`type: SSL, chain: ${options.chain}`]), ...(options.confirmDelivery === false ? ['confirm_delivery: false'] : [])];
  if (settings.length === 0) return config;
  const text = readFileSync(config, 'utf8').replace(/type: TCP/, options.chain === undefined ? `type: TCP, ${settings.join(', ')}` : settings.join(', '));
  writeFileSync(config, text);
  return config;
}

/** The ids the checkpoint claims were delivered, from `state show --json` (and the unfinished window's chunks). */
async function checkpointed(rig: Rig, config: string): Promise<{ ids: Set<string>; state: WindowedState | null }> {
  const shown = JSON.parse(
    execFileSync(process.execPath, ['--no-warnings', CLI, 'state', 'show', '--config', config, '--json'], { env: { ...process.env, ...CHAOS_ENV } }).toString(),
  ) as Array<{ service: string; state: WindowedState | null }>;
  const state = shown.find((s) => s.service === 'audit_infos')?.state ?? null;
  const ids = new Set<string>();
  if (state === null) return { ids, state };
  const next = Date.parse(state.last_run_datetime) / 1000;
  for (const [id, time] of rig.times) if (time < next) ids.add(id);
  for (const id of state.last_ids) ids.add(id);
  if (state.window && state.window.chunks > 0) {
    const store = await openStateStore({ type: 'sqlite', path: join(dirname(config), 'state/auditpull.sqlite') });
    try {
      for (const id of await createChunkedSeenSet(store, `${stateKey('lark', 1, 'audit_infos')}:window`).load(state.window.chunks)) ids.add(id);
    } finally {
      await store.disconnect();
    }
  }
  return { ids, state };
}

function tally(rig: Rig, receiver: LineReceiver): { received: number; distinct: number; lost: number; ids: Set<string> } {
  const ids = receiver.lines.filter((l) => l.hostname === 'chaos-output').map((l) => String((l.json as Record<string, unknown> | undefined)?.['unique_id']));
  const seen = new Set(ids);
  return { received: ids.length, distinct: seen.size, lost: rig.ids.filter((id) => !seen.has(id)).length, ids: seen };
}

const coded = (stderr: string): string | undefined => /\[([A-Za-z]+Error \d+)\]/.exec(stderr)?.[1];

/** Polls until `done()` or `timeoutMs`; true when done. */
async function until(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > end) return false;
    await sleep(100);
  }
  return true;
}

/**
 * The receiver's port closed for `downSeconds` in the middle of a backfill by a long-running `run`,
 * then open again. While it is down the collector must log a coded OutputError with pulling paused and
 * its checkpoint must cover only events the receiver has; afterwards it catches up, each event once.
 */
export async function receiverDown(options: { downSeconds: number; events?: number }): Promise<OutputResult> {
  const name = `receiver refuses connections for ${options.downSeconds} s mid-backfill`;
  const expected = 'OutputError 400 logged, pulling paused; then all once';
  const rig = await larkRig(options.events ?? 600, 60);
  const receiver = await startLineReceiver();
  const config = outputConfig(rig, receiver.port);
  const started = Date.now();
  const run = startCollector(config, false, (options.downSeconds + 180) * 1000);
  try {
    const notes: string[] = [];
    await until(() => receiver.lines.length >= rig.ids.length / 4, 30_000);
    receiver.refuseConnections();
    const atDown = receiver.lines.length;
    const downAt = Date.now();
    const paused = await until(() => /\[OutputError 400\][^\n]*pulling is paused/.test(run.stderr()), options.downSeconds * 1000);
    await sleep(Math.max(0, downAt + options.downSeconds * 1000 - Date.now()));
    // Checked while the port is still closed: nothing checkpointed that the receiver does not hold.
    const check = await checkpointed(rig, config);
    const held = tally(rig, receiver).ids;
    const ahead = [...check.ids].filter((id) => !held.has(id)).length;
    notes.push(`${atDown}/${rig.ids.length} lines before the outage`, `checkpoint during it covers ${check.ids.size}, ${ahead} not at the receiver`);
    await receiver.acceptConnections();
    const upAt = Date.now();
    const caughtUp = await until(() => tally(rig, receiver).lost === 0, 120_000);
    if (caughtUp) notes.push(`caught up ${((Date.now() - upAt) / 1000).toFixed(1)} s after the port reopened`);
    const code = await run.stop();
    const seconds = (Date.now() - started) / 1000;
    const t = tally(rig, receiver);
    const outcome = !paused ? (coded(run.stderr()) ?? 'no coded OutputError while down') : !caughtUp ? 'did not catch up' : code === 0 ? 'survived' : `exit ${String(code)} after SIGTERM`;
    notes.push(paused ? 'OutputError 400 + "pulling is paused" logged' : 'no "pulling is paused" log');
    const ok = outcome === 'survived' && ahead === 0 && t.lost === 0 && t.received === t.distinct;
    return { name, expected, outcome, seconds, events: rig.ids.length, received: t.received, distinct: t.distinct, lost: t.lost, notes: notes.join('; '), ok };
  } finally {
    await run.stop();
    await Promise.all([rig.lark.close(), receiver.close()]);
  }
}

/** Survive-type runs: `run --once` while the receiver misbehaves; every event must arrive, exit 0. */
async function survive(
  name: string,
  expected: string,
  fault: (receiver: LineReceiver) => void | Promise<void>,
  options: {
    events?: number;
    tls?: boolean;
    confirmDelivery?: boolean;
    maxDuplicates: number;
    timeoutMs?: number;
    /** Replaces the verdict (survived, nothing lost, duplicates within the bound). */
    judge?: (result: OutputResult, stderr: string) => boolean;
  },
  describe: (receiver: LineReceiver) => string,
): Promise<OutputResult> {
  const rig = await larkRig(options.events ?? 300);
  const pki = options.tls ? await makeTestPki() : undefined;
  const receiver = await startLineReceiver(pki ? { tls: { key: pki.serverKey, cert: pki.serverCert } } : {});
  const config = outputConfig(rig, receiver.port, { chain: pki?.caCertPath, confirmDelivery: options.confirmDelivery });
  const started = Date.now();
  const run = startCollector(config, true, options.timeoutMs ?? 120_000);
  try {
    // Settled at once so a fault that fails (the run ended before it could act) is reported, not thrown.
    const during = Promise.resolve()
      .then(() => fault(receiver))
      .then(() => undefined, (error: unknown) => String(error));
    const code = await run.exited;
    const faultFailed = await during;
    const seconds = (Date.now() - started) / 1000;
    const t = tally(rig, receiver);
    const outcome = code === 'SIGKILL' ? 'hung (killed)' : code === 0 ? 'survived' : (coded(run.stderr()) ?? `exit ${String(code)} without a coded error`);
    const duplicates = t.received - t.distinct;
    const logged = [...new Set(run.stderr().match(/\[OutputError \d+\]/g) ?? [])].join(', ');
    if (process.env['CHAOS_DEBUG'] !== undefined) process.stderr.write(run.stderr());
    const warned = run.stderr().match(WRITE_LOSS_WARNING)?.length ?? 0;
    const notes = `${faultFailed === undefined ? '' : `fault not applied: ${faultFailed}; `}${describe(receiver)}; duplicates ${duplicates} (bound ${options.maxDuplicates})${logged ? `; logged ${logged}` : ''}${warned > 0 ? `; ${warned} possible-loss warning(s)` : ''}`;
    const result = { name, expected, outcome, seconds, events: rig.ids.length, received: t.received, distinct: t.distinct, lost: t.lost, notes, ok: false };
    const ok = faultFailed === undefined && (options.judge?.(result, run.stderr()) ?? (outcome === 'survived' && t.lost === 0 && duplicates <= options.maxDuplicates));
    return { ...result, ok };
  } finally {
    await run.stop();
    await Promise.all([rig.lark.close(), receiver.close()]);
  }
}

/** The first `resets` connections are reset (RST) as soon as they are accepted (TLS: after the handshake). */
export function resetOnAccept(options: { resets: number; tls?: boolean }): Promise<OutputResult> {
  const via = options.tls ? 'TLS' : 'TCP';
  return survive(
    `${via} connection reset on accept x${options.resets}`,
    'survive, duplicates 0',
    (r) => r.resetConnections(options.resets),
    { maxDuplicates: 0, ...(options.tls ? { tls: true } : {}) },
    (r) => `${r.resets} resets`,
  );
}

/** The first `resets` connections are reset after the receiver read `afterBytes` of them: their whole lines count as stored. */
export function resetMidBatch(options: { resets: number; afterBytes: number }): Promise<OutputResult> {
  return survive(
    `connection reset after ${options.afterBytes} bytes read x${options.resets}`,
    `survive, duplicates <= ${options.resets} partial batch(es)`,
    (r) => r.resetConnections(options.resets, { afterBytes: options.afterBytes }),
    // Lines read before a reset were stored, but the batch is unconfirmed and sent again whole.
    { maxDuplicates: options.resets * PAGE },
    (r) => `${r.resets} resets`,
  );
}

/**
 * The same resets with `confirm_delivery: false`: a batch counts as accepted once written, so what sat
 * in the socket buffers when the connection was reset is lost — the documented price of that mode.
 * Expected: the run survives, and every reset that lost lines left a warning saying so.
 */
export function resetWriteAcknowledged(options: { resets: number; afterBytes: number }): Promise<OutputResult> {
  return survive(
    `connection reset after ${options.afterBytes} bytes read x${options.resets}, confirm_delivery: false`,
    'survive; loss possible, each reset warned',
    (r) => r.resetConnections(options.resets, { afterBytes: options.afterBytes }),
    {
      confirmDelivery: false,
      maxDuplicates: options.resets * PAGE,
      judge: (r, stderr) => r.outcome === 'survived' && (r.lost === 0 || (stderr.match(WRITE_LOSS_WARNING)?.length ?? 0) >= options.resets),
    },
    (r) => `${r.resets} resets`,
  );
}

/**
 * The receiver stops reading for `stallSeconds` from the first connection on. Below the 30 s
 * confirmation timeout the batch just waits; above it the batch is sent again, so the stalled copy
 * (read once the receiver resumes) becomes duplicates: at most one batch per timed-out attempt.
 */
export function stalledReads(options: { stallSeconds: number }): Promise<OutputResult> {
  const attempts = Math.floor(options.stallSeconds / 30);
  return survive(
    `receiver stops reading for ${options.stallSeconds} s`,
    attempts === 0 ? 'survive, duplicates 0' : `survive, duplicates <= ${attempts} batch(es)`,
    async (r) => {
      // Mid-backfill, so the batch caught by the stall is a full page.
      await r.waitForLines(2 * PAGE, 30_000);
      r.pauseReading();
      await sleep(options.stallSeconds * 1000);
      r.resumeReading();
    },
    { maxDuplicates: attempts * PAGE, timeoutMs: (options.stallSeconds + 120) * 1000 },
    (r) => `${r.connections} connections`,
  );
}

/**
 * The receiver presents a certificate the collector must refuse. Expected: OutputError 401 naming the
 * reason, exit 1, nothing delivered or checkpointed, and no plaintext: a tap in front of the receiver
 * sees every connection start with a TLS handshake record and never a syslog byte in clear.
 */
export async function badServerCertificate(options: { kind: 'expired' | 'wrong-ca' }): Promise<OutputResult> {
  const pki = await makeTestPki();
  const [cert, key, reason] =
    options.kind === 'expired'
      ? [pki.expiredServerCert, pki.expiredServerKey, /CERT_HAS_EXPIRED.*validity period/]
      : [pki.otherServerCert, pki.otherServerKey, /UNABLE_TO_VERIFY_LEAF_SIGNATURE.*set chain/];
  const name = options.kind === 'expired' ? 'TLS server certificate expired' : 'TLS server certificate from an untrusted CA';
  const expected = 'OutputError 401, exit 1, nothing sent or checkpointed, no plaintext';
  const rig = await larkRig(100);
  const receiver = await startLineReceiver({ tls: { key, cert } });
  let tap: TlsWatch | undefined;
  try {
    tap = await startTlsWatch(receiver.port);
    const config = outputConfig(rig, tap.port, { chain: pki.caCertPath });
    const started = Date.now();
    const run = startCollector(config, true, 60_000);
    const code = await run.exited;
    const seconds = (Date.now() - started) / 1000;
    const stderr = run.stderr();
    const t = tally(rig, receiver);
    const check = await checkpointed(rig, config);
    const unmoved = check.state === null || (check.state.last_run_datetime === rig.start && check.ids.size === 0);
    const message = /\[OutputError 401\][^"\n]*/.exec(stderr)?.[0] ?? '';
    const outcome = code === 'SIGKILL' ? 'hung (killed)' : `${coded(stderr) ?? 'no coded error'}, exit ${String(code)}`;
    const notes = [
      `${tap.connections} connections, ${tap.plaintext} not starting with a TLS record, syslog bytes in clear: ${tap.sawSyslog ? 'yes' : 'no'}`,
      `checkpoint ${unmoved ? 'unmoved' : 'MOVED'}`,
      message.slice(0, 220),
    ].join('; ');
    const ok = code === 1 && reason.test(message) && t.received === 0 && unmoved && tap.connections > 0 && tap.plaintext === 0 && !tap.sawSyslog;
    return { name, expected, outcome, seconds, events: rig.ids.length, received: t.received, distinct: t.distinct, lost: t.lost, notes, ok };
  } finally {
    await Promise.all([rig.lark.close(), receiver.close(), tap?.close()]);
  }
}

/** `CHAOS_OUTPUT_DOWN_SECONDS` (default 120) sets the long outage. */
const longDown = (): number => Number(process.env['CHAOS_OUTPUT_DOWN_SECONDS'] ?? 120);

export const OUTPUT_SCENARIOS: readonly OutputScenario[] = [
  { name: 'receiver down (port closed)', expected: 'coded 400, paused, then all once', run: (form) => receiverDown({ downSeconds: form === 'short' ? 8 : longDown() }) },
  { name: 'reset on accept (TCP)', expected: 'survive', run: () => resetOnAccept({ resets: 2 }) },
  { name: 'reset on accept (TLS)', expected: 'survive', run: () => resetOnAccept({ resets: 2, tls: true }) },
  { name: 'reset mid-batch', expected: 'survive', run: () => resetMidBatch({ resets: 2, afterBytes: 3000 }) },
  { name: 'reset mid-batch, confirm_delivery: false', expected: 'loss warned', run: () => resetWriteAcknowledged({ resets: 2, afterBytes: 3000 }) },
  { name: 'stalled reads', expected: 'survive', run: (form) => stalledReads({ stallSeconds: form === 'short' ? 5 : 45 }) },
  { name: 'expired server certificate', expected: 'OutputError 401', run: () => badServerCertificate({ kind: 'expired' }) },
  { name: 'untrusted server CA', expected: 'OutputError 401', run: () => badServerCertificate({ kind: 'wrong-ca' }) },
];

/** The results as a Markdown table (chaos/index.ts and this file's own runs print it). */
export function outputTable(results: readonly OutputResult[]): string {
  const rows = results.map(
    (r) => `| ${r.name} | ${r.expected} | ${r.outcome} | ${r.seconds.toFixed(1)} | ${r.events} | ${r.received} | ${r.distinct} | ${r.lost} | ${r.ok ? 'ok' : 'FAILED'} | ${r.notes.replaceAll('|', '/')} |`,
  );
  return ['| fault | expected | outcome | seconds | events | received | distinct | lost | ok | notes |', '|---|---|---|---|---|---|---|---|---|---|', ...rows].join('\n');
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const form = process.env['CHAOS_OUTPUT_FORM'] === 'short' ? 'short' : 'long';
  const results: OutputResult[] = [];
  for (const scenario of OUTPUT_SCENARIOS) {
    const result = await scenario.run(form);
    results.push(result);
    process.stderr.write(`${result.name}: ${result.outcome} (${result.seconds.toFixed(1)} s)\n`);
  }
  process.stdout.write(`## Output faults (${form} form)\n${outputTable(results)}\n`);
  if (results.some((r) => !r.ok)) process.exitCode = 1;
}
