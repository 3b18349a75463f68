// Every id of the error table can be produced the way a user meets it, and no message names a secret.
// Cheap paths go through the CLI; faults a CLI run would take long to reach (retries exhausted) go
// through the lib client against a simulator with retries off, and the runner function that maps them.
import { createServer, type AddressInfo } from 'node:net';
import { chmodSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Keyv from 'keyv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuditpullError,
  createActionTrailClient,
  createCheckpoint,
  createHttpSender,
  createLarkClient,
  createSlsClient,
  ERROR_TABLE,
  isAuditpullError,
  openStateStore,
  paginateAuditInfos,
  paginateLookupEvents,
} from '../../lib/index.ts';
import { toActionTrailPullError, toActionTrailSetupError } from '../../runner/alibaba-errors.ts';
import { toLarkPullError, toLarkSetupError } from '../../runner/lark-errors.ts';
import { toSlsPullError, toSlsSetupError } from '../../runner/sls-errors.ts';
import { startActionTrailSim, type ActionTrailSim } from '../../sim/actiontrail/index.ts';
import { startDevoHttpReceiver, startLineReceiver, type LineReceiver } from '../../sim/devo/index.ts';
import { startLarkSim, type LarkSim } from '../../sim/lark/index.ts';
import { startSlsSim, type SlsSim } from '../../sim/sls/index.ts';
import { makeTestPki, type TestPki } from '../helpers/certs.ts';
import { isoSeconds, larkConfig, runCli, writeConfig } from '../helpers/cli.ts';

/** Known secret values: none may appear in any message or CLI output. */
const SECRETS = { lark: 'S3CRET-lark-9f2', alibaba: 'S3CRET-ali-7c1', sts: 'S3CRET-sts-4d8', devoToken: 'S3CRETdevotoken0123456789abcdef', redis: 'S3CRET-redis-pw' };
const NO_RETRY = { retries: 0, maxRetryTimeMs: 2000 };

const produced = new Map<number, string>();
function record(error: unknown, output = ''): AuditpullError {
  if (!isAuditpullError(error)) throw new Error(`expected an AuditpullError, got ${String(error)}`);
  const text = `${error.toString()}\n${output}`;
  for (const secret of Object.values(SECRETS)) expect(text, `error ${error.id} leaks a secret`).not.toContain(secret);
  expect(error.family).toBe((ERROR_TABLE as Record<number, { family: string } | undefined>)[error.id]?.family);
  produced.set(error.id, error.message);
  return error;
}
async function caught(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}
/** Runs the CLI and records the coded error it printed as `[Family id] message`. */
async function cli(args: string[], env: Record<string, string> = {}): Promise<number> {
  const result = await runCli(args, { env: { LARK_APP_SECRET: SECRETS.lark, ...env } });
  const match = /\[([A-Za-z]+) (\d+)\] ([^\n]*)/.exec(result.stderr);
  if (!match) throw new Error(`no coded error in the output (exit ${String(result.code)}):\n${result.stderr}`);
  const error = new AuditpullError(Number(match[2]) as keyof typeof ERROR_TABLE, match[3]!);
  expect(error.family).toBe(match[1]);
  record(error, result.stdout + result.rawStderr);
  return Number(match[2]);
}

let lark: LarkSim;
let trail: ActionTrailSim;
let sls: SlsSim;
let receiver: LineReceiver;
let pki: TestPki;
const nowS = Math.floor(Date.now() / 1000);
const start = isoSeconds((nowS - 3600) * 1000);
const larkApp = () => ({ appId: 'cli_err_app', appSecret: SECRETS.lark });
const base = () => larkConfig({ simUrl: lark.url, receiverPort: receiver.port, start, appId: 'cli_err_app' });

beforeAll(async () => {
  pki = await makeTestPki();
  lark = await startLarkSim({ apps: [larkApp()] });
  lark.generateEvents({ count: 30, fromSeconds: nowS - 1800, toSeconds: nowS - 100 });
  const alibaba = [{ accessKeyId: 'LTAI_err', accessKeySecret: SECRETS.alibaba, securityToken: SECRETS.sts }];
  trail = await startActionTrailSim({ credentials: alibaba });
  sls = await startSlsSim({ credentials: alibaba });
  receiver = await startLineReceiver();
});
afterAll(async () => {
  await Promise.all([lark.close(), trail.close(), sls.close(), receiver.close()]);
});

const alibabaCredentials = { accessKeyId: 'LTAI_err', accessKeySecret: SECRETS.alibaba, securityToken: SECRETS.sts };

