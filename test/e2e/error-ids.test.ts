// Issue 7, item 3: every id of ERROR_TABLE is produced the way a user meets it — the real CLI
// (`run --once`, `state show`) against the simulators, real Redis, sockets and files — and neither the
// `[Family id] message` nor anything else the CLI printed names a secret. Every config carries known
// secret values (Lark app_secret, Alibaba AccessKey secret and STS token, Devo HTTP token, PKCS#12
// password, Redis and Postgres passwords in URLs, the obfuscation salt), most of them written literally
// in the file, and a disabled decoy input with more of them, so a message echoing the config leaks too;
// the Lark tenant_access_token the shared simulator issues is checked as well. Runs log at debug level.
// The test iterates the table: an id without a case below fails, and so does a case for an id the table
// lacks. Cases run concurrently (the slow ones wait out the clients' retries), each with its own config
// and state; simulators without injected faults are shared.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_TABLE, openStateStore } from '../../lib/index.ts';
import { startActionTrailSim, type ActionTrailSim } from '../../sim/actiontrail/index.ts';
import { startDevoHttpReceiver, startLineReceiver, type DevoHttpReceiver, type LineReceiver } from '../../sim/devo/index.ts';
import { startLarkSim, TOKEN_PATH, type LarkSim } from '../../sim/lark/index.ts';
import { startSlsSim, type SlsSim } from '../../sim/sls/index.ts';
import { makeTestPki, type TestPki } from '../helpers/certs.ts';
import { isoSeconds, startCli, writeConfig } from '../helpers/cli.ts';
import { freePort, startRedis, type RunningServer } from '../helpers/servers.ts';

/** Known secret values. A wrong credential a case uses is the secret plus a suffix, so it is caught too. */
const SECRETS = {
  larkAppSecret: 'S3CRET-lark-9f2',
  alibabaSecret: 'S3CRET-ali-7c1',
  stsToken: 'S3CRET-sts-4d8',
  devoToken: 'S3CRETdevotoken0123456789abcdef',
  p12Password: 'S3CRET-p12-5e0',
  redisPassword: 'S3CRET-redis-2b6',
  postgresPassword: 'S3CRET-pg-8a3',
  salt: 'S3CRET-salt-3c9',
} as const;
/** Secrets only known once the fixtures run: the tenant_access_token the shared Lark simulator hands out. */
const issuedSecrets: Record<string, string> = {};

type Row = (typeof ERROR_TABLE)[keyof typeof ERROR_TABLE];
const TABLE = new Map<number, Row>(Object.entries(ERROR_TABLE).map(([id, row]) => [Number(id), row]));
const CONFIG_FAMILIES = new Set(['ConfigError', 'InitVariablesError']);

// ---------------------------------------------------------------------------------------------------
// Shared fixtures (started in beforeAll)

const nowS = Math.floor(Date.now() / 1000);
const START = isoSeconds((nowS - 3600) * 1000);
const LARK_APP = { appId: 'cli_err_app', appSecret: SECRETS.larkAppSecret };
const ALIBABA = { accessKeyId: 'LTAI_err', accessKeySecret: SECRETS.alibabaSecret, securityToken: SECRETS.stsToken };

let lark: LarkSim;
let trail: ActionTrailSim;
let sls: SlsSim;
let receiver: LineReceiver;
let http: DevoHttpReceiver;
let redis: RunningServer;
let redisPort: string;
let pki: TestPki;
let p12: string;
/** A port nothing listens on. */
let deadPort: number;
const cleanups: Array<() => Promise<unknown>> = [];

// ---------------------------------------------------------------------------------------------------
// Config pieces

/** The Lark input, secrets written in the file, hashing one field with a secret salt. */
function larkInput(url: string, options: { secret?: string; service?: string } = {}): string[] {
  return [
    '  lark:',
    `    credentials: {app_id: ${LARK_APP.appId}, app_secret: "${options.secret ?? SECRETS.larkAppSecret}"}`,
    `    override_base_url: ${url}`,
    '    services:',
    `      audit_infos: {initial_start_time_in_utc: "${START}", request_period_in_seconds: 1, obfuscate: {fields: [operator_value], mode: hash, salt: "${SECRETS.salt}"}${options.service ?? ''}}`,
  ];
}

