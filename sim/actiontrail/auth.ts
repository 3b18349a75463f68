/**
 * Authentication of both signature versions. Each version is parsed into a {@link Claim}; one
 * routine then judges every claim in the same order: Action/Version, timestamp, AccessKey,
 * signature, STS token, nonce.
 */
import { timingSafeEqual } from 'node:crypto';
import { errors, type SimError } from './replies.ts';
import {
  type Pairs,
  acs3CanonicalRequest,
  acs3Signature,
  acs3StringToSign,
  rpcSignature,
  rpcStringToSign,
  sha256Hex,
} from './signing.ts';
import { parseUtcSecond } from './time.ts';
import type { ActionTrailSimCredential } from './types.ts';

export const ACTION = 'LookupEvents';
export const API_VERSION = '2020-07-06';
/** Largest accepted clock skew, and how long a nonce is remembered. */
const WINDOW_MS = 15 * 60_000;

/** What a signed request claims, whichever version signed it. */
export interface Claim {
  accessKeyId: string;
  timestamp: string;
  nonce: string;
  securityToken: string | undefined;
  action: string;
  version: string;
  signature: string;
  /** The server's string to sign and signature for a secret, and what an error may show. */
  expect(secret: string): { signature: string; shown: string };
}

export type Parsed = { claim: Claim } | { reply: SimError };
export type AuthOutcome = { ok: true; accessKeyId: string } | { ok: false; reply: SimError };

/** Signature nonces seen within the last 15 minutes (sim time), per AccessKey. */
export class NonceMemory {
  readonly #seen = new Map<string, number>();

