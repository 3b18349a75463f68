/**
 * Alibaba's two signature algorithms for RPC APIs, written for the simulator from the published
 * rules (research/alibaba.md §2.1, §2.3) with node:crypto only. Exported so the tests can run the
 * published vectors through exactly the code that judges requests.
 */
import { createHash, createHmac } from 'node:crypto';

export type Pairs = ReadonlyArray<readonly [string, string]>;

/**
 * RFC 3986 percent-encoding as Alibaba specifies it: only `A–Z a–z 0–9 - _ . ~` stay, everything
 * else is UTF-8 `%XY` with uppercase hex (space is `%20`, `*` is `%2A`).
 */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Orders by name, then value, comparing UTF-16 code units (byte order for ASCII names). */
function byNameThenValue(a: readonly [string, string], b: readonly [string, string]): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
}

/** `k1=v1&k2=v2…` over the pairs sorted by name, names and values percent-encoded. */
export function canonicalQuery(pairs: Pairs): string {
  return [...pairs]
    .sort(byNameThenValue)
    .map(([name, value]) => `${percentEncode(name)}=${percentEncode(value)}`)
    .join('&');
}

/**
 * V2 (`SignatureMethod=HMAC-SHA1`, `SignatureVersion=1.0`) string to sign:
 * `METHOD&%2F&percentEncode(canonical query of every parameter except Signature)`.
 */
export function rpcStringToSign(method: string, params: Pairs): string {
  const canonical = canonicalQuery(params.filter(([name]) => name !== 'Signature'));
  return `${method}&${percentEncode('/')}&${percentEncode(canonical)}`;
}

/** V2 signature: base64 HMAC-SHA1 keyed with `secret + "&"`. */
export function rpcSignature(stringToSign: string, accessKeySecret: string): string {
  return createHmac('sha1', `${accessKeySecret}&`).update(stringToSign, 'utf8').digest('base64');
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The V3 request parts that are signed. Header names may be in any case. */
export interface Acs3Request {
  method: string;
  /** `/` for RPC APIs. */
  path: string;
  query: Pairs;
  /** Exactly the headers named in SignedHeaders; a repeated header appears once per value. */
  headers: Pairs;
  /** Lowercase hex SHA-256 of the body. */
  payloadHash: string;
}

/**
 * The V3 canonical request:
 * `METHOD\nURI\ncanonical query\ncanonical headers\nSignedHeaders\npayload hash`, where canonical
 * headers are `name:value\n` with lowercase names, trimmed values, sorted by name (values of a
 * repeated header sorted and joined with `,`), and SignedHeaders the same names joined with `;`.
 */
export function acs3CanonicalRequest(request: Acs3Request): { canonicalRequest: string; signedHeaders: string } {
  const grouped = new Map<string, string[]>();
  for (const [name, value] of request.headers) {
    const key = name.toLowerCase();
    grouped.set(key, [...(grouped.get(key) ?? []), value.trim()]);
  }
  const names = [...grouped.keys()].sort();
  const canonicalHeaders = names.map((name) => `${name}:${(grouped.get(name) ?? []).sort().join(',')}\n`).join('');
  const signedHeaders = names.join(';');
  const canonicalRequest = [
    request.method,
    request.path,
    canonicalQuery(request.query),
    canonicalHeaders,
    signedHeaders,
    request.payloadHash,
  ].join('\n');
  return { canonicalRequest, signedHeaders };
}

/** `ACS3-HMAC-SHA256\n` + hex SHA-256 of the canonical request. */
export function acs3StringToSign(canonicalRequest: string): string {
  return `ACS3-HMAC-SHA256\n${sha256Hex(canonicalRequest)}`;
}

/** V3 signature: lowercase hex HMAC-SHA256 keyed with the secret itself. */
export function acs3Signature(stringToSign: string, accessKeySecret: string): string {
  return createHmac('sha256', accessKeySecret).update(stringToSign, 'utf8').digest('hex');
}
