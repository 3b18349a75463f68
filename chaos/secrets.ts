// Secrets (issue 9, part 6): every chaos run uses credentials with values made for this process, and
// everything the collector leaves behind — each log line it wrote, each line the receiver got, each
// /metrics page scraped, the state file's bytes and `state show --json` — is searched for them and for
// every tenant token the Lark simulator minted. A single hit fails the suite.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DEFAULT_ACTIONTRAIL_SIM_CREDENTIAL } from '../sim/actiontrail/index.ts';
import { DEFAULT_LARK_SIM_APP } from '../sim/lark/index.ts';

const CLI = resolve(import.meta.dirname, '../runner/cli.ts');
const tag = randomBytes(8).toString('hex');

/** The secret values of this process's chaos runs. */
export const CHAOS_SECRETS = {
  larkAppSecret: `LarkAppSecret${tag}`,
  alibabaAccessKeySecret: `AlibabaKeySecret${tag}`,
  alibabaSecurityToken: `AlibabaStsToken${tag}`,
} as const;

/** The environment the collector reads them from (the config says `${CHAOS_…}`). */
export const CHAOS_ENV: Readonly<Record<string, string>> = {
  CHAOS_LARK_SECRET: CHAOS_SECRETS.larkAppSecret,
  CHAOS_ALIBABA_SECRET: CHAOS_SECRETS.alibabaAccessKeySecret,
  CHAOS_STS_TOKEN: CHAOS_SECRETS.alibabaSecurityToken,
};

/** What the simulators must accept. */
export const chaosLarkApp = () => ({ appId: DEFAULT_LARK_SIM_APP.appId, appSecret: CHAOS_SECRETS.larkAppSecret });
export const chaosAlibabaCredential = () => ({
  accessKeyId: DEFAULT_ACTIONTRAIL_SIM_CREDENTIAL.accessKeyId,
  accessKeySecret: CHAOS_SECRETS.alibabaAccessKeySecret,
  securityToken: CHAOS_SECRETS.alibabaSecurityToken,
});

/** The `credentials:` values of the config, as flow mappings. */
export const LARK_CREDENTIALS_YAML = `{app_id: ${DEFAULT_LARK_SIM_APP.appId}, app_secret: "\${CHAOS_LARK_SECRET}"}`;
export const ALIBABA_CREDENTIALS_YAML = `{access_key_id: ${DEFAULT_ACTIONTRAIL_SIM_CREDENTIAL.accessKeyId}, access_key_secret: "\${CHAOS_ALIBABA_SECRET}", security_token: "\${CHAOS_STS_TOKEN}"}`;

/** What every chaos scenario reports. */
export interface ChaosResult {
  readonly name: string;
  /** `survive`, or the coded error (or behaviour) expected. */
  readonly expected: string;
  readonly outcome: string;
  readonly seconds: number;
  /** Events the simulator holds. */
  readonly events: number;
  /** Lines at the receiver, and how many distinct events they hold. */
  readonly received: number;
  readonly distinct: number;
  readonly ok: boolean;
}

/** Totals over every scan, for the README's figures. */
export const SECRET_SCAN_TOTALS = { surfaces: 0, bytes: 0, findings: 0 };

/**
 * Collects what a run left behind; `findings` then searches it for the secrets and the given tokens.
 * Surfaces are named (`stderr of run 3`, `state file`, …) so a finding says where the leak is.
 */
export class SecretScan {
  readonly #surfaces: Array<{ where: string; text: string }> = [];

  add(where: string, text: string | Buffer): void {
    // latin1 keeps every byte as one character: an ASCII secret inside binary (SQLite pages) is still found.
    this.#surfaces.push({ where, text: typeof text === 'string' ? text : text.toString('latin1') });
  }

  /** The state a config's collector left: the SQLite file and its WAL, and what `state show --json` prints. */
  addState(configPath: string): void {
    const file = join(dirname(configPath), 'state/auditpull.sqlite');
    for (const suffix of ['', '-wal']) if (existsSync(file + suffix)) this.add(`state file${suffix}`, readFileSync(file + suffix));
    const shown = spawnSync(process.execPath, ['--no-warnings', CLI, 'state', 'show', '--json', '--config', configPath], { env: { ...process.env, ...CHAOS_ENV }, encoding: 'utf8' });
    this.add('state show --json', `${shown.stdout}${shown.stderr}`);
  }

  /** Scrapes `/metrics` on `port` if it answers (a run may not have opened it yet). */
  async addMetrics(port: number): Promise<boolean> {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2000) });
      this.add('/metrics', await response.text());
      return true;
    } catch {
      return false;
    }
  }

  /** Where each secret (and each of `tokens`) was found; empty when nothing leaked. */
  findings(tokens: readonly string[] = []): string[] {
    const secrets = [...Object.entries(CHAOS_SECRETS), ...tokens.map((token, i) => [`tenant token ${i + 1}`, token] as const)];
    const found: string[] = [];
    for (const { where, text } of this.#surfaces) {
      SECRET_SCAN_TOTALS.surfaces += 1;
      SECRET_SCAN_TOTALS.bytes += text.length;
      for (const [name, value] of secrets) if (value.length >= 8 && text.includes(value)) found.push(`${name} in ${where}`);
    }
    SECRET_SCAN_TOTALS.findings += found.length;
    return found;
  }
}

/**
 * A scan over a whole group of runs (a test file, a chaos section): collectors' logs as they end, their
 * config folders' states and the sims' minted tokens, searched once by `findings` at the end.
 */
export class RunScan {
  readonly #scan = new SecretScan();
  readonly #sims: Array<{ mintedTokens(): string[] }> = [];
  readonly #configs: string[] = [];

  log(where: string, text: string): void {
    this.#scan.add(where, text);
  }

  sim(sim: { mintedTokens(): string[] }): void {
    this.#sims.push(sim);
  }

  config(path: string): void {
    this.#configs.push(path);
  }

  /** Where a secret or tenant token was found in what the runs left (call once, at the end). */
  findings(): string[] {
    for (const config of this.#configs.splice(0)) this.#scan.addState(config);
    return this.#scan.findings(this.#sims.flatMap((sim) => sim.mintedTokens()));
  }
}
