import { createHash, createHmac } from 'node:crypto';
import type { AlibabaCredentials } from '../alibaba/sign.ts';
import { byCodeUnit, isLogHeader, lowerCaseHeaders, SLS_API_VERSION } from './headers.ts';

/**
 * What the SLS v1 string to sign is made of. Header names may have any case; values are used as given.
 * @public
 */
export interface SlsV1StringToSignInput {
  readonly method: string;
  /** The resource path, e.g. `/logstores/trail/shards/0`, unencoded. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** Must contain `date`; `content-md5` and `content-type` are signed when present. */
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * One SLS request to sign with the v1 (`LOG ak:sig`, HMAC-SHA1) signature.
 * @public
 */
export interface SlsV1SignInput {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /**
   * Extra headers to send (e.g. `accept`, `accept-encoding`); `x-log-*`/`x-acs-*` ones are signed. A
   * caller's `x-log-bodyrawsize` wins over the body length (a compressed body declares its raw size),
   * and its `content-type` is kept when there is a body.
   */
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Uint8Array;
  readonly credentials: AlibabaCredentials;
  /** Signing time; defaults to now. SLS rejects a `date` more than 15 minutes off. */
  readonly now?: Date;
}

/**
 * `METHOD\nContent-MD5\nContent-Type\nDate\n` + every `x-log-*`/`x-acs-*` header as `name:value\n` (names
 * lowercased and sorted, values trimmed) + the resource: the path, then `?` and the parameters sorted by
 * name as `name=value` joined by `&`, values NOT percent-encoded (an empty value gives `name=`).
 * @public
 */
export function slsV1StringToSign(input: SlsV1StringToSignInput): string {
  const headers = lowerCaseHeaders(input.headers);
  const logHeaders = Object.keys(headers)
    .filter(isLogHeader)
    .sort(byCodeUnit)
    .map((name) => `${name}:${(headers[name] ?? '').trim()}\n`)
    .join('');
  const params = Object.keys(input.query)
    .sort(byCodeUnit)
    .map((name) => `${name}=${input.query[name] ?? ''}`)
    .join('&');
  return [
    input.method.toUpperCase(),
    headers['content-md5'] ?? '',
    headers['content-type'] ?? '',
    headers['date'] ?? '',
    `${logHeaders}${input.path}${params ? `?${params}` : ''}`,
  ].join('\n');
}

/**
 * base64(HMAC-SHA1(secret, stringToSign)); the key is the plain secret, without the `&` the OpenAPI
 * RPC signature appends.
 * @public
 */
export function slsV1Signature(stringToSign: string, accessKeySecret: string): string {
  return createHmac('sha1', accessKeySecret).update(stringToSign, 'utf8').digest('base64');
}

/**
 * Every header an SLS request signed with v1 needs, caller headers included: `date` (RFC 1123 GMT),
 * `x-log-apiversion`, `x-log-signaturemethod: hmac-sha1`, `x-log-bodyrawsize`, `content-md5` (uppercase
 * hex) and `content-type` only with a body, `x-acs-security-token` for STS credentials, and
 * `authorization: LOG <AccessKeyId>:<signature>`. Names are lowercase.
 * @public
 */
export function signSlsV1(input: SlsV1SignInput): Record<string, string> {
  const { body, credentials } = input;
  const headers = lowerCaseHeaders(input.headers);
  const hasBody = body !== undefined && body.length > 0;
  delete headers['authorization'];
  delete headers['content-md5'];
  if (hasBody) {
    headers['content-md5'] = createHash('md5').update(body).digest('hex').toUpperCase();
    headers['content-type'] ??= 'application/json';
  } else {
    // SLS signs Content-Type as sent; without a body the SDKs send none, so neither do we.
    delete headers['content-type'];
  }
  // toUTCString is RFC 1123 with a zero-padded day: `Mon, 09 Nov 2015 06:11:16 GMT`.
  headers['date'] = (input.now ?? new Date()).toUTCString();
  headers['x-log-apiversion'] = SLS_API_VERSION;
  headers['x-log-signaturemethod'] = 'hmac-sha1';
  headers['x-log-bodyrawsize'] ??= String(hasBody ? body.length : 0);
  if (credentials.securityToken) headers['x-acs-security-token'] = credentials.securityToken;
  else delete headers['x-acs-security-token'];
  const signature = slsV1Signature(
    slsV1StringToSign({ method: input.method, path: input.path, query: input.query, headers }),
    credentials.accessKeySecret,
  );
  headers['authorization'] = `LOG ${credentials.accessKeyId}:${signature}`;
  return headers;
}
