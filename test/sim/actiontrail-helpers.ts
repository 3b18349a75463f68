/**
 * A second, independent implementation of Alibaba's V2 and V3 request signing for the
 * ActionTrail simulator tests (byte-wise encoder, no shared code with sim/ or lib/), plus
 * plain-fetch callers.
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { ActionTrailSim, ActionTrailSimCredential } from '../../sim/actiontrail/index.ts';

export const T0 = Date.UTC(2024, 5, 15, 12, 0, 0);
export const NOW_S = T0 / 1000;
export const MIN = 60_000;
export const DAY_S = 86_400;
export const KEY: ActionTrailSimCredential = { accessKeyId: 'LTAI_sim_key', accessKeySecret: 'sim-secret' };

const UNRESERVED = /[A-Za-z0-9\-_.~]/;

/** RFC 3986 over UTF-8 bytes, one byte at a time. */
export function rfc3986(text: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(text)) {
    const char = String.fromCharCode(byte);
    out += byte < 0x80 && UNRESERVED.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const sorted = (pairs: Array<[string, string]>): Array<[string, string]> =>
  [...pairs].sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1));

export const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 19) + 'Z';
export const isoS = (second: number): string => iso(second * 1000);

export interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
  text: string;
}

async function answer(response: Response): Promise<Answer> {
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // malformed answers are inspected through `text`
  }
  return { status: response.status, body, headers: response.headers, text };
}

export interface CallOptions {
  credential?: ActionTrailSimCredential;
  method?: 'GET' | 'POST';
  /** V2: send the parameters in a form body instead of the query (POST only). */
  inBody?: boolean;
  timestampMs?: number;
  nonce?: string;
  /** Overrides or removes (undefined) common parameters after signing decisions. */
  common?: Record<string, string | undefined>;
  /** Changes the signature after computing it. */
  tamper?: (signature: string) => string;
}

/** A LookupEvents call signed with V2 (RPC, HMAC-SHA1). */
export async function callV2(sim: ActionTrailSim, api: Record<string, string>, options: CallOptions = {}): Promise<Answer> {
  const credential = options.credential ?? KEY;
  const method = options.method ?? 'GET';
  const base: Record<string, string | undefined> = {
    Action: 'LookupEvents', Version: '2020-07-06', Format: 'JSON', AccessKeyId: credential.accessKeyId,
    SignatureMethod: 'HMAC-SHA1', SignatureVersion: '1.0', SignatureNonce: options.nonce ?? randomUUID(),
    Timestamp: iso(options.timestampMs ?? T0), SecurityToken: credential.securityToken, ...options.common, ...api,
  };
  const params = Object.entries(base).filter((e): e is [string, string] => e[1] !== undefined);
  const canonical = sorted(params).map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`).join('&');
  const stringToSign = `${method}&${rfc3986('/')}&${rfc3986(canonical)}`;
  let signature = createHmac('sha1', `${credential.accessKeySecret}&`).update(stringToSign).digest('base64');
  if (options.tamper) signature = options.tamper(signature);
  const all = [...params, ['Signature', signature]].map(([k, v]) => `${rfc3986(k as string)}=${rfc3986(v as string)}`).join('&');
  if (options.inBody === true) {
    return answer(await fetch(`${sim.url}/`, { method, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: all }));
  }
  return answer(await fetch(`${sim.url}/?${all}`, { method }));
}

export interface V3Options extends CallOptions {
  /** Form body parameters (sent with content-type application/x-www-form-urlencoded). */
  form?: Record<string, string>;
  /** Headers added after signing (not signed) or replacing signed ones. */
  extraHeaders?: Record<string, string>;
  /** Signed header names to leave out of SignedHeaders (they are still sent). */
  unsigned?: string[];
  /** Required headers not to send at all. */
  omit?: string[];
  /** Value sent as x-acs-content-sha256 instead of the body's hash. */
  contentSha256?: string;
  action?: string;
  /** The host put in the canonical request instead of the one the request goes to. */
  signedHost?: string;
}

/** A LookupEvents call signed with V3 (ACS3-HMAC-SHA256); params in the query as the official SDK sends them. */
export async function callV3(sim: ActionTrailSim, api: Record<string, string>, options: V3Options = {}): Promise<Answer> {
  const credential = options.credential ?? KEY;
  const method = options.method ?? 'POST';
  const body = options.form === undefined ? '' : Object.entries(options.form).map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`).join('&');
  const bodyHash = createHash('sha256').update(body).digest('hex');
  const headers: Record<string, string> = {
    host: options.signedHost ?? new URL(sim.url).host,
    'x-acs-action': options.action ?? 'LookupEvents',
    'x-acs-version': '2020-07-06',
    'x-acs-date': iso(options.timestampMs ?? T0),
    'x-acs-signature-nonce': options.nonce ?? randomUUID().replaceAll('-', ''),
    'x-acs-content-sha256': options.contentSha256 ?? bodyHash,
    ...(credential.securityToken === undefined ? {} : { 'x-acs-security-token': credential.securityToken }),
    ...(options.form === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
  };
  for (const name of options.omit ?? []) delete headers[name];
  const names = Object.keys(headers).filter((n) => !(options.unsigned ?? []).includes(n)).sort();
  const query = sorted(Object.entries(api)).map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`).join('&');
  const canonicalRequest = [method, '/', query, names.map((n) => `${n}:${(headers[n] ?? '').trim()}\n`).join(''), names.join(';'), options.contentSha256 ?? bodyHash].join('\n');
  const stringToSign = `ACS3-HMAC-SHA256\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
  let signature = createHmac('sha256', credential.accessKeySecret).update(stringToSign).digest('hex');
  if (options.tamper) signature = options.tamper(signature);
  const { host: _host, ...sent } = headers;
  const authorization = `ACS3-HMAC-SHA256 Credential=${credential.accessKeyId},SignedHeaders=${names.join(';')},Signature=${signature}`;
  const init: RequestInit = { method, headers: { ...sent, authorization, ...options.extraHeaders } };
  if (method === 'POST') init.body = body;
  return answer(await fetch(`${sim.url}/${query === '' ? '' : `?${query}`}`, init));
}

/** Asserts an Alibaba error answer and returns its message. */
export function expectError(a: Answer, status: number, code: string): string {
  expect({ status: a.status, code: a.body['Code'] }).toEqual({ status, code });
  expect(a.body).toEqual({
    RequestId: a.headers.get('x-acs-request-id'),
    HostId: 'actiontrail.cn-hangzhou.aliyuncs.com',
    Code: code,
    Message: expect.any(String),
    Recommend: expect.stringContaining(`q=${encodeURIComponent(code)}`),
  });
  return a.body['Message'] as string;
}

export interface Page {
  NextToken?: string;
  StartTime: string;
  EndTime: string;
  Events: Array<Record<string, unknown>>;
}

/** Follows NextToken to the end with the same parameters; returns every page. */
export async function allPages(sim: ActionTrailSim, api: Record<string, string>, version: 'v2' | 'v3' = 'v2'): Promise<Page[]> {
  const pages: Page[] = [];
  let token: string | undefined;
  do {
    const params = token === undefined ? api : { ...api, NextToken: token };
    const a = version === 'v2' ? await callV2(sim, params) : await callV3(sim, params);
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    const page = a.body as unknown as Page;
    pages.push(page);
    token = page.NextToken;
  } while (token !== undefined);
  return pages;
}

export const ids = (events: ReadonlyArray<Record<string, unknown>>): unknown[] => events.map((e) => e['eventId']);
