import { createHash, createHmac } from 'node:crypto';
import { percentEncode } from '../alibaba/encode.ts';
import type { AlibabaCredentials } from '../alibaba/sign.ts';
import { byCodeUnit, isLogHeader, lowerCaseHeaders, SLS_API_VERSION } from './headers.ts';

const ALGORITHM = 'SLS4-HMAC-SHA256';

/**
 * One SLS request to sign with the v4 (`SLS4-HMAC-SHA256`) signature.
 * @public
 */
export interface SlsV4SignInput {
  readonly method: string;
  /** `{project}.{endpoint}`, as the URL has it; signed, not returned (fetch sends it from the URL). */
  readonly host: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** Extra headers to send; `content-type`, `x-log-*` and `x-acs-*` ones are signed. A caller's `x-log-bodyrawsize` wins. */
  readonly headers?: Readonly<Record<string, string>>;
  /** A string is signed and sent as UTF-8. */
  readonly body?: Uint8Array | string;
  readonly credentials: AlibabaCredentials;
  /** e.g. `cn-hangzhou`; part of the credential scope. */
  readonly region: string;
  readonly now?: Date;
}

/**
 * What the v4 canonical request is made of. `headers` are all the request's headers; the signed ones
 * are picked here.
 * @public
 */
export interface SlsV4CanonicalRequestInput {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
  /** Lowercase hex SHA-256 of the body, the `x-log-content-sha256` value. */
  readonly contentSha256: string;
}

/**
 * `YYYYMMDDTHHMMSSZ` in UTC, the `x-log-date` format.
 * @public
 */
export function slsV4Timestamp(now: Date): string {
  return now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

/**
 * `YYYYMMDD/{region}/sls/aliyun_v4_request`.
 * @public
 */
export function slsV4Scope(timestamp: string, region: string): string {
  return `${timestamp.slice(0, 8)}/${region}/sls/aliyun_v4_request`;
}

function signedHeaderMap(headers: Readonly<Record<string, string>>): Array<readonly [string, string]> {
  return Object.entries(lowerCaseHeaders(headers))
    .filter(([name]) => name === 'content-type' || name === 'host' || isLogHeader(name))
    .sort(([a], [b]) => byCodeUnit(a, b));
}

/**
 * `METHOD\npath\nquery\nheaders\nsignedHeaders\ncontentSha256`. The query is sorted by name, each
 * `name=value` with the value RFC 3986 encoded and the name as is (as the Python SDK does), a bare
 * `name` when the value is empty; headers are `content-type`, `host`, `x-log-*` and `x-acs-*`,
 * lowercased, trimmed and sorted, each `name:value\n`.
 * @public
 */
export function slsV4CanonicalRequest(input: SlsV4CanonicalRequestInput): string {
  const query = Object.keys(input.query)
    .sort(byCodeUnit)
    .map((name) => {
      const value = input.query[name] ?? '';
      return value === '' ? name : `${name}=${percentEncode(value)}`;
    })
    .join('&');
  const signed = signedHeaderMap(input.headers);
  return [
    input.method.toUpperCase(),
    input.path,
    query,
    signed.map(([name, value]) => `${name}:${value.trim()}\n`).join(''),
    signed.map(([name]) => name).join(';'),
    input.contentSha256,
  ].join('\n');
}

/**
 * `SLS4-HMAC-SHA256\n{timestamp}\n{scope}\n{hex(sha256(canonicalRequest))}`.
 * @public
 */
export function slsV4StringToSign(canonicalRequest: string, timestamp: string, region: string): string {
  const hashed = createHash('sha256').update(canonicalRequest, 'utf8').digest('hex');
  return `${ALGORITHM}\n${timestamp}\n${slsV4Scope(timestamp, region)}\n${hashed}`;
}

/**
 * Hex HMAC-SHA256 of the string to sign under the key chain
 * `"aliyun_v4" + secret` → date → region → `sls` → `aliyun_v4_request`.
 * @public
 */
export function slsV4Signature(stringToSign: string, accessKeySecret: string, timestamp: string, region: string): string {
  let key: Buffer | string = `aliyun_v4${accessKeySecret}`;
  for (const part of [timestamp.slice(0, 8), region, 'sls', 'aliyun_v4_request']) {
    key = createHmac('sha256', key).update(part, 'utf8').digest();
  }
  return createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
}

/**
 * Every header an SLS request signed with v4 needs, caller headers included (lowercase names):
 * `x-log-date`, `x-log-content-sha256`, `x-log-signaturemethod: hmac-sha256`, `x-log-apiversion`,
 * `x-log-bodyrawsize`, `content-type` only with a body, `x-acs-security-token` for STS credentials and
 * `authorization: SLS4-HMAC-SHA256 Credential=<AccessKeyId>/<scope>,Signature=<hex>`. `host` is signed
 * but not returned.
 * @public
 */
export function signSlsV4(input: SlsV4SignInput): Record<string, string> {
  const { credentials, region } = input;
  const body = typeof input.body === 'string' ? Buffer.from(input.body, 'utf8') : input.body;
  const hasBody = body !== undefined && body.length > 0;
  const headers = lowerCaseHeaders(input.headers);
  delete headers['authorization'];
  delete headers['host'];
  if (hasBody) headers['content-type'] ??= 'application/json';
  else delete headers['content-type'];
  const timestamp = slsV4Timestamp(input.now ?? new Date());
  const contentSha256 = createHash('sha256').update(hasBody ? body : new Uint8Array(0)).digest('hex');
  headers['x-log-date'] = timestamp;
  headers['x-log-content-sha256'] = contentSha256;
  headers['x-log-apiversion'] = SLS_API_VERSION;
  headers['x-log-signaturemethod'] = 'hmac-sha256';
  headers['x-log-bodyrawsize'] ??= String(hasBody ? body.length : 0);
  if (credentials.securityToken) headers['x-acs-security-token'] = credentials.securityToken;
  else delete headers['x-acs-security-token'];
  const canonical = slsV4CanonicalRequest({
    method: input.method,
    path: input.path,
    query: input.query,
    headers: { ...headers, host: input.host },
    contentSha256,
  });
  const signature = slsV4Signature(slsV4StringToSign(canonical, timestamp, region), credentials.accessKeySecret, timestamp, region);
  headers['authorization'] = `${ALGORITHM} Credential=${credentials.accessKeyId}/${slsV4Scope(timestamp, region)},Signature=${signature}`;
  return headers;
}
