import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const CLI = resolve(import.meta.dirname, '../../runner/cli.ts');

export interface CliRun {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  /** Resolves with the exit code (or the signal name) when the process ends. */
  readonly exited: Promise<number | string>;
}

/** Start the CLI from source (Node 24 strips the types) as a real process, as users run it. */
export function startCli(args: readonly string[], options: { env?: Record<string, string>; cwd?: string } = {}): CliRun {
  const child = spawn(process.execPath, ['--no-warnings', CLI, ...args], {
    cwd: options.cwd ?? process.cwd(),
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run: CliRun = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((resolvePromise) => child.on('exit', (code, signal) => resolvePromise(code ?? signal ?? -1))),
  };
  child.stdout?.on('data', (chunk: Buffer) => (run.stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (run.stderr += chunk.toString()));
  return run;
}

/** Run the CLI to completion. */
export async function runCli(args: readonly string[], options: { env?: Record<string, string>; cwd?: string } = {}) {
  const run = startCli(args, options);
  const code = await run.exited;
  return { code, stdout: run.stdout, stderr: run.stderr };
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
