import { randomUUID } from 'node:crypto';

/**
 * An Alibaba Cloud AccessKey pair, optionally with the token of temporary STS credentials.
 * @public
 */
export interface AlibabaCredentials {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  /** STS token; sent as `SecurityToken` (V2) or the signed `x-acs-security-token` header (V3). */
  readonly securityToken?: string;
}

/**
 * Which OpenAPI signature a client uses: `v2` is the RPC HMAC-SHA1 signature (wire value
 * `SignatureVersion=1.0`), `v3` is `ACS3-HMAC-SHA256`.
 * @public
 */
export type SignatureVersion = 'v2' | 'v3';

/**
 * `YYYY-MM-DDThh:mm:ssZ` in UTC: both signatures reject the milliseconds `toISOString` adds.
 * @internal
 */
export function acsTimestamp(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Alibaba rejects a nonce it has seen within the replay window, so every signing gets a fresh one.
 * @internal
 */
export function freshNonce(): string {
  return randomUUID();
}
