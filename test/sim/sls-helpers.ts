/**
 * A second, independent SLS signer (v1 and v4) and decoder (lz4js + protobufjs) for the SLS
 * simulator tests: no code shared with sim/ or lib/.
 */
import { createHash, createHmac } from 'node:crypto';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { inflateSync } from 'node:zlib';
import protobuf from 'protobufjs';
import type { SlsSim, SlsSimCredential } from '../../sim/sls/index.ts';

const lz4js = createRequire(import.meta.url)('lz4js') as {
  decompressBlock(src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, dIndex: number): number;
};

export const T0 = Date.UTC(2024, 5, 15, 12, 0, 0);
export const NOW_S = T0 / 1000;
export const KEY: SlsSimCredential = { accessKeyId: 'LTAI_sls_key', accessKeySecret: 'sls-secret' };
export const LOGSTORE = 'actiontrail_sim-trail';

export interface CallOptions {
  method?: 'GET' | 'POST';
  query?: Record<string, string>;
  body?: string;
  version?: 'v1' | 'v4';
  credential?: SlsSimCredential;
  dateMs?: number;
  region?: string;
  /** Extra headers, signed (if x-log-/x-acs-) and sent. */
  headers?: Record<string, string>;
  /** Headers removed after signing. */
  omit?: string[];
  /** Replaces the signature part of Authorization after signing. */
  badSignature?: boolean;
  /** Sends through node:http with this Host header (fetch cannot set Host). */
  host?: string;
}

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  json: unknown;
}

const cmp = (a: [string, string], b: [string, string]): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

const enc3986 = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** Signs with an independent implementation of research/alibaba.md §3.4 / §3.5; returns the headers to send. */
export function sign(url: URL, opts: CallOptions): Record<string, string> {
  const method = opts.method ?? 'GET';
  const credential = opts.credential ?? KEY;
  const body = Buffer.from(opts.body ?? '', 'utf8');
  const date = new Date(opts.dateMs ?? T0);
  const headers: Record<string, string> = {
    'x-log-apiversion': '0.6.0',
    'x-log-bodyrawsize': String(body.length),
    ...(body.length > 0 ? { 'content-type': 'application/json' } : {}),
    ...(credential.securityToken === undefined ? {} : { 'x-acs-security-token': credential.securityToken }),
    ...opts.headers,
  };
  const query = [...url.searchParams].sort(cmp);
  if ((opts.version ?? 'v1') === 'v1') {
    headers['x-log-signaturemethod'] = 'hmac-sha1';
    headers['date'] = date.toUTCString();
    if (body.length > 0) headers['content-md5'] = createHash('md5').update(body).digest('hex').toUpperCase();
    const logHeaders = Object.keys(headers).filter((k) => /^x-(log|acs)-/.test(k)).sort().map((k) => `${k}:${headers[k]}\n`).join('');
    const resource = url.pathname + (query.length > 0 ? `?${query.map(([k, v]) => `${k}=${v}`).join('&')}` : '');
    const text = [method, headers['content-md5'] ?? '', headers['content-type'] ?? '', headers['date'], `${logHeaders}${resource}`].join('\n');
    headers['authorization'] = `LOG ${credential.accessKeyId}:${createHmac('sha1', credential.accessKeySecret).update(text).digest('base64')}`;
  } else {
    const region = opts.region ?? 'cn-hangzhou';
    const stamp = date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    const day = stamp.slice(0, 8);
    const hash = createHash('sha256').update(body).digest('hex');
    headers['x-log-signaturemethod'] = 'hmac-sha256';
    headers['x-log-date'] = stamp;
    headers['x-log-content-sha256'] = hash;
    const all = { ...headers, host: opts.host ?? url.host };
    const names = Object.keys(all).filter((k) => k === 'host' || k === 'content-type' || /^x-(log|acs)-/.test(k)).sort();
    const canonical = [
      method,
      url.pathname,
      query.map(([k, v]) => (v === '' ? k : `${k}=${enc3986(v)}`)).join('&'),
      names.map((k) => `${k}:${String(all[k as keyof typeof all]).trim()}\n`).join(''),
      names.join(';'),
      hash,
    ].join('\n');
    const scope = `${day}/${region}/sls/aliyun_v4_request`;
    const toSign = `SLS4-HMAC-SHA256\n${stamp}\n${scope}\n${createHash('sha256').update(canonical).digest('hex')}`;
    let key: Buffer = Buffer.from(`aliyun_v4${credential.accessKeySecret}`);
    for (const part of [day, region, 'sls', 'aliyun_v4_request']) key = createHmac('sha256', key).update(part).digest();
    headers['authorization'] = `SLS4-HMAC-SHA256 Credential=${credential.accessKeyId}/${scope},Signature=${createHmac('sha256', key).update(toSign).digest('hex')}`;
  }
  // Flip the last signature character that is not base64 padding, keeping it a valid hex/base64 digit.
  if (opts.badSignature === true) headers['authorization'] = headers['authorization'].replace(/([0-9A-Za-z+/])(=*)$/, (_m, c: string, pad: string) => `${c === '0' ? '1' : '0'}${pad}`);
  for (const name of opts.omit ?? []) delete headers[name];
  return headers;
}

