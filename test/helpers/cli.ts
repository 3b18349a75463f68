import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const CLI = resolve(import.meta.dirname, '../../runner/cli.ts');

export interface CliRun {
  readonly child: ChildProcess;
  stdout: string;
  /** stderr with each JSON log record rendered as `time LEVEL scope -> msg (k=v, …)`, for readable assertions. */
  stderr: string;
  /** stderr as the process wrote it (JSON lines when not on a TTY). */
  rawStderr: string;
  /** Resolves with the exit code (or the signal name) when the process ends. */
  readonly exited: Promise<number | string>;
}

/** Start the CLI from source (Node 24 strips the types) as a real process, as users run it. */
export interface CliOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** Run under `ulimit -f`: writes that would grow a file past this fail (EFBIG), as on a full disk. */
  fileSizeLimitKiB?: number;
}

export function startCli(args: readonly string[], options: CliOptions = {}): CliRun {
  const argv = [process.execPath, '--no-warnings', CLI, ...args];
  const [command, commandArgs] =
    options.fileSizeLimitKiB === undefined ? [argv[0]!, argv.slice(1)] : ['/bin/sh', ['-c', `ulimit -f ${options.fileSizeLimitKiB * 2} && exec "$@"`, 'sh', ...argv]];
  const child = spawn(command, commandArgs, {
    cwd: options.cwd ?? process.cwd(),
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run: CliRun = {
    child,
    stdout: '',
    stderr: '',
    rawStderr: '',
    exited: new Promise((resolvePromise) => child.on('close', (code, signal) => resolvePromise(code ?? signal ?? -1))),
  };
  child.stdout?.on('data', (chunk: Buffer) => (run.stdout += chunk.toString()));
  let partial = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    run.rawStderr += text;
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) run.stderr += `${renderLogLine(line)}\n`;
  });
  child.stderr?.on('end', () => {
    if (partial !== '') run.stderr += renderLogLine(partial);
  });
  return run;
}

const RECORD_KEYS = new Set(['level', 'time', 'scope', 'msg', 'input', 'service']);

/** A pino JSON record as the text log line it stands for; anything else unchanged. */
export function renderLogLine(line: string): string {
  if (!line.startsWith('{')) return line;
  try {
    const record = JSON.parse(line) as Record<string, unknown>;
    if (typeof record['msg'] !== 'string') return line;
    const fields = Object.entries(record)
      .filter(([key]) => !RECORD_KEYS.has(key))
      .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
    return `${String(record['time'])} ${String(record['level']).toUpperCase().padEnd(5)} ${String(record['scope'])} -> ${record['msg']}${fields.length ? ` (${fields.join(', ')})` : ''}`;
  } catch {
    return line;
  }
}

/** Run the CLI to completion. */
export async function runCli(args: readonly string[], options: CliOptions = {}) {
  const run = startCli(args, options);
  const code = await run.exited;
  await new Promise((resolve) => setImmediate(resolve));
  return { code, stdout: run.stdout, stderr: run.stderr, rawStderr: run.rawStderr };
}

/** A fresh folder with `config.yaml` holding `yaml`; returns the folder and the config path. */
export function writeConfig(yaml: string, dir = mkdtempSync(join(tmpdir(), 'auditpull-e2e-'))): { dir: string; config: string } {
  const config = join(dir, 'config.yaml');
  writeFileSync(config, yaml);
  return { dir, config };
}

/** Poll `check` until it holds or `timeoutMs` passes. */
export async function waitFor(check: () => boolean, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const isoSeconds = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/** A Lark collector config writing to a TCP line receiver. */
export function larkConfig(options: {
  simUrl: string;
  receiverPort: number;
  start: string;
  appId?: string;
  appSecretEnv?: string;
  service?: Record<string, string | number>;
}): string {
  const service = { initial_start_time_in_utc: `"${options.start}"`, request_period_in_seconds: 1, ...options.service };
  return [
    'globals:',
    '  name: e2e',
    '  persistence: {type: sqlite, path: state/auditpull.sqlite}',
    'outputs:',
    `  relay: {type: devo_platform, config: {address: 127.0.0.1, port: ${options.receiverPort}, type: TCP, hostname: e2e-host}}`,
    'inputs:',
    '  lark:',
    '    id: 1',
    `    credentials: {app_id: ${options.appId ?? 'cli_sim_app'}, app_secret: "\${${options.appSecretEnv ?? 'LARK_APP_SECRET'}}"}`,
    `    override_base_url: ${options.simUrl}`,
    '    services:',
    `      audit_infos: {${Object.entries(service).map(([k, v]) => `${k}: ${v}`).join(', ')}}`,
    '',
  ].join('\n');
}