/** The Alibaba input with an STS credential and one service line. */
function alibabaInput(service: string, secret: string = SECRETS.alibabaSecret): string[] {
  return [
    '  alibaba:',
    `    credentials: {access_key_id: ${ALIBABA.accessKeyId}, access_key_secret: "${secret}", security_token: "${SECRETS.stsToken}"}`,
    '    region: cn-hangzhou',
    '    services:',
    `      ${service}`,
  ];
}
const actiontrail = (url: string, extra = '') => `actiontrail: {override_base_url: ${url}, initial_start_time_in_utc: "${START}", requests_per_second: 1000${extra}}`;
const logService = (url: string, extra = '') =>
  `actiontrail_log_service: {project: sim-project, logstore: actiontrail_sim-trail, override_base_url: ${url}, initial_start_time_in_utc: "${START}", count: 20${extra}}`;

/** A disabled input every config carries: more secrets a message must not echo. */
const DECOY = [
  '  decoy:',
  '    type: alibaba',
  '    enabled: false',
  `    credentials: {access_key_id: LTAI_decoy, access_key_secret: "${SECRETS.alibabaSecret}-decoy", security_token: "${SECRETS.stsToken}-decoy"}`,
  '    region: cn-hangzhou',
];

const tcpOutput = () => `{type: devo_platform, config: {address: 127.0.0.1, port: ${receiver.port}, type: TCP, hostname: e2e}}`;
const httpOutput = (token: string = SECRETS.devoToken) => `{type: devo_http, config: {endpoint: "${http.url}", domain: e2e, token: "${token}", hostname: e2e}}`;
const redisUrl = (user: string, password: string) => `redis://${user}:${password}@127.0.0.1:${redisPort}`;