  /** Records the nonce; false when it was already used within the window. */
  use(accessKeyId: string, nonce: string, nowMs: number): boolean {
    // Insertion order is arrival order, so the expired ones come first.
    for (const [key, at] of this.#seen) {
      if (at > nowMs - WINDOW_MS) break;
      this.#seen.delete(key);
    }
    const key = `${accessKeyId}\n${nonce}`;
    if (this.#seen.has(key)) return false;
    this.#seen.set(key, nowMs);
    return true;
  }
}

const first = (pairs: Pairs, name: string): string | undefined => pairs.find(([n]) => n === name)?.[1];

/** Parses a V2 request: every parameter of the query and a form body. */
export function parseV2(method: string, params: Pairs): Parsed {
  const missing = ['Signature', 'AccessKeyId', 'Timestamp', 'SignatureNonce'].filter((name) => !first(params, name));
  if (missing.length > 0) return { reply: errors.incompleteSignature(`Missing ${missing.join(', ')}.`) };
  if (first(params, 'SignatureMethod') !== 'HMAC-SHA1' || first(params, 'SignatureVersion') !== '1.0') {
    return { reply: errors.incompleteSignature('SignatureMethod must be HMAC-SHA1 and SignatureVersion 1.0.') };
  }
  // Without Format=JSON Alibaba answers XML, which this simulator cannot: refuse rather than hide it.
  if (first(params, 'Format') !== 'JSON') return { reply: errors.invalidParameter('Format', 'The simulator requires Format=JSON.') };
  return {
    claim: {
      accessKeyId: first(params, 'AccessKeyId') ?? '',
      timestamp: first(params, 'Timestamp') ?? '',
      nonce: first(params, 'SignatureNonce') ?? '',
      securityToken: first(params, 'SecurityToken'),
      action: first(params, 'Action') ?? '',
      version: first(params, 'Version') ?? '',
      signature: first(params, 'Signature') ?? '',
      expect(secret) {
        const stringToSign = rpcStringToSign(method, params);
        return { signature: rpcSignature(stringToSign, secret), shown: stringToSign };
      },
    },
  };
}

/** Request headers by lowercase name, every value of each (Node's `headersDistinct`). */
export type DistinctHeaders = Readonly<Record<string, string[] | undefined>>;

const REQUIRED_V3_HEADERS = ['host', 'x-acs-action', 'x-acs-version', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-content-sha256'];

/** Parses a V3 request from its `Authorization: ACS3-HMAC-SHA256 …` header. */
export function parseV3(request: { method: string; query: Pairs; headers: DistinctHeaders; body: Buffer }): Parsed {
  const header = (name: string): string | undefined => request.headers[name]?.join(',');
  const match = /^ACS3-HMAC-SHA256 +(.*)$/.exec(header('authorization') ?? '');
  if (match === null) return { reply: errors.incompleteSignature('Only ACS3-HMAC-SHA256 is supported.') };
  const fields = new Map((match[1] ?? '').split(',').map((part): [string, string] => {
    const at = part.indexOf('=');
    return at < 0 ? [part.trim(), ''] : [part.slice(0, at).trim(), part.slice(at + 1).trim()];
  }));
  const credential = fields.get('Credential') ?? '';
  const signature = fields.get('Signature') ?? '';
  const signedList = (fields.get('SignedHeaders') ?? '').split(';').map((name) => name.trim().toLowerCase()).filter((n) => n !== '');
  if (credential === '' || signature === '' || signedList.length === 0) {
    return { reply: errors.incompleteSignature('Authorization needs Credential, SignedHeaders and Signature.') };
  }
  const missing = REQUIRED_V3_HEADERS.filter((name) => !header(name));
  if (missing.length > 0) return { reply: errors.incompleteSignature(`Missing header ${missing.join(', ')}.`) };
  const mustSign = [...REQUIRED_V3_HEADERS, ...(header('x-acs-security-token') === undefined ? [] : ['x-acs-security-token'])];
  const unsigned = mustSign.filter((name) => !signedList.includes(name));
  if (unsigned.length > 0) return { reply: errors.incompleteSignature(`SignedHeaders must include ${unsigned.join(', ')}.`) };
  const absent = signedList.filter((name) => header(name) === undefined);
  if (absent.length > 0) return { reply: errors.incompleteSignature(`Signed header ${absent.join(', ')} is not in the request.`) };

  const payloadHash = sha256Hex(request.body);
  const sentHash = header('x-acs-content-sha256') ?? '';
  return {
    claim: {
      accessKeyId: credential,
      timestamp: header('x-acs-date') ?? '',
      nonce: header('x-acs-signature-nonce') ?? '',
      securityToken: header('x-acs-security-token'),
      action: header('x-acs-action') ?? '',
      version: header('x-acs-version') ?? '',
      signature,
      expect(secret) {
        const headers = signedList.flatMap((name) => (request.headers[name] ?? []).map((v): [string, string] => [name, v]));
        const { canonicalRequest } = acs3CanonicalRequest({ method: request.method, path: '/', query: request.query, headers, payloadHash });
        const stringToSign = acs3StringToSign(canonicalRequest);
        const note = sentHash === payloadHash ? '' : ` (x-acs-content-sha256 ${sentHash} is not the SHA-256 of the body, ${payloadHash})`;
        return { signature: acs3Signature(stringToSign, secret), shown: `${stringToSign} canonical request is:${canonicalRequest}${note}` };
      },
    },
  };
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface AuthDeps {
  credentials: ReadonlyMap<string, ActionTrailSimCredential>;
  nonces: NonceMemory;
  nowMs: number;
}

/** Judges a parsed claim. The nonce is used up only by a request that passed every other check. */
export function authenticate(claim: Claim, deps: AuthDeps): AuthOutcome {
  const fail = (reply: SimError): AuthOutcome => ({ ok: false, reply });
  if (claim.action !== ACTION) return fail(errors.actionNotFound());
  if (claim.version !== API_VERSION) return fail(errors.invalidVersion());
  const at = parseUtcSecond(claim.timestamp);
  if (at === undefined) return fail(errors.timestampFormat());
  if (Math.abs(at - deps.nowMs) > WINDOW_MS) return fail(errors.timestampExpired());
  const credential = deps.credentials.get(claim.accessKeyId);
  if (credential === undefined) return fail(errors.accessKeyNotFound());
  const expected = claim.expect(credential.accessKeySecret);
  if (!sameText(claim.signature, expected.signature)) return fail(errors.signatureMismatch(expected.shown));
  if (claim.securityToken !== credential.securityToken) return fail(errors.securityTokenMismatch());
  if (!deps.nonces.use(claim.accessKeyId, claim.nonce, deps.nowMs)) return fail(errors.nonceUsed());
  return { ok: true, accessKeyId: claim.accessKeyId };
}
