// Shared pieces of the benchmarks: the receiver process, measured child processes, collector configs,
// delivery checks and formatting.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { DEFAULT_ACTIONTRAIL_SIM_CREDENTIAL } from '../sim/actiontrail/index.ts';
import { DEFAULT_LARK_SIM_APP } from '../sim/lark/index.ts';
import { makeTestPki, type TestPki } from '../test/helpers/certs.ts';
import type { ReceiverCounts } from './receiver.ts';

export type { ReceiverCounts } from './receiver.ts';
export type { TestPki } from '../test/helpers/certs.ts';

export const ROOT = resolve(import.meta.dirname, '..');
export const CLI = join(ROOT, 'runner/cli.ts');
const HOOK = join(ROOT, 'bench/rusage-hook.ts');
/** The simulators' secret, handed to the collector through the environment as a user would. */
export const SIM_SECRET = 'sim-secret';

// ---- sizes -------------------------------------------------------------------------------------------

/** `BENCH_SCALE` multiplies every default event count (0.1 for a quick look, 2 for a longer run). */
export const SCALE = Number(process.env['BENCH_SCALE'] ?? 1);
if (!(SCALE > 0)) throw new Error(`BENCH_SCALE must be a positive number, got ${process.env['BENCH_SCALE']}`);

/** An event count: the env variable when set, else `fallback × BENCH_SCALE`. */
export function count(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined ? Math.round(fallback * SCALE) : Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return value;
}

/** A number setting from the environment (not scaled). */
export function setting(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined ? fallback : Number(raw);
  if (!(value > 0)) throw new Error(`${name} must be a positive number, got ${raw}`);
  return value;
}

// ---- the receiver process -----------------------------------------------------------------------------

export interface Receiver {
  readonly port: number;
  readonly pid: number;
  count(): Promise<ReceiverCounts>;
  reset(): Promise<ReceiverCounts>;
  pause(): Promise<ReceiverCounts>;
  resume(): Promise<ReceiverCounts>;
  /** How many of `keys` the receiver never read. */
  check(keys: readonly string[]): Promise<{ checked: number; missing: number }>;
  close(): Promise<void>;
}