export async function call(sim: SlsSim, path: string, opts: CallOptions = {}): Promise<Answer> {
  const url = new URL(path, sim.url);
  for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, v);
  const headers = sign(url, opts);
  const method = opts.method ?? 'GET';
  let status: number;
  let out: Record<string, string>;
  let body: Buffer;
  if (opts.host === undefined) {
    const response = await fetch(url, { method, headers, ...(opts.body === undefined ? {} : { body: opts.body }) });
    status = response.status;
    out = Object.fromEntries(response.headers);
    body = Buffer.from(await response.arrayBuffer());
  } else {
    ({ status, headers: out, body } = await rawRequest(url, method, { ...headers, host: opts.host }, opts.body));
  }
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    json = undefined;
  }
  return { status, headers: out, body, json };
}

function rawRequest(url: URL, method: string, headers: Record<string, string>, body?: string): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers as Record<string, string>, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const PROTO = `
syntax = "proto2";
message Log { required uint32 Time = 1; message Content { required string Key = 1; required string Value = 2; }
  repeated Content Contents = 2; optional fixed32 Time_ns = 4; }
message LogTag { required string Key = 1; required string Value = 2; }
message LogGroup { repeated Log Logs = 1; optional string Reserved = 2; optional string Topic = 3;
  optional string Source = 4; optional string MachineUUID = 5; repeated LogTag LogTags = 6; }
message LogGroupList { repeated LogGroup logGroupList = 1; }`;
const LogGroupList = protobuf.parse(PROTO).root.lookupType('LogGroupList');

export interface DecodedGroup {
  Logs: Array<{ Time: number; Contents: Array<{ Key: string; Value: string }>; Time_ns?: number }>;
  Topic?: string;
  Source?: string;
  LogTags: Array<{ Key: string; Value: string }>;
}

/** Decompresses per `x-log-compresstype` to exactly `x-log-bodyrawsize` bytes and decodes the LogGroupList. */
export function decodePull(answer: Answer): DecodedGroup[] {
  const rawSize = Number(answer.headers['x-log-bodyrawsize']);
  const type = answer.headers['x-log-compresstype'];
  let raw: Buffer;
  if (type === 'lz4') {
    raw = Buffer.alloc(rawSize);
    const n = rawSize === 0 ? 0 : lz4js.decompressBlock(answer.body, raw, 0, answer.body.length, 0);
    if (n !== rawSize) throw new Error(`lz4 gave ${n} bytes, expected ${rawSize}`);
  } else if (type === 'deflate') {
    raw = rawSize === 0 ? Buffer.alloc(0) : inflateSync(answer.body);
  } else {
    raw = answer.body;
  }
  if (raw.length !== rawSize) throw new Error(`raw size ${raw.length} != x-log-bodyrawsize ${rawSize}`);
  const list = LogGroupList.toObject(LogGroupList.decode(raw), { defaults: true, arrays: true }) as { logGroupList: DecodedGroup[] };
  return list.logGroupList;
}

export const tag = (group: DecodedGroup, key: string): string | undefined => group.LogTags.find((t) => t.Key === key)?.Value;

export const shardPath = (shard: number | string): string => `/logstores/${LOGSTORE}/shards/${shard}`;

export async function cursorOf(sim: SlsSim, shard: number, from: string, opts: CallOptions = {}): Promise<string> {
  const answer = await call(sim, shardPath(shard), { ...opts, query: { type: 'cursor', from } });
  return (answer.json as { cursor: string }).cursor;
}

export function pull(sim: SlsSim, shard: number, cursor: string, count = 1000, opts: CallOptions = {}): Promise<Answer> {
  return call(sim, shardPath(shard), {
    ...opts,
    query: { type: 'log', cursor, count: String(count), ...opts.query },
    headers: { accept: 'application/x-protobuf', 'accept-encoding': 'lz4', ...opts.headers },
  });
}
