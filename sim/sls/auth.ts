/**
 * Request authentication: required headers, clock skew, AccessKey, STS token, then the v1
 * (`LOG ak:sig`) or v4 (`SLS4-HMAC-SHA256 Credential=…,Signature=…`) signature.
 */
import { timingSafeEqual } from 'node:crypto';
import { errors, type SlsError } from './replies.ts';
import { EMPTY_SHA256, sha256Hex, v1Signature, v1StringToSign, v4CanonicalRequest, v4Scope, v4Signature, type Headers, type Pairs } from './signing.ts';
import type { SlsSimCredential } from './types.ts';

export interface AuthInput {
  method: string;
  path: string;
  query: Pairs;
  headers: Headers;
  body: Buffer;
  nowMs: number;
  credentials: ReadonlyMap<string, SlsSimCredential>;
  region: string;
}

export type AuthResult =
  | { ok: true; version: 'v1' | 'v4'; accessKeyId: string }
  | { ok: false; version: 'v1' | 'v4' | undefined; reply: SlsError };

const MAX_SKEW_MS = 15 * 60_000;
const V1 = /^LOG ([^:\s]+):(\S+)$/;
const V4 = /^SLS4-HMAC-SHA256 Credential=([^/\s]+)\/(\d{8})\/([^/\s]+)\/sls\/aliyun_v4_request,\s*Signature=([0-9a-f]{64})$/;
const X_LOG_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

const same = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

function parseXLogDate(text: string): number | undefined {
  const m = X_LOG_DATE.exec(text);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

/** RFC 1123 (`Mon, 09 Nov 2015 06:11:16 GMT`; a one-digit day is accepted too, as the Go SDK test sends). */
function parseRfc1123(text: string): number | undefined {
  if (!/^[A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

function missingHeaders(headers: Headers, version: 'v1' | 'v4'): string[] {
  const needed = ['x-log-apiversion', 'x-log-signaturemethod', 'x-log-bodyrawsize'];
  if (version === 'v4') needed.push('x-log-date', 'x-log-content-sha256');
  const missing = needed.filter((name) => headers[name] === undefined);
  // Some clients move Date to x-log-date for proxies that drop Date (the Python SDK sends both).
  if (version === 'v1' && headers['date'] === undefined && headers['x-log-date'] === undefined) missing.push('date');
  return missing;
}

export function authenticate(input: AuthInput): AuthResult {
  const { headers } = input;
  const authorization = headers['authorization'] ?? '';
  const v1 = V1.exec(authorization);
  const v4 = v1 === null ? V4.exec(authorization) : null;
  const version = v1 !== null ? 'v1' : v4 !== null ? 'v4' : undefined;
  const fail = (reply: SlsError): AuthResult => ({ ok: false, version, reply });
  if (version === undefined) return fail(errors.unauthorized(authorization === '' ? 'Authorization header is missing' : 'Authorization header is malformed'));

  const missing = missingHeaders(headers, version);
  if (missing.length > 0) return fail(errors.unauthorized(`missing header(s): ${missing.join(', ')}`));
  const apiVersion = headers['x-log-apiversion'] ?? '';
  if (apiVersion !== '0.6.0') return fail(errors.apiVersion(apiVersion));
  const method = headers['x-log-signaturemethod'] ?? '';
  if (version === 'v4' ? method !== 'hmac-sha256' : method !== 'hmac-sha1' && method !== 'hmac-sha256') {
    return fail(errors.unauthorized(`x-log-signaturemethod ${method} does not fit a ${version} signature`));
  }

  const dateText = version === 'v4' ? headers['x-log-date'] ?? '' : headers['date'] ?? headers['x-log-date'] ?? '';
  const dateMs = version === 'v4' ? parseXLogDate(dateText) : parseRfc1123(dateText);
  if (dateMs === undefined) return fail(errors.unauthorized(`date ${dateText} is not well formatted`));
  if (Math.abs(dateMs - input.nowMs) > MAX_SKEW_MS) return fail(errors.timeExpired());

  const accessKeyId = (v1 ?? v4)?.[1] ?? '';
  const credential = input.credentials.get(accessKeyId);
  if (credential === undefined) return fail(errors.unauthorized(`AccessKeyId not found: ${accessKeyId}`));
  const token = headers['x-acs-security-token'];
  if (token !== credential.securityToken) {
    return fail(errors.unauthorized(credential.securityToken === undefined
      ? 'x-acs-security-token was sent for an AccessKey that is not an STS credential'
      : 'The security token you provided is invalid.'));
  }

  if (v1 !== null) {
    const given = v1[2] ?? '';
    const algorithm = method === 'hmac-sha256' ? 'sha256' : 'sha1';
    // Clients that add x-log-date after signing (the Python SDK) did not sign it: try without it first.
    const withoutDate = Object.fromEntries(Object.entries(headers).filter(([name]) => name !== 'x-log-date'));
    const candidates = [v1StringToSign(input.method, input.path, input.query, withoutDate, dateText)];
    if (headers['x-log-date'] !== undefined) candidates.push(v1StringToSign(input.method, input.path, input.query, headers, dateText));
    if (candidates.some((text) => same(v1Signature(credential.accessKeySecret, text, algorithm), given))) {
      return { ok: true, version, accessKeyId };
    }
    return fail(errors.signatureNotMatch(JSON.stringify(candidates[0])));
  }

  const [, , scopeDate, region, given] = v4 as RegExpExecArray;
  const scope = v4Scope(dateText, input.region);
  if (scopeDate !== dateText.slice(0, 8) || region !== input.region) {
    return fail(errors.signatureNotMatch(`credential scope must be ${scope}`));
  }
  const contentSha256 = input.body.length === 0 ? EMPTY_SHA256 : sha256Hex(input.body);
  if (headers['x-log-content-sha256'] !== contentSha256) {
    return fail(errors.signatureNotMatch(`x-log-content-sha256 does not match the body (expected ${contentSha256})`));
  }
  const canonical = v4CanonicalRequest(input.method, input.path, input.query, headers, contentSha256);
  if (!same(v4Signature(credential.accessKeySecret, input.region, dateText, canonical), given ?? '')) {
    return fail(errors.signatureNotMatch(JSON.stringify(canonical)));
  }
  return { ok: true, version, accessKeyId };
}