describe('every error id', () => {
  it('config and init errors through the CLI (1, 2, 10–16)', async () => {
    expect(await cli(['run', '--once', '--config', writeConfig(base().replace(`"${start}"`, '"2024-06-01 00:00:00"')).config])).toBe(1);
    expect(await cli(['run', '--once', '--config', writeConfig(base().replace(`"${start}"`, '"2999-01-01T00:00:00Z"')).config])).toBe(2);
    expect(await cli(['run', '--once', '--config', '/nonexistent/auditpull.yaml'])).toBe(10);
    expect(await cli(['run', '--once', '--config', writeConfig('globals: [\n').config])).toBe(11);
    expect(await cli(['run', '--once', '--config', writeConfig(base().replace('${LARK_APP_SECRET}', '${AUDITPULL_UNSET_VARIABLE}')).config])).toBe(12);
    expect(await cli(['run', '--once', '--config', writeConfig(base().replace(/port: \d+, type: TCP/, 'port: "many", type: TCP')).config])).toBe(13);
    expect(await cli(['run', '--once', '--config', writeConfig(base().replace('audit_infos: {', 'audit_infos: {enabled: false, ')).config])).toBe(14);
    expect(await cli(['state', 'show', '--service', 'no_such_service', '--config', writeConfig(base()).config])).toBe(15);
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const busy = (blocker.address() as AddressInfo).port;
    expect(await cli(['run', '--once', '--config', writeConfig(base().replace('  persistence:', `  metrics: {port: ${busy}, host: 127.0.0.1}\n  persistence:`)).config])).toBe(16);
    blocker.close();
  }, 60_000);

  it('setup errors (100–104): Lark and Alibaba', async () => {
    expect(await cli(['run', '--once', '--config', writeConfig(base()).config], { LARK_APP_SECRET: `${SECRETS.lark}-wrong` })).toBe(100);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const larkAt = (baseUrl: string) => createLarkClient({ ...larkApp(), baseUrl, retry: NO_RETRY });
    const firstPage = (client: ReturnType<typeof larkAt>) => paginateAuditInfos(client, { oldest: nowS - 3600, latest: nowS - 60 }).next();
    expect(record(toLarkSetupError(await caught(() => firstPage(larkAt(`http://127.0.0.1:${deadPort}`))), 'audit infos')).id).toBe(101);
    lark.inject({ kind: 'malformed', count: 1 }, { path: 'token' });
    expect(record(toLarkSetupError(await caught(() => firstPage(larkAt(lark.url))), 'audit infos')).id).toBe(102);
    lark.inject({ kind: 'error', count: 1, status: 400, code: 1050001, msg: 'param is invalid' });
    expect(record(toLarkSetupError(await caught(() => firstPage(larkAt(lark.url))), 'audit infos')).id).toBe(103);
    lark.inject({ kind: 'error', count: 1, status: 500, code: 1050099, msg: 'internal error' });
    expect(record(toLarkSetupError(await caught(() => firstPage(larkAt(lark.url))), 'audit infos')).id).toBe(104);
    // Alibaba: a wrong secret is refused by signature (100) with the secret never echoed.
    const trailClient = (secret: string) => createActionTrailClient({ credentials: { ...alibabaCredentials, accessKeySecret: secret }, baseUrl: trail.url, retry: NO_RETRY });
    const lookup = (secret: string) => paginateLookupEvents(trailClient(secret), { startTime: nowS - 3600, endTime: nowS - 700 }).next();
    expect(record(toActionTrailSetupError(await caught(() => lookup(`${SECRETS.alibaba}-wrong`)))).id).toBe(100);
    // SLS echoes its string to sign too (with the STS token header): same rule.
    const slsClient = createSlsClient({ project: 'sim-project', baseUrl: sls.url, credentials: { ...alibabaCredentials, accessKeySecret: `${SECRETS.alibaba}-wrong` }, retry: NO_RETRY });
    expect(record(toSlsSetupError(await caught(() => slsClient.listShards('actiontrail_sim-trail')))).id).toBe(100);
  }, 60_000);

  it('pull errors (300–302)', async () => {
    const client = createLarkClient({ ...larkApp(), baseUrl: lark.url, retry: NO_RETRY });
    lark.inject({ kind: 'error', count: 1, status: 400, code: 1050001, msg: 'param is invalid' });
    expect(record(toLarkPullError(await caught(() => paginateAuditInfos(client, { oldest: nowS - 3600, latest: nowS - 60 }).next()), 'audit infos')).id).toBe(300);
    lark.inject({ kind: 'malformed', count: 1 });
    expect(record(toLarkPullError(await caught(() => paginateAuditInfos(client, { oldest: nowS - 3600, latest: nowS - 60 }).next()), 'audit infos')).id).toBe(301);
    const trailClient = createActionTrailClient({ credentials: alibabaCredentials, baseUrl: trail.url, retry: NO_RETRY });
    trail.inject({ kind: 'error', count: 1, status: 400, code: 'InvalidParameter', message: 'bad' });
    expect(record(toActionTrailPullError(await caught(() => paginateLookupEvents(trailClient, { startTime: nowS - 3600, endTime: nowS - 700 }).next()))).id).toBe(300);
    const slsClient = createSlsClient({ project: 'sim-project', baseUrl: sls.url, credentials: alibabaCredentials, retry: NO_RETRY });
    const cursor = await slsClient.getCursor('actiontrail_sim-trail', 0, 'begin');
    sls.writeActionTrailEvents({ count: 20, fromSeconds: nowS - 600, toSeconds: nowS - 60 });
    sls.inject({ kind: 'corrupt', count: 5 }, { api: 'PullLogs' });
    expect(record(toSlsPullError(await caught(() => slsClient.pullLogs('actiontrail_sim-trail', 0, { cursor, count: 100 })))).id).toBe(302);
  }, 60_000);

  it('output errors (400–406)', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const withOutput = (output: string) => writeConfig(base().replace(/ {2}relay: .*\n/, `  out: ${output}\n`)).config;
    expect(await cli(['run', '--once', '--config', withOutput(`{type: devo_platform, config: {address: 127.0.0.1, port: ${deadPort}, type: TCP}}`)])).toBe(400);
    const tlsReceiver = await startLineReceiver({ tls: { key: pki.serverKey, cert: pki.serverCert, ca: pki.caCert, requestCert: true } });
    expect(await cli(['run', '--once', '--config', withOutput(`{type: devo_platform, config: {address: localhost, port: ${tlsReceiver.port}, type: SSL, chain: ${pki.caCertPath}}}`)])).toBe(401);
    await tlsReceiver.close();
    // 402: the receiver resets every connection once it has read a little.
    const resetting = createServer({ allowHalfOpen: true }, (socket) => socket.once('data', () => socket.resetAndDestroy()));
    await new Promise<void>((resolve) => resetting.listen(0, '127.0.0.1', resolve));
    expect(await cli(['run', '--once', '--config', withOutput(`{type: devo_platform, config: {address: 127.0.0.1, port: ${(resetting.address() as AddressInfo).port}, type: TCP}}`)])).toBe(402);
    resetting.close();
    const readOnly = mkdtempSync(join(tmpdir(), 'auditpull-ro-'));
    mkdirSync(join(readOnly, 'events.log')); // a folder where the file should be: not writable as a file, even as root
    expect(await cli(['run', '--once', '--config', withOutput(`{type: file, config: {path: ${join(readOnly, 'events.log')}}}`)])).toBe(403);
    chmodSync(readOnly, 0o755);
    expect(await cli(['run', '--once', '--config', withOutput(`{type: devo_platform, config: {address: localhost, port: 443, type: SSL, chain: /nonexistent/chain.crt}}`)])).toBe(404);
    const http = await startDevoHttpReceiver({ token: 'theRightTokenValue0123456789abcd' });
    expect(await cli(['run', '--once', '--config', withOutput(`{type: devo_http, config: {endpoint: "${http.url}", domain: dom, token: "\${DEVO_TOKEN}"}}`)], { DEVO_TOKEN: SECRETS.devoToken })).toBe(405);
    await http.close();
    const sender = createHttpSender({ endpoint: 'http://127.0.0.1:1', domain: 'dom', token: SECRETS.devoToken, hostname: 'h', maxRequestBytes: 1000 });
    expect(record(await caught(() => sender.send('my.app.tag', ['x'.repeat(2000)]))).id).toBe(406);
  }, 90_000);

  it('state errors (500–502)', async () => {
    expect(await cli(['state', 'show', '--config', writeConfig(base().replace(/persistence: \{[^}]*\}/, `persistence: {type: redis, url: "redis://:\${REDIS_PASSWORD}@127.0.0.1:1"}`)).config], { REDIS_PASSWORD: SECRETS.redis })).toBe(500);
    const dir = mkdtempSync(join(tmpdir(), 'auditpull-state-'));
    const store = await openStateStore({ type: 'sqlite', path: join(dir, 'state.sqlite') });
    await store.set('state:corrupt', 'not an object');
    expect(record(await caught(() => createCheckpoint<{ version: 1 }>({ store, key: 'state:corrupt', version: 1, validate: () => ({ version: 1 }) }).load())).id).toBe(501);
    await store.disconnect();
    // A store whose writes fail (a full disk, a store gone away): the checkpoint write is StateError 502.
    const failing = new Keyv({ store: { get: async () => undefined, set: async () => { throw new Error('SQLITE_FULL: database or disk is full'); }, delete: async () => false, clear: async () => {}, on: () => undefined } as never });
    expect(record(await caught(() => createCheckpoint<{ version: 1 }>({ store: failing, key: 'state:full', version: 1, validate: () => ({ version: 1 }) }).save({ version: 1 }))).id).toBe(502);
  }, 60_000);

  it('covered every id of the table', () => {
    expect([...produced.keys()].sort((a, b) => a - b)).toEqual(Object.keys(ERROR_TABLE).map(Number).sort((a, b) => a - b));
  });
});
