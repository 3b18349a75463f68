import { createHmac } from 'node:crypto';
import { canonicalQueryString, percentEncode } from './encode.ts';
import { acsTimestamp, freshNonce, type AlibabaCredentials } from './sign.ts';

/**
 * What {@link signRpcRequest} needs: the API parameters plus who calls which action.
 * @public
 */
export interface RpcSignInput {
  /** The HTTP method the request will be sent with; it is part of the signed string. */
  readonly method: 'GET' | 'POST';
  /** API parameters, e.g. `StartTime`, `LookupAttribute.1.Key`; a `Signature` entry is ignored. */
  readonly params: Readonly<Record<string, string>>;
  readonly credentials: AlibabaCredentials;
  readonly action: string;
  /** API version, e.g. `2020-07-06`. */
  readonly version: string;
  /** Signing time; defaults to the current time. */
  readonly now?: Date;
  /** `SignatureNonce`; defaults to a fresh random UUID. */
  readonly nonce?: string;
}

/**
 * The V2 string to sign: `METHOD&%2F&` + the percent-encoded canonical query of every parameter except
 * `Signature`.
 * @public
 */
export function rpcStringToSign(method: string, params: Readonly<Record<string, string>>): string {
  const { Signature: _ignored, ...signed } = params;
  return `${method}&${percentEncode('/')}&${percentEncode(canonicalQueryString(signed))}`;
}

/**
 * Base64 HMAC-SHA1 of a V2 string to sign, keyed with the secret followed by `&` (the empty token
 * secret of the OAuth-style scheme this signature descends from).
 * @public
 */
export function rpcSignature(stringToSign: string, accessKeySecret: string): string {
  return createHmac('sha1', `${accessKeySecret}&`).update(stringToSign, 'utf8').digest('base64');
}

/**
 * Signs an RPC-style request with the V2 signature (`SignatureMethod=HMAC-SHA1`, `SignatureVersion=1.0`).
 *
 * Returns every parameter to send, the API ones plus the common ones and `Signature`, unencoded: put them
 * in the query (GET) or a form body (POST) with any correct encoding, e.g. {@link canonicalQueryString}.
 * The common parameters override API parameters of the same name. Call it once per attempt: a retried
 * request needs a new nonce and timestamp.
 * @public
 */
export function signRpcRequest(input: RpcSignInput): Record<string, string> {
  const { credentials } = input;
  const { Signature: _ignored, ...apiParams } = input.params;
  const params: Record<string, string> = {
    ...apiParams,
    Action: input.action,
    Version: input.version,
    Format: 'JSON',
    AccessKeyId: credentials.accessKeyId,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: input.nonce ?? freshNonce(),
    Timestamp: acsTimestamp(input.now ?? new Date()),
  };
  if (credentials.securityToken !== undefined) params['SecurityToken'] = credentials.securityToken;
  params['Signature'] = rpcSignature(rpcStringToSign(input.method, params), credentials.accessKeySecret);
  return params;
}