/** A whole config: the shared TCP receiver and Devo HTTP receiver as outputs and SQLite state unless told. */
function config(inputs: string[], options: { outputs?: Record<string, string>; persistence?: string; globals?: string[] } = {}): string {
  const outputs = options.outputs ?? { relay: tcpOutput(), http: httpOutput() };
  return [
    'globals:',
    '  name: error-ids',
    `  persistence: ${options.persistence ?? '{type: sqlite, path: state/auditpull.sqlite}'}`,
    '  sender_stats_period_in_sec: 0',
    ...(options.globals ?? []),
    'outputs:',
    ...Object.entries(outputs).map(([name, output]) => `  ${name}: ${output}`),
    'inputs:',
    ...inputs,
    ...DECOY,
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------
// Cases: how each id is produced

interface CliOutcome {
  readonly code: number | string;
  readonly stdout: string;
  readonly rawStderr: string;
}

interface Case {
  readonly id: number;
  readonly how: string;
  /** Waits out a client's retries (about 15–31 s): started first. */
  readonly slow?: boolean;
  /** The final coded message must match. */
  readonly message: RegExp;
  run(): Promise<CliOutcome>;
}

/** A CLI run still going after this long is killed (its case then fails, instead of hanging the file). */
const CLI_TIMEOUT_MS = 75_000;

async function cli(args: string[], env: Record<string, string> = {}): Promise<CliOutcome> {
  const run = startCli(args, { env });
  const timer = setTimeout(() => run.child.kill('SIGKILL'), CLI_TIMEOUT_MS);
  const code = await run.exited;
  clearTimeout(timer);
  await new Promise((resolve) => setImmediate(resolve));
  return { code, stdout: run.stdout, rawStderr: run.rawStderr };
}
/** `run --once` on a config text written to a fresh folder, logging at debug level (more to leak from). */
const runOnce = (text: string, env: Record<string, string> = {}) => cli(['run', '--once', '--log-level', 'debug', '--config', writeConfig(text).config], env);

async function listen<T extends Server | HttpServer>(server: T): Promise<T> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return server;
}
const portOf = (server: Server | HttpServer) => (server.address() as AddressInfo).port;

/** A Lark simulator of its own, for a case that injects faults. */
async function ownLark(): Promise<LarkSim> {
  const sim = await startLarkSim({ apps: [LARK_APP] });
  sim.generateEvents({ count: 5, fromSeconds: nowS - 1800, toSeconds: nowS - 100 });
  cleanups.push(() => sim.close());
  return sim;
}
/** An SLS simulator of its own (one shard, a few events), for a case that injects faults. */
async function ownSls(): Promise<SlsSim> {
  const sim = await startSlsSim({ shards: 1, credentials: [ALIBABA] });
  sim.writeActionTrailEvents({ count: 10, fromSeconds: nowS - 1800, toSeconds: nowS - 100, perGroup: 5 });
  cleanups.push(() => sim.close());
  return sim;
}

const CASES: readonly Case[] = [
  // Config and init (0–99): refused before anything is opened.
  {
    id: 1,
    how: 'run --once, initial_start_time_in_utc "2024-06-01 00:00:00"',
    message: /initial_start_time_in_utc is not set as per the datetime_format/,
    run: () => runOnce(config(larkInput(lark.url)).replace(`"${START}"`, '"2024-06-01 00:00:00"')),
  },
  {
    id: 2,
    how: 'run --once, initial_start_time_in_utc in 2999',
    message: /is in the future/,
    run: () => runOnce(config(larkInput(lark.url)).replace(`"${START}"`, '"2999-01-01T00:00:00Z"')),
  },
  {
    id: 10,
    how: 'run --once --config on a path that does not exist',
    message: /cannot be read: ENOENT/,
    run: () => cli(['run', '--once', '--config', join(tmpdir(), 'auditpull-no-such-dir', 'config.yaml')]),
  },
  {
    id: 11,
    how: 'run --once, the closing quote of the literal app_secret missing',
    message: /not valid YAML at line \d+/,
    run: () => runOnce(config(larkInput(lark.url)).replace(`app_secret: "${SECRETS.larkAppSecret}"`, `app_secret: "${SECRETS.larkAppSecret}`)),
  },
  {
    id: 12,
    how: 'run --once, app_secret: "${AUDITPULL_UNSET_SECRET}" not in the environment',
    message: /Environment variable AUDITPULL_UNSET_SECRET .* is not set/,
    run: () => runOnce(config(larkInput(lark.url, { secret: '${AUDITPULL_UNSET_SECRET}' }))),
  },
  {
    id: 13,
    how: 'run --once, output port "many"',
    message: /Invalid configuration: outputs\.relay\.config\.port/,
    run: () => runOnce(config(larkInput(lark.url)).replace(`port: ${receiver.port}, type: TCP`, 'port: "many", type: TCP')),
  },
  {
    id: 13,
    how: 'run --once, a Redis persistence URL with a password and the wrong scheme',
    message: /Invalid configuration: globals\.persistence/,
    run: () => runOnce(config(larkInput(lark.url), { persistence: `{type: redis, url: "http://collector:${SECRETS.redisPassword}@127.0.0.1:${redisPort}"}` })),
  },
  {
    id: 13,
    how: 'run --once, app_secret given as a list holding the secret',
    message: /Invalid configuration: inputs\.lark\.credentials\.app_secret/,
    run: () => runOnce(config(larkInput(lark.url)).replace(`app_secret: "${SECRETS.larkAppSecret}"`, `app_secret: ["${SECRETS.larkAppSecret}"]`)),
  },
  {
    id: 14,
    how: 'run --once, the only service disabled (the decoy input is disabled too)',
    message: /No enabled service/,
    run: () => runOnce(config(larkInput(lark.url, { service: ', enabled: false' }))),
  },
  {
    id: 15,
    how: 'state show --service no_such_service',
    message: /No configured service matches --service no_such_service/,
    run: () => cli(['state', 'show', '--service', 'no_such_service', '--config', writeConfig(config(larkInput(lark.url))).config]),
  },
  {
    id: 16,
    how: 'run --once, globals.metrics on a port another server holds',
    message: /Cannot serve metrics on 127\.0\.0\.1:\d+: EADDRINUSE/,
    run: async () => {
      const busy = await listen(createServer());
      return runOnce(config(larkInput(lark.url), { globals: [`  metrics: {port: ${portOf(busy)}, host: 127.0.0.1}`] }));
    },
  },

  // Setup (100–199): the first token and log requests.
  {
    id: 100,
    how: 'run --once, Lark app_secret wrong (the token request is refused)',
    message: /generating auth token from Lark server .*check app_id and app_secret/,
    run: () => runOnce(config(larkInput(lark.url, { secret: `${SECRETS.larkAppSecret}-wrong` }))),
  },
  {
    id: 100,
    how: 'run --once, actiontrail with a wrong AccessKey secret and an STS token (signature refused)',
    message: /Alibaba Cloud refused the credentials/,
    run: () => runOnce(config(alibabaInput(actiontrail(trail.url), `${SECRETS.alibabaSecret}-wrong`))),
  },
  {
    id: 100,
    how: 'run --once, actiontrail (signature V2: the token travels in the query) with a wrong AccessKey secret',
    message: /Alibaba Cloud refused the credentials/,
    run: () => runOnce(config(alibabaInput(actiontrail(trail.url, ', signature_version: v2'), `${SECRETS.alibabaSecret}-wrong`))),
  },
  {
    id: 100,
    how: 'run --once, actiontrail_log_service with a wrong AccessKey secret and an STS token (signature refused)',
    message: /Alibaba Cloud refused the credentials/,
    run: () => runOnce(config(alibabaInput(logService(sls.url), `${SECRETS.alibabaSecret}-wrong`))),
  },
  {
    id: 100,
    how: 'run --once, actiontrail_log_service (signature v4) with a wrong AccessKey secret and an STS token',
    message: /Alibaba Cloud refused the credentials/,
    run: () => runOnce(config(alibabaInput(logService(sls.url, ', signature_version: v4'), `${SECRETS.alibabaSecret}-wrong`))),
  },
  {
    id: 101,
    how: 'run --once, Lark override_base_url on a port nothing listens on (refused through the retries)',
    slow: true,
    message: /Some error occurred while generating auth token from Lark server/,
    run: () => runOnce(config(larkInput(`http://127.0.0.1:${deadPort}`))),
  },
  {
    id: 102,
    how: 'run --once, Lark override_base_url on a proxy that answers every request with an HTML page',
    slow: true,
    message: /Unable to generate auth token with status code as 200 \(HTTP 200, answer \(text\/html\) is not valid JSON/,
    run: async () => {
      const proxy = await listen(createHttpServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html><body>Proxy sign-in</body></html>')));
      return runOnce(config(larkInput(`http://127.0.0.1:${portOf(proxy)}`)));
    },
  },
  {
    id: 103,
    how: 'run --once, Lark answers the first audit_infos request 400 code 1050001',
    message: /HTTP Error occurred while fetching audit infos from Lark server \(HTTP 400, Lark code 1050001/,
    run: async () => {
      const sim = await ownLark();
      sim.inject({ kind: 'error', count: 50, status: 400, code: 1050001, msg: 'param is invalid' });
      return runOnce(config(larkInput(sim.url)));
    },
  },
  {
    id: 104,
    how: 'run --once, Lark answers audit_infos 500 through the retries',
    slow: true,
    message: /Some error occurred while fetching audit infos from Lark server. Error details: HTTP 500/,
    run: async () => {
      const sim = await ownLark();
      sim.inject({ kind: 'error', count: 50, status: 500, code: 1050099, msg: 'internal error' });
      return runOnce(config(larkInput(sim.url)));
    },
  },

  // Pull (300–399): setup passed (ListShards), then the Log Service pull fails.
  {
    id: 300,
    how: 'run --once, actiontrail_log_service: PullLogs answered 400 ParameterInvalid',
    message: /HTTP error occurred while reading the Log Store \(HTTP 400, ParameterInvalid/,
    run: async () => {
      const sim = await ownSls();
      sim.inject({ kind: 'error', count: 50, status: 400, errorCode: 'ParameterInvalid', errorMessage: 'cursor is invalid' }, { api: 'PullLogs' });
      return runOnce(config(alibabaInput(logService(sim.url))));
    },
  },
  {
    id: 301,
    how: 'run --once, actiontrail_log_service: GetCursor bodies garbage through the retries',
    slow: true,
    message: /Some error occurred while reading the Log Store/,
    run: async () => {
      const sim = await ownSls();
      sim.inject({ kind: 'corrupt', count: 50 }, { api: 'GetCursor' });
      return runOnce(config(alibabaInput(logService(sim.url))));
    },
  },
  {
    id: 302,
    how: 'run --once, actiontrail_log_service: PullLogs bodies corrupt through the retries',
    slow: true,
    message: /A PullLogs answer could not be decoded/,
    run: async () => {
      const sim = await ownSls();
      sim.inject({ kind: 'corrupt', count: 50 }, { api: 'PullLogs' });
      return runOnce(config(alibabaInput(logService(sim.url))));
    },
  },

  // Output (400–499): Lark events delivered to an output that fails.
  {
    id: 400,
    how: 'run --once, devo_platform TCP on a port nothing listens on',
    message: /Cannot connect to tcp:\/\/127\.0\.0\.1:\d+/,
    run: () => runOnce(config(larkInput(lark.url), { outputs: { relay: `{type: devo_platform, config: {address: 127.0.0.1, port: ${deadPort}, type: TCP}}` } })),
  },
  {
    id: 401,
    how: 'run --once, devo_platform SSL with a PKCS#12 client bundle, the server certificate from an untrusted CA',
    message: /TLS handshake with tls:\/\/localhost:\d+ failed/,
    run: async () => {
      const untrusted = await startLineReceiver({ tls: { key: pki.otherServerKey, cert: pki.otherServerCert } });
      cleanups.push(() => untrusted.close());
      const output = `{type: devo_platform, config: {address: localhost, port: ${untrusted.port}, type: SSL, chain: ${pki.caCertPath}, pkcs: {path: ${p12}, password: "${SECRETS.p12Password}"}}}`;
      return runOnce(config(larkInput(lark.url), { outputs: { devo: output } }));
    },
  },
  {
    id: 401,
    how: 'run --once, devo_platform SSL with a PKCS#12 bundle and a wrong password',
    message: /TLS certificate, key or chain for tls:\/\/localhost:\d+ cannot be used/,
    run: () => {
      const output = `{type: devo_platform, config: {address: localhost, port: ${receiver.port}, type: SSL, chain: ${pki.caCertPath}, pkcs: {path: ${p12}, password: "${SECRETS.p12Password}-wrong"}}}`;
      return runOnce(config(larkInput(lark.url), { outputs: { devo: output } }));
    },
  },
  {
    id: 402,
    how: 'run --once, devo_platform TCP to a receiver that resets every connection once data arrives',
    message: /Write to tcp:\/\/127\.0\.0\.1:\d+ failed/,
    run: async () => {
      const resetting = await listen(createServer({ allowHalfOpen: true }, (socket) => socket.once('data', () => socket.resetAndDestroy())));
      return runOnce(config(larkInput(lark.url), { outputs: { relay: `{type: devo_platform, config: {address: 127.0.0.1, port: ${portOf(resetting)}, type: TCP}}` } }));
    },
  },
  {
    id: 403,
    how: 'run --once, file output whose path is a folder',
    message: /file .* cannot be written: EISDIR/,
    run: () => {
      const dir = mkdtempSync(join(tmpdir(), 'auditpull-err-file-'));
      mkdirSync(join(dir, 'events.log')); // a folder where the file should be: unwritable as a file, even as root
      return runOnce(config(larkInput(lark.url), { outputs: { file: `{type: file, config: {path: ${join(dir, 'events.log')}}}` } }));
    },
  },
  {
    id: 404,
    how: 'run --once, devo_platform SSL whose PKCS#12 file (with its password) does not exist',
    message: /Output pkcs file .* cannot be read: ENOENT/,
    run: () => {
      const output = `{type: devo_platform, config: {address: localhost, port: ${receiver.port}, type: SSL, chain: ${pki.caCertPath}, pkcs: {path: /nonexistent/client.p12, password: "${SECRETS.p12Password}"}}}`;
      return runOnce(config(larkInput(lark.url), { outputs: { devo: output } }));
    },
  },
  {
    id: 405,
    how: 'run --once, devo_http with a wrong token',
    message: /Devo HTTP endpoint .*token!\*\*\*.* answered HTTP 401/,
    run: () => runOnce(config(larkInput(lark.url), { outputs: { http: httpOutput(`${SECRETS.devoToken}-wrong`) } })),
  },
  {
    id: 406,
    how: 'run --once, devo_http, one Lark event of 33 MB',
    message: /An event of \d+ bytes is larger than the Devo HTTP request limit/,
    run: async () => {
      const sim = await ownLark();
      sim.addEvents([{ unique_id: '7400000000000000001', event_id: 'huge', event_time: nowS - 600, event_name: 'huge', detail: 'x'.repeat(33 * 1024 * 1024) }]);
      return runOnce(config(larkInput(sim.url), { outputs: { http: httpOutput() } }));
    },
  },

  // State (500–599): Redis with ACL users whose passwords are in the URL, and Postgres.
  {
    id: 500,
    how: 'run --once, Redis persistence with a wrong password in the URL',
    message: /State store at redis:\/\/collector:\*\*\*@127\.0\.0\.1:\d+ cannot be opened/,
    run: () => runOnce(config(larkInput(lark.url), { persistence: `{type: redis, url: "${redisUrl('collector', `${SECRETS.redisPassword}-wrong`)}"}` })),
  },
  {
    id: 500,
    how: 'state show, Postgres persistence (password in the URL) on a port nothing listens on',
    message: /State store at postgres:\/\/auditpull:\*\*\*@127\.0\.0\.1:\d+\/auditpull cannot be opened/,
    run: () => {
      const text = config(larkInput(lark.url), { persistence: `{type: postgres, url: "postgres://auditpull:${SECRETS.postgresPassword}@127.0.0.1:${deadPort}/auditpull"}` });
      return cli(['state', 'show', '--config', writeConfig(text).config]);
    },
  },
  {
    id: 501,
    how: 'state show, the Redis record of lark/audit_infos written by a future version (version 99)',
    message: /State for state:lark:1:audit_infos has version 99/,
    run: async () => {
      const url = redisUrl('collector', SECRETS.redisPassword);
      const store = await openStateStore({ type: 'redis', url });
      await store.set('state:lark:1:audit_infos', { version: 99, initial_start_time_in_utc: START });
      await store.disconnect();
      return cli(['state', 'show', '--config', writeConfig(config(larkInput(lark.url), { persistence: `{type: redis, url: "${url}"}` })).config]);
    },
  },
  {
    id: 502,
    how: 'run --once, actiontrail with Redis persistence as an ACL user that may read but not write',
    message: /State for state:alibaba:2:actiontrail cannot be written: NOPERM/,
    run: () => runOnce(config(alibabaInput(actiontrail(trail.url)), { persistence: `{type: redis, url: "${redisUrl('reader', `${SECRETS.redisPassword}-ro`)}"}` })),
  },
];

// ---------------------------------------------------------------------------------------------------
// Running the cases and reading their output

interface Coded {
  readonly family: string;
  readonly id: number;
  readonly message: string;
}

type Result = { ok: true; outcome: CliOutcome; coded: Coded[]; ms: number } | { ok: false; error: unknown };
const results = new Map<Case, Promise<Result>>();

/** Every `[Family id] message` the CLI printed: log records on stderr (JSON lines) and lines on stdout. */
function codedErrors(outcome: CliOutcome): Coded[] {
  const texts: string[] = [];
  for (const line of outcome.rawStderr.split('\n')) {
    if (!line.startsWith('{')) {
      texts.push(line);
      continue;
    }
    try {
      const record = JSON.parse(line) as { msg?: unknown };
      texts.push(typeof record.msg === 'string' ? record.msg : line);
    } catch {
      texts.push(line);
    }
  }
  texts.push(...outcome.stdout.split('\n'));
  const coded: Coded[] = [];
  for (const text of texts) {
    const match = /\[([A-Za-z]+) (\d+)\] (.*)/s.exec(text);
    if (match) coded.push({ family: match[1]!, id: Number(match[2]), message: match[3]! });
  }
  return coded;
}

/** Secrets found in `text`, each with what surrounds it. */
function leaks(text: string): string[] {
  const found: string[] = [];
  for (const [name, value] of Object.entries({ ...SECRETS, ...issuedSecrets })) {
    for (let at = text.indexOf(value); at !== -1; at = text.indexOf(value, at + 1)) {
      found.push(`${name} in …${text.slice(Math.max(0, at - 120), at + value.length + 40)}…`);
      if (found.length > 20) return found;
    }
  }
  return found;
}

function limiter(concurrency: number) {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async <T>(work: () => Promise<T>): Promise<T> => {
    if (active >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
    active += 1;
    try {
      return await work();
    } finally {
      active -= 1;
      waiting.shift()?.();
    }
  };
}

beforeAll(async () => {
  pki = await makeTestPki();
  p12 = join(pki.dir, 'error-ids-client.p12');
  execFileSync('openssl', ['pkcs12', '-export', '-in', pki.clientCertPath, '-inkey', pki.clientKeyPath, '-out', p12, '-passout', `pass:${SECRETS.p12Password}`]);
  [lark, trail, sls, receiver, http, redis, deadPort] = await Promise.all([
    startLarkSim({ apps: [LARK_APP] }),
    startActionTrailSim({ credentials: [ALIBABA] }),
    startSlsSim({ credentials: [ALIBABA] }),
    startLineReceiver(),
    startDevoHttpReceiver({ token: SECRETS.devoToken }),
    startRedis(),
    freePort(),
  ]);
  lark.generateEvents({ count: 30, fromSeconds: nowS - 1800, toSeconds: nowS - 100 });
  // The simulator hands an app its newest token while it has long to live: the one the CLI runs get.
  const minted = await fetch(`${lark.url}${TOKEN_PATH}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ app_id: LARK_APP.appId, app_secret: LARK_APP.appSecret }) });
  issuedSecrets['larkTenantToken'] = ((await minted.json()) as { tenant_access_token: string }).tenant_access_token;
  expect(issuedSecrets['larkTenantToken']).toMatch(/^t-/);
  redisPort = new URL(redis.url).port;
  // Two ACL users: one that may do anything, one that may read but not write.
  const acl = (...args: string[]) => execFileSync('redis-cli', ['-p', redisPort, 'ACL', 'SETUSER', ...args]).toString().trim();
  expect(acl('collector', 'on', `>${SECRETS.redisPassword}`, '~*', '&*', '+@all')).toBe('OK');
  expect(acl('reader', 'on', `>${SECRETS.redisPassword}-ro`, '~*', '&*', '+@all', '-@write')).toBe('OK');

  // Slow cases first: they mostly sleep through retries while the fast ones go by.
  const pool = limiter(7);
  for (const c of [...CASES].sort((a, b) => Number(b.slow === true) - Number(a.slow === true))) {
    results.set(
      c,
      pool(async (): Promise<Result> => {
        const started = Date.now();
        const outcome = await c.run();
        return { ok: true, outcome, coded: codedErrors(outcome), ms: Date.now() - started };
      }).catch((error: unknown): Result => ({ ok: false, error })),
    );
  }
});

afterAll(async () => {
  await Promise.all(results.values());
  const shared = [() => lark?.close(), () => trail?.close(), () => sls?.close(), () => receiver?.close(), () => http?.close(), () => redis?.stop()];
  await Promise.all([...cleanups, ...shared].map((close) => Promise.resolve().then(close).catch(() => {})));
});

const produced = new Set<number>();

describe('every error id can be produced, and no message names a secret', () => {
  for (const [id, row] of TABLE) {
    it(`${row.family} ${id}: ${row.title}`, async () => {
      const mine = CASES.filter((c) => c.id === id);
      expect(mine.length, `error id ${id} (${row.title}) has no case that produces it: add one to CASES`).toBeGreaterThan(0);
      for (const c of mine) {
        const result = await results.get(c)!;
        if (!result.ok) throw new Error(`case "${c.how}" could not run: ${String(result.error)}`, { cause: result.error });
        const { outcome, coded } = result;
        const printed = `${outcome.stdout}\n${outcome.rawStderr}`;
        const context = `case "${c.how}" (exit ${String(outcome.code)}, ${result.ms} ms); output:\n${printed.slice(-3000)}`;
        const last = coded.at(-1);
        expect(last, `no coded error printed: ${context}`).toBeDefined();
        expect({ id: last!.id, family: last!.family }, `the error that ended the run: ${context}`).toEqual({ id, family: row.family });
        expect(last!.message, context).toMatch(c.message);
        for (const other of coded) expect(other.family, `[${other.family} ${other.id}] printed: ${context}`).toBe(TABLE.get(other.id)?.family);
        expect(outcome.code, context).toBe(CONFIG_FAMILIES.has(row.family) ? 2 : 1);
        expect(leaks(printed), `case "${c.how}" printed a secret`).toEqual([]);
      }
      produced.add(id);
    }, 120_000);
  }

  it('every case is for an id of the table', () => {
    expect(CASES.filter((c) => !TABLE.has(c.id)).map((c) => `${c.id}: ${c.how}`)).toEqual([]);
  });

  it('produced every id of the table', () => {
    expect([...produced].sort((a, b) => a - b)).toEqual([...TABLE.keys()].sort((a, b) => a - b));
  });
});