export async function startReceiver(pki: TestPki): Promise<Receiver> {
  const child = spawn(process.execPath, ['--no-warnings', join(ROOT, 'bench/receiver.ts'), pki.serverKeyPath, pki.serverCertPath, pki.caCertPath], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const replies = createInterface({ input: child.stdout });
  const queue: Array<(line: string) => void> = [];
  replies.on('line', (line) => queue.shift()?.(line));
  let exited = false;
  child.on('exit', (code) => {
    exited = true;
    if (queue.length > 0) throw new Error(`the receiver process exited (${code}) with commands unanswered`);
  });
  const next = () => new Promise<string>((resolvePromise) => queue.push(resolvePromise));
  const { port } = JSON.parse(await next()) as { port: number };
  const command = async (request: object): Promise<ReceiverCounts> => {
    if (exited) throw new Error('the receiver process is gone');
    const reply = next();
    child.stdin.write(`${JSON.stringify(request)}\n`);
    return JSON.parse(await reply) as ReceiverCounts;
  };
  return {
    port,
    pid: child.pid!,
    count: () => command({ cmd: 'count' }),
    reset: () => command({ cmd: 'reset' }),
    pause: () => command({ cmd: 'pause' }),
    resume: () => command({ cmd: 'resume' }),
    async check(keys) {
      const dir = mkdtempSync(join(tmpdir(), 'auditpull-bench-'));
      const file = join(dir, 'keys.json');
      writeFileSync(file, JSON.stringify(keys));
      try {
        const reply = await command({ cmd: 'check', file });
        return { checked: reply.checked ?? 0, missing: reply.missing ?? 0 };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    close: () =>
      new Promise<void>((resolvePromise) => {
        if (exited) return resolvePromise();
        child.once('exit', () => resolvePromise());
        child.stdin.end();
      }),
  };
}

/**
 * Fails loudly unless the receiver got exactly `expected` events, each once, all valid, all with `tag`.
 * Benchmarks never assert timings, but a run that loses or duplicates events measures nothing.
 */
export function checkDelivery(what: string, counts: ReceiverCounts, expected: number, tag: string, details = ''): void {
  const problems: string[] = [];
  if (counts.lines !== expected) problems.push(`${counts.lines} lines for ${expected} events`);
  if (counts.distinct !== expected) problems.push(`${counts.distinct} distinct events of ${expected}`);
  if (counts.duplicates > 0) problems.push(`${counts.duplicates} duplicates`);
  if (counts.invalid > 0) problems.push(`${counts.invalid} lines that are not Devo JSON events`);
  const otherTags = Object.keys(counts.tags).filter((t) => t !== tag);
  if (otherTags.length > 0) problems.push(`unexpected tags ${otherTags.join(', ')}`);
  if (problems.length > 0) throw new Error(`${what}: LOST OR DUPLICATED EVENTS: ${problems.join('; ')}${details ? `\n${details}` : ''}`);
}

// ---- measured processes -------------------------------------------------------------------------------

export interface Measured {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly wallMs: number;
  /** User + system CPU of the process (from its own getrusage at exit; 0 if it was killed). */
  readonly cpuSeconds: number;
  /** Peak RSS (getrusage ru_maxrss, the kernel's VmHWM), MiB; else the highest VmRSS sampled. */
  readonly maxRssMb: number;
  readonly stderr: string;
  readonly stdout: string;
}

export interface Spawned {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly done: Promise<Measured>;
}

/**
 * Starts `node --import rusage-hook <args>`: at exit the process writes its own CPU time and peak RSS.
 * VmRSS is also sampled every 100 ms, in case the process is killed. `BENCH_CPU_PROF=dir` adds
 * `--cpu-prof` (profiles of every measured process, to find what to fix).
 */
export function spawnMeasured(args: readonly string[], env: Record<string, string> = {}): Spawned {
  const dir = mkdtempSync(join(tmpdir(), 'auditpull-bench-'));
  const usageFile = join(dir, 'rusage.json');
  const started = performance.now();
  const profile = process.env['BENCH_CPU_PROF'] ? ['--cpu-prof', '--cpu-prof-dir', process.env['BENCH_CPU_PROF']] : [];
  const child = spawn(process.execPath, ['--no-warnings', ...profile, '--import', HOOK, ...args], {
    env: { ...process.env, ...env, BENCH_RUSAGE_FILE: usageFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => {
    // Collector logs can be long: keep the end, where failures are.
    stderr = (stderr + chunk.toString()).slice(-200_000);
  });
  let sampledMb = 0;
  const sampler = setInterval(() => (sampledMb = Math.max(sampledMb, procMemory(child.pid!).rssMb)), 100);
  const done = new Promise<Measured>((resolvePromise) =>
    child.on('close', (code, signal) => {
      clearInterval(sampler);
      const wallMs = performance.now() - started;
      let usage: { userUs: number; systemUs: number; maxRssKb: number } | undefined;
      try {
        usage = JSON.parse(readFileSync(usageFile, 'utf8')) as typeof usage;
      } catch {
        // killed before its exit hook
      }
      rmSync(dir, { recursive: true, force: true });
      resolvePromise({
        code,
        signal,
        wallMs,
        cpuSeconds: usage ? (usage.userUs + usage.systemUs) / 1e6 : 0,
        maxRssMb: usage ? usage.maxRssKb / 1024 : sampledMb,
        stderr,
        stdout,
      });
    }),
  );
  return { child, pid: child.pid!, done };
}

export function runMeasured(args: readonly string[], env: Record<string, string> = {}): Promise<Measured> {
  return spawnMeasured(args, env).done;
}

/** VmRSS and VmHWM (peak) of a running process, MiB; zeros once it is gone. */
export function procMemory(pid: number): { rssMb: number; hwmMb: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
    return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
  } catch {
    return { rssMb: 0, hwmMb: 0 };
  }
}

/** user+system CPU seconds of a running process so far, from /proc/<pid>/stat. */
export function procCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat (11 and 12 after the command), in clock ticks (100/s on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

// ---- collector configs --------------------------------------------------------------------------------

/** A fresh folder with a collector config: SQLite state, one TLS devo_platform output to the receiver. */
export function collectorConfig(pki: TestPki, receiverPort: number, inputs: string, outputExtra = ''): { dir: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), 'auditpull-bench-'));
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    [
      'globals:',
      '  name: bench',
      '  persistence: {type: sqlite, path: state/auditpull.sqlite}',
      '  sender_stats_period_in_sec: 0',
      'outputs:',
      `  devo: {type: devo_platform, config: {address: localhost, port: ${receiverPort}, type: SSL, chain: ${pki.caCertPath}, cert: ${pki.clientCertPath}, key: ${pki.clientKeyPath}, hostname: bench${outputExtra}}}`,
      'inputs:',
      inputs,
      '',
    ].join('\n'),
  );
  return { dir, config };
}

/** The lark input section of a config: `services` are lines such as `audit_infos: {…}`. */
export function larkInput(url: string, requestsPerMinute: number, services: readonly string[]): string {
  return [
    '  lark:',
    '    id: 1',
    `    credentials: {app_id: ${DEFAULT_LARK_SIM_APP.appId}, app_secret: "\${BENCH_SECRET}"}`,
    `    requests_per_minute: ${requestsPerMinute}`,
    `    override_base_url: ${url}`,
    '    services:',
    ...services.map((s) => `      ${s}`),
  ].join('\n');
}

/** The alibaba input section of a config with one service line. */
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

/** Runs `auditpull run --once` on `config` as its own measured process. */
export function runCollectorOnce(config: string): Promise<Measured> {
  return runMeasured([CLI, 'run', '--once', '--config', config], { BENCH_SECRET: SIM_SECRET });
}

// ---- formatting ---------------------------------------------------------------------------------------

export const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');

export const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export const sleep = (ms: number) => new Promise<void>((resolvePromise) => setTimeout(resolvePromise, ms));

export function benchPki(): Promise<TestPki> {
  return makeTestPki();
}
