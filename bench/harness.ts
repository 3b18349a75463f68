// Shared pieces of the benchmarks: the receiver process, measured child processes, collector configs.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { makeTestPki, type TestPki } from '../test/helpers/certs.ts';

const ROOT = resolve(import.meta.dirname, '..');
const HOOK = join(ROOT, 'bench/rusage-hook.ts');

export interface Receiver {
  readonly port: number;
  count(): Promise<{ lines: number; bytes: number }>;
  reset(): Promise<void>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  close(): void;
}

export async function startReceiver(pki: TestPki): Promise<Receiver> {
  const child = spawn(process.execPath, [join(ROOT, 'bench/receiver.ts'), pki.serverKeyPath, pki.serverCertPath, pki.caCertPath], { stdio: ['pipe', 'pipe', 'inherit'] });
  const replies = createInterface({ input: child.stdout });
  const queue: Array<(line: string) => void> = [];
  replies.on('line', (line) => queue.shift()?.(line));
  const next = () => new Promise<string>((resolvePromise) => queue.push(resolvePromise));
  const { port } = JSON.parse(await next()) as { port: number };
  const command = async (cmd: string) => {
    const reply = next();
    child.stdin.write(`${JSON.stringify({ cmd })}\n`);
    return JSON.parse(await reply) as { lines: number; bytes: number };
  };
  return {
    port,
    count: () => command('count'),
    reset: async () => void (await command('reset')),
    pause: async () => void (await command('pause')),
    resume: async () => void (await command('resume')),
    close: () => child.kill(),
  };
}

export interface Measured {
  readonly code: number | null;
  readonly wallMs: number;
  readonly cpuSeconds: number;
  readonly maxRssMb: number;
  readonly stderr: string;
  readonly stdout: string;
}

/** Runs `node --import rusage-hook <args>` and reports wall time, CPU (user+system) and peak RSS. */
export async function runMeasured(args: readonly string[], env: Record<string, string> = {}): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), 'auditpull-bench-'));
  const usageFile = join(dir, 'rusage.json');
  const started = performance.now();
  // BENCH_CPU_PROF=dir profiles the measured processes (node --cpu-prof), to find what to fix.
  const profile = process.env['BENCH_CPU_PROF'] ? ['--cpu-prof', '--cpu-prof-dir', process.env['BENCH_CPU_PROF']] : [];
  const child = spawn(process.execPath, ['--no-warnings', ...profile, '--import', HOOK, ...args], {
    env: { ...process.env, ...env, BENCH_RUSAGE_FILE: usageFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolvePromise) => child.on('close', (c) => resolvePromise(c)));
  const wallMs = performance.now() - started;
  let usage = { userUs: 0, systemUs: 0, maxRssKb: 0 };
  try {
    usage = JSON.parse(readFileSync(usageFile, 'utf8')) as typeof usage;
  } catch {
    // the process died before its exit hook
  }
  rmSync(dir, { recursive: true, force: true });
  return { code, wallMs, cpuSeconds: (usage.userUs + usage.systemUs) / 1e6, maxRssMb: usage.maxRssKb / 1024, stderr, stdout };
}

export const CLI = join(ROOT, 'runner/cli.ts');
export const BASELINE = join(ROOT, 'bench/baseline.ts');

export function benchPki(): Promise<TestPki> {
  return makeTestPki();
}

/** A fresh folder with a collector config: one input section, a TLS devo_platform output to the receiver. */
export function collectorConfig(pki: TestPki, receiverPort: number, inputs: string, extraOutput = ''): { dir: string; config: string } {
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
      `  devo: {type: devo_platform, config: {address: localhost, port: ${receiverPort}, type: SSL, chain: ${pki.caCertPath}, cert: ${pki.clientCertPath}, key: ${pki.clientKeyPath}, hostname: bench${extraOutput}}}`,
      'inputs:',
      inputs,
      '',
    ].join('\n'),
  );
  return { dir, config };
}

export const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');

/** Reads VmRSS of a running process, MiB (0 once it is gone). */
export function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

export const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
