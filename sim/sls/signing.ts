/**
 * SLS request signatures, written from research/alibaba.md §3.4–3.5 with node:crypto only (the
 * simulator must not share signing code with lib/). The published vectors are reproduced in
 * test/sim/sls-signing.test.ts.
 */
import { createHash, createHmac } from 'node:crypto';

/** Query parameters as decoded name/value pairs, in any order. */
export type Pairs = ReadonlyArray<readonly [string, string]>;

/** Headers with lowercase names (as node:http delivers them). */
export type Headers = Readonly<Record<string, string>>;

const byName = (a: readonly [string, string], b: readonly [string, string]): number =>
  a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;

const lower = (headers: Headers): Array<[string, string]> =>
  Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]);

/**
 * v1 string to sign: `VERB\nContent-MD5\nContent-Type\nDate\n` + sorted `x-log-*`/`x-acs-*`
 * headers as `name:value\n` + path + `?` + sorted `k=v` joined by `&` (values NOT URL-encoded).
 * `date` is passed separately because clients may send it as `x-log-date` instead of `Date`.
 */
export function v1StringToSign(method: string, path: string, query: Pairs, headers: Headers, date: string): string {
  const all = lower(headers);
  const get = (name: string): string => all.find(([n]) => n === name)?.[1] ?? '';
  const logHeaders = all
    .filter(([n]) => n.startsWith('x-log-') || n.startsWith('x-acs-'))
    .sort(byName)
    .map(([n, v]) => `${n}:${v}\n`)
    .join('');
  const params = [...query].sort(byName).map(([k, v]) => `${k}=${v}`).join('&');
  const resource = params === '' ? path : `${path}?${params}`;
  return `${method}\n${get('content-md5')}\n${get('content-type')}\n${date}\n${logHeaders}${resource}`;
}

/** base64(HMAC(secret, stringToSign)); the key is the plain secret. SHA-256 is the gateway-sls variant. */
export function v1Signature(secret: string, stringToSign: string, algorithm: 'sha1' | 'sha256' = 'sha1'): string {
  return createHmac(algorithm, secret).update(stringToSign, 'utf8').digest('base64');
}

/** RFC 3986 over UTF-8 bytes: only `A-Z a-z 0-9 - _ . ~` stay as they are. */
export function uriEncode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const unreserved = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) ||
      byte === 0x2d || byte === 0x5f || byte === 0x2e || byte === 0x7e;
    out += unreserved ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export const sha256Hex = (body: Buffer | string): string => createHash('sha256').update(body).digest('hex');

/**
 * v4 canonical request. Signed headers are every `content-type`, `host`, `x-log-*` and `x-acs-*`
 * header (the Authorization header does not list them, so the server derives the same set);
 * query keys stay as they are, values are RFC 3986 encoded, an empty value leaves a bare key.
 */
export function v4CanonicalRequest(method: string, path: string, query: Pairs, headers: Headers, contentSha256: string): string {
  const signed = lower(headers)
    .filter(([n]) => n === 'content-type' || n === 'host' || n.startsWith('x-log-') || n.startsWith('x-acs-'))
    .sort(byName);
  const canonicalHeaders = signed.map(([n, v]) => `${n}:${v.trim()}\n`).join('');
  const signedHeaders = signed.map(([n]) => n).join(';');
  const canonicalQuery = [...query]
    .map(([k, v]): [string, string] => [k, uriEncode(v)])
    .sort(byName)
    .map(([k, v]) => (v === '' ? k : `${k}=${v}`))
    .join('&');
  return `${method}\n${path}\n${canonicalQuery}\n${canonicalHeaders}\n${signedHeaders}\n${contentSha256}`;
}

/** `YYYYMMDD/{region}/sls/aliyun_v4_request` for an `x-log-date` of `YYYYMMDDTHHMMSSZ`. */
export const v4Scope = (xLogDate: string, region: string): string => `${xLogDate.slice(0, 8)}/${region}/sls/aliyun_v4_request`;

/** Hex HMAC-SHA256 signature over the v4 string to sign with the derived key chain. */
export function v4Signature(secret: string, region: string, xLogDate: string, canonicalRequest: string): string {
  const stringToSign = `SLS4-HMAC-SHA256\n${xLogDate}\n${v4Scope(xLogDate, region)}\n${sha256Hex(canonicalRequest)}`;
  let key: Buffer = Buffer.from(`aliyun_v4${secret}`, 'utf8');
  for (const part of [xLogDate.slice(0, 8), region, 'sls', 'aliyun_v4_request']) {
    key = createHmac('sha256', key).update(part, 'utf8').digest();
  }
  return createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
}
