import { createHash, createHmac } from 'node:crypto';
import { canonicalQueryString } from './encode.ts';
import { acsTimestamp, freshNonce, type AlibabaCredentials } from './sign.ts';

const ALGORITHM = 'ACS3-HMAC-SHA256';

/**
 * What {@link signV3Request} needs.
 * @public
 */
export interface V3SignInput {
  readonly method: string;
  /** Host the request goes to, e.g. `actiontrail.cn-hangzhou.aliyuncs.com`; always signed. */
  readonly host: string;
  /** Path exactly as sent, already percent-encoded; `/` (the default) for RPC-style APIs. */
  readonly path?: string;
  /** Query parameters, unencoded. */
  readonly query: Readonly<Record<string, string>>;
  /**
   * Extra headers to send. `content-type` and any `x-acs-*` among them are signed; others are passed
   * through unsigned. `host` and `authorization` here are ignored.
   */
  readonly headers?: Readonly<Record<string, string>>;
  /** Request body exactly as sent (a string is sent as UTF-8); none means an empty body. */
  readonly body?: string | Uint8Array;
  readonly credentials: AlibabaCredentials;
  /** API action, sent as `x-acs-action`. */
  readonly action: string;
  /** API version, sent as `x-acs-version`. */
  readonly version: string;
  /** Signing time; defaults to the current time. */
  readonly now?: Date;
  /** `x-acs-signature-nonce`; defaults to a fresh random UUID. */
  readonly nonce?: string;
  /** Also return the `host` header (fetch sets it from the URL, so by default it is left out). */
  readonly includeHost?: boolean;
}

/**
 * The parts of a request that {@link v3CanonicalRequest} reads.
 * @public
 */
export interface V3CanonicalRequestInput {
  readonly method: string;
  /** Canonical URI: the path as sent, `/` for RPC-style APIs. */
  readonly path: string;
  /** Query parameters, unencoded. */
  readonly query: Readonly<Record<string, string>>;
  /** Request headers including `host`; names in any case, only the signed ones are used. */
  readonly headers: Readonly<Record<string, string>>;
  /** Lowercase hex SHA-256 of the body. */
  readonly hashedPayload: string;
}

/** Lowercase names and trimmed values; names that differ only in case are merged with `,`. */
function normalizeHeaders(headers: Readonly<Record<string, string>>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [rawName, rawValue] of Object.entries(headers)) {
    const name = rawName.trim().toLowerCase();
    const value = rawValue.trim();
    const previous = out.get(name);
    out.set(name, previous === undefined ? value : `${previous},${value}`);
  }
  return out;
}

function isSigned(name: string): boolean {
  return name === 'host' || name === 'content-type' || name.startsWith('x-acs-');
}

function signedHeaderEntries(headers: Readonly<Record<string, string>>): [string, string][] {
  return [...normalizeHeaders(headers)]
    .filter(([name]) => isSigned(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * The `SignedHeaders` value: names of the signed headers (`host`, `content-type`, `x-acs-*`), lowercase,
 * sorted, `;`-joined.
 * @public
 */
export function v3SignedHeaders(headers: Readonly<Record<string, string>>): string {
  return signedHeaderEntries(headers)
    .map(([name]) => name)
    .join(';');
}

/**
 * The V3 canonical request: method, canonical URI, canonical query, one `name:value` line per signed
 * header, signed header names and payload hash, each on its own line.
 * @public
 */
export function v3CanonicalRequest(request: V3CanonicalRequestInput): string {
  const canonicalHeaders = signedHeaderEntries(request.headers)
    .map(([name, value]) => `${name}:${value}\n`)
    .join('');
  return [
    request.method.toUpperCase(),
    request.path,
    canonicalQueryString(request.query),
    canonicalHeaders,
    v3SignedHeaders(request.headers),
    request.hashedPayload,
  ].join('\n');
}

/**
 * `ACS3-HMAC-SHA256\n` + hex SHA-256 of the canonical request.
 * @public
 */
export function v3StringToSign(canonicalRequest: string): string {
  return `${ALGORITHM}\n${sha256Hex(canonicalRequest)}`;
}

/**
 * Lowercase hex HMAC-SHA256 of a V3 string to sign, keyed with the plain secret.
 * @public
 */
export function v3Signature(stringToSign: string, accessKeySecret: string): string {
  return createHmac('sha256', accessKeySecret).update(stringToSign, 'utf8').digest('hex');
}

/**
 * Signs a request with the V3 signature (`ACS3-HMAC-SHA256`).
 *
 * Returns the headers to send, names lowercase: the caller's headers, `x-acs-action`, `x-acs-version`,
 * `x-acs-date`, `x-acs-signature-nonce`, `x-acs-content-sha256`, `x-acs-security-token` with STS
 * credentials, and `authorization`. `host` is signed but only returned with `includeHost`. The query must
 * be sent with the same names and values (e.g. via {@link canonicalQueryString}) and the body byte for
 * byte. Call it once per attempt: a retried request needs a new nonce and date.
 * @public
 */
export function signV3Request(input: V3SignInput): Record<string, string> {
  const { credentials } = input;
  const headers = normalizeHeaders(input.headers ?? {});
  headers.delete('host');
  headers.delete('authorization');
  const hashedPayload = sha256Hex(input.body ?? '');
  headers.set('x-acs-action', input.action);
  headers.set('x-acs-version', input.version);
  headers.set('x-acs-date', acsTimestamp(input.now ?? new Date()));
  headers.set('x-acs-signature-nonce', input.nonce ?? freshNonce());
  headers.set('x-acs-content-sha256', hashedPayload);
  if (credentials.securityToken !== undefined) {
    headers.set('x-acs-security-token', credentials.securityToken);
  }

  const signed = Object.fromEntries([...headers, ['host', input.host.trim()]]);
  const canonicalRequest = v3CanonicalRequest({
    method: input.method,
    path: input.path === undefined || input.path === '' ? '/' : input.path,
    query: input.query,
    headers: signed,
    hashedPayload,
  });
  const signature = v3Signature(v3StringToSign(canonicalRequest), credentials.accessKeySecret);

  const out = Object.fromEntries(headers);
  if (input.includeHost === true) out['host'] = input.host.trim();
  out['authorization'] =
    `${ALGORITHM} Credential=${credentials.accessKeyId},SignedHeaders=${v3SignedHeaders(signed)},Signature=${signature}`;
  return out;
}
