import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalQueryString, percentEncode } from '../../lib/alibaba/encode.ts';
import { rpcSignature, rpcStringToSign, signRpcRequest } from '../../lib/alibaba/rpc-sign.ts';
import type { AlibabaCredentials } from '../../lib/alibaba/sign.ts';
import {
  signV3Request,
  v3CanonicalRequest,
  v3SignedHeaders,
  v3Signature,
  v3StringToSign,
} from '../../lib/alibaba/v3-sign.ts';

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** What an Alibaba gateway does with a V2 request: decode the wire query, drop Signature, re-sign. */
function serverVerifiesRpc(method: string, wire: string, secret: string): boolean {
  const received = Object.fromEntries(new URLSearchParams(wire));
  return rpcSignature(rpcStringToSign(method, received), secret) === received['Signature'];
}

describe('percentEncode', () => {
  it('escapes space, * and RFC 3986 reserved characters, keeps unreserved ones including ~', () => {
    expect(percentEncode('a b')).toBe('a%20b');
    expect(percentEncode('*')).toBe('%2A');
    expect(percentEncode('~')).toBe('~');
    expect(percentEncode("!'()")).toBe('%21%27%28%29');
    expect(percentEncode(':/?#[]@$&+,;=%')).toBe('%3A%2F%3F%23%5B%5D%40%24%26%2B%2C%3B%3D%25');
    expect(percentEncode('AZaz09-_.~')).toBe('AZaz09-_.~');
    expect(percentEncode('2020-10-15T11:00:00Z')).toBe('2020-10-15T11%3A00%3A00Z');
  });

  it('encodes non-ASCII text as UTF-8 bytes with uppercase hex', () => {
    expect(percentEncode('é')).toBe('%C3%A9');
    expect(percentEncode('中文')).toBe('%E4%B8%AD%E6%96%87');
    expect(percentEncode('😀')).toBe('%F0%9F%98%80');
  });

  it('agrees with a byte-by-byte RFC 3986 encoder on every ASCII character', () => {
    for (let code = 0; code < 128; code++) {
      const c = String.fromCharCode(code);
      const expected = /[A-Za-z0-9\-_.~]/.test(c)
        ? c
        : `%${code.toString(16).toUpperCase().padStart(2, '0')}`;
      expect(percentEncode(c)).toBe(expected);
    }
  });

  it('refuses a lone surrogate instead of signing bytes the server never sees', () => {
    expect(() => percentEncode('\uD800')).toThrow(URIError);
  });
});

describe('canonicalQueryString', () => {
  it('sorts by encoded name, encodes both sides and keeps empty values as k=', () => {
    expect(canonicalQueryString({ b: 'x y', a: '', 'A*': '~', c: '=' })).toBe('A%2A=~&a=&b=x%20y&c=%3D');
    expect(canonicalQueryString({})).toBe('');
  });
});

describe('V2 (RPC, HMAC-SHA1) published vectors', () => {
  it('{test: ok}, empty method, secret accessKeySecret', () => {
    const sts = rpcStringToSign('', { test: 'ok' });
    expect(sts).toBe('&%2F&test%3Dok');
    expect(rpcSignature(sts, 'accessKeySecret')).toBe('jHx/oHoHNrbVfhncHEvPdHXZwHU=');
  });

  it('{query: test, body: test}, GET, secret secret', () => {
    const sts = rpcStringToSign('GET', { query: 'test', body: 'test' });
    expect(rpcSignature(sts, 'secret')).toBe('XlUyV4sXjOuX5FnjUz9IF9tm5rU=');
  });

  const lookupEvents = {
    AccessKeyId: 'testid',
    Action: 'LookupEvents',
    Direction: 'FORWARD',
    EndTime: '2020-10-15T11:00:00Z',
    Format: 'JSON',
    'LookupAttribute.1.Key': 'EventName',
    'LookupAttribute.1.Value': 'ConsoleSignin',
    MaxResults: '50',
    SignatureMethod: 'HMAC-SHA1',
    SignatureNonce: '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf',
    SignatureVersion: '1.0',
    StartTime: '2020-10-08T11:00:00Z',
    Timestamp: '2020-10-15T11:00:00Z',
    Version: '2020-07-06',
  };

  it('LookupEvents derived vector, from the full parameter set', () => {
    expect(rpcSignature(rpcStringToSign('GET', lookupEvents), 'testsecret')).toBe('3yhdXTZgXqeRijYltUGVmivcPig=');
  });

  it('LookupEvents derived vector, through signRpcRequest with fixed clock and nonce', () => {
    const params = signRpcRequest({
      method: 'GET',
      params: {
        Direction: 'FORWARD',
        EndTime: '2020-10-15T11:00:00Z',
        'LookupAttribute.1.Key': 'EventName',
        'LookupAttribute.1.Value': 'ConsoleSignin',
        MaxResults: '50',
        StartTime: '2020-10-08T11:00:00Z',
      },
      credentials: { accessKeyId: 'testid', accessKeySecret: 'testsecret' },
      action: 'LookupEvents',
      version: '2020-07-06',
      now: new Date('2020-10-15T11:00:00.789Z'), // milliseconds must not reach the wire
      nonce: '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf',
    });
    expect(params).toEqual({ ...lookupEvents, Signature: '3yhdXTZgXqeRijYltUGVmivcPig=' });
  });
});

describe('signRpcRequest', () => {
  const credentials: AlibabaCredentials = { accessKeyId: 'ak', accessKeySecret: 'sk' };
  const base = {
    method: 'POST',
    params: { Query: 'a b*~é', Empty: '' },
    credentials,
    action: 'LookupEvents',
    version: '2020-07-06',
  } as const;

  it('is verified by a server that decodes the wire query or a +-encoded form body', () => {
    const params = signRpcRequest(base);
    expect(serverVerifiesRpc('POST', canonicalQueryString(params), 'sk')).toBe(true);
    expect(serverVerifiesRpc('POST', new URLSearchParams(params).toString(), 'sk')).toBe(true);
    expect(serverVerifiesRpc('GET', canonicalQueryString(params), 'sk')).toBe(false);
    expect(serverVerifiesRpc('POST', canonicalQueryString(params), 'other')).toBe(false);
  });

  it('uses a fresh nonce and the current time on every call', () => {
    const before = Date.now();
    const a = signRpcRequest(base);
    const b = signRpcRequest(base);
    expect(a['SignatureNonce']).not.toBe(b['SignatureNonce']);
    expect(a['Signature']).not.toBe(b['Signature']);
    expect(a['Timestamp']).toMatch(TIMESTAMP);
    const signedAt = Date.parse(a['Timestamp'] ?? '');
    expect(signedAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(signedAt).toBeLessThanOrEqual(Date.now());
  });

  it('is deterministic given now and nonce', () => {
    const fixed = { ...base, now: new Date('2024-01-02T03:04:05Z'), nonce: 'n-1' };
    expect(signRpcRequest(fixed)).toEqual(signRpcRequest(fixed));
    expect(signRpcRequest(fixed)['Timestamp']).toBe('2024-01-02T03:04:05Z');
  });

  it('sends and signs the STS token as SecurityToken', () => {
    const fixed = { ...base, now: new Date('2024-01-02T03:04:05Z'), nonce: 'n-1' };
    const plain = signRpcRequest(fixed);
    const sts = signRpcRequest({ ...fixed, credentials: { ...credentials, securityToken: 'tok/+=' } });
    expect(plain).not.toHaveProperty('SecurityToken');
    expect(sts['SecurityToken']).toBe('tok/+=');
    expect(sts['Signature']).not.toBe(plain['Signature']);
    expect(serverVerifiesRpc('POST', canonicalQueryString(sts), 'sk')).toBe(true);
    const tampered = canonicalQueryString({ ...sts, SecurityToken: 'other' });
    expect(serverVerifiesRpc('POST', tampered, 'sk')).toBe(false);
  });

  it('lets the common parameters win over API parameters of the same name', () => {
    const params = signRpcRequest({
      ...base,
      params: { Action: 'Evil', Signature: 'stale', Timestamp: 'x' },
      now: new Date('2024-01-02T03:04:05Z'),
    });
    expect(params['Action']).toBe('LookupEvents');
    expect(params['Timestamp']).toBe('2024-01-02T03:04:05Z');
    expect(params['Signature']).not.toBe('stale');
    expect(serverVerifiesRpc('POST', canonicalQueryString(params), 'sk')).toBe(true);
  });
});

describe('V3 (ACS3-HMAC-SHA256) official RunInstances vector', () => {
  const query = { ImageId: 'win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd', RegionId: 'cn-shanghai' };
  const signedHeaders = 'host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version';
  const hashedCanonical = '7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259';
  const signature = '06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0';

  it('reproduces the canonical request hash, SignedHeaders and signature', () => {
    const headers = {
      host: 'ecs.cn-shanghai.aliyuncs.com',
      'x-acs-action': 'RunInstances',
      'x-acs-version': '2014-05-26',
      'x-acs-date': '2023-10-26T10:22:32Z',
      'x-acs-signature-nonce': '3156853299f313e23d1673dc12e1703d',
      'x-acs-content-sha256': EMPTY_SHA256,
    };
    const canonical = v3CanonicalRequest({ method: 'POST', path: '/', query, headers, hashedPayload: EMPTY_SHA256 });
    expect(canonical).toBe(
      [
        'POST',
        '/',
        'ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai',
        'host:ecs.cn-shanghai.aliyuncs.com',
        'x-acs-action:RunInstances',
        `x-acs-content-sha256:${EMPTY_SHA256}`,
        'x-acs-date:2023-10-26T10:22:32Z',
        'x-acs-signature-nonce:3156853299f313e23d1673dc12e1703d',
        'x-acs-version:2014-05-26',
        '',
        signedHeaders,
        EMPTY_SHA256,
      ].join('\n'),
    );
    expect(createHash('sha256').update(canonical).digest('hex')).toBe(hashedCanonical);
    expect(v3SignedHeaders(headers)).toBe(signedHeaders);
    const stringToSign = v3StringToSign(canonical);
    expect(stringToSign).toBe(`ACS3-HMAC-SHA256\n${hashedCanonical}`);
    expect(v3Signature(stringToSign, 'YourAccessKeySecret')).toBe(signature);
  });

  it('is reproduced end to end by signV3Request', () => {
    const headers = signV3Request({
      method: 'POST',
      host: 'ecs.cn-shanghai.aliyuncs.com',
      query,
      credentials: { accessKeyId: 'YourAccessKeyId', accessKeySecret: 'YourAccessKeySecret' },
      action: 'RunInstances',
      version: '2014-05-26',
      now: new Date('2023-10-26T10:22:32.500Z'),
      nonce: '3156853299f313e23d1673dc12e1703d',
    });
    expect(headers).toEqual({
      'x-acs-action': 'RunInstances',
      'x-acs-version': '2014-05-26',
      'x-acs-date': '2023-10-26T10:22:32Z',
      'x-acs-signature-nonce': '3156853299f313e23d1673dc12e1703d',
      'x-acs-content-sha256': EMPTY_SHA256,
      authorization: `ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=${signedHeaders},Signature=${signature}`,
    });
  });
});

describe('signV3Request', () => {
  const credentials: AlibabaCredentials = { accessKeyId: 'ak', accessKeySecret: 'sk' };
  const base = {
    method: 'POST',
    host: 'actiontrail.cn-hangzhou.aliyuncs.com',
    query: { StartTime: '2024-01-01T00:00:00Z', 'LookupAttribute.1.Value': 'a b*' },
    credentials,
    action: 'LookupEvents',
    version: '2020-07-06',
  } as const;
  const fixed = { ...base, now: new Date('2024-01-02T03:04:05Z'), nonce: 'n-1' };

  /** What the gateway does: rebuild the canonical request from what arrived and check the signature. */
  function serverVerifiesV3(
    sent: Record<string, string>,
    req: { method: string; host: string; path?: string; query: Record<string, string>; body?: string | Uint8Array },
    secret: string,
  ): boolean {
    const auth = /^ACS3-HMAC-SHA256 Credential=[^,]+,SignedHeaders=([^,]+),Signature=([0-9a-f]{64})$/.exec(
      sent['authorization'] ?? '',
    );
    if (auth === null) return false;
    const all: Record<string, string> = { ...sent, host: req.host };
    const named = new Set((auth[1] ?? '').split(';'));
    const headers = Object.fromEntries(Object.entries(all).filter(([k]) => named.has(k)));
    const payload = createHash('sha256').update(req.body ?? '').digest('hex');
    if (payload !== sent['x-acs-content-sha256']) return false;
    const canonical = v3CanonicalRequest({
      method: req.method,
      path: req.path ?? '/',
      query: Object.fromEntries(new URLSearchParams(canonicalQueryString(req.query))),
      headers,
      hashedPayload: payload,
    });
    return v3SignedHeaders(headers) === auth[1] && v3Signature(v3StringToSign(canonical), secret) === auth[2];
  }

  it('signs host, content-type and x-acs-* but passes other headers through unsigned', () => {
    const body = '{"a":"é"}';
    const sent = signV3Request({
      ...fixed,
      body,
      headers: { 'Content-Type': ' application/json ', Accept: 'application/json', 'X-Acs-Extra': 'v' },
    });
    expect(sent['content-type']).toBe('application/json');
    expect(sent['accept']).toBe('application/json');
    expect(sent['x-acs-content-sha256']).toBe(createHash('sha256').update(body, 'utf8').digest('hex'));
    expect(sent['authorization']).toContain(
      'SignedHeaders=content-type;host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-extra;x-acs-signature-nonce;x-acs-version,',
    );
    expect(sent).not.toHaveProperty('host');
    expect(serverVerifiesV3(sent, { ...fixed, body }, 'sk')).toBe(true);
    expect(serverVerifiesV3(sent, { ...fixed, body: Buffer.from(body, 'utf8') }, 'sk')).toBe(true);
    expect(serverVerifiesV3(sent, { ...fixed, body: '{"a":"e"}' }, 'sk')).toBe(false);
    expect(serverVerifiesV3(sent, { ...fixed, host: 'evil.example' }, 'sk')).toBe(false);
    expect(serverVerifiesV3(sent, { ...fixed, method: 'GET' }, 'sk')).toBe(false);
    expect(serverVerifiesV3({ ...sent, 'x-acs-extra': 'w' }, { ...fixed, body }, 'sk')).toBe(false);
    expect(serverVerifiesV3({ ...sent, accept: '*/*' }, { ...fixed, body }, 'sk')).toBe(true);
  });

  it('signs the host from input.host and returns it only when asked', () => {
    const withHost = signV3Request({ ...fixed, includeHost: true, headers: { Host: 'ignored.example' } });
    expect(withHost['host']).toBe('actiontrail.cn-hangzhou.aliyuncs.com');
    expect(withHost['authorization']).toBe(signV3Request(fixed)['authorization']);
  });

  it('uses a fresh nonce and the current time on every call', () => {
    const before = Date.now();
    const a = signV3Request(base);
    const b = signV3Request(base);
    expect(a['x-acs-signature-nonce']).not.toBe(b['x-acs-signature-nonce']);
    expect(a['authorization']).not.toBe(b['authorization']);
    expect(a['x-acs-date']).toMatch(TIMESTAMP);
    const signedAt = Date.parse(a['x-acs-date'] ?? '');
    expect(signedAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(signedAt).toBeLessThanOrEqual(Date.now());
    expect(serverVerifiesV3(a, base, 'sk')).toBe(true);
  });

  it('is deterministic given now and nonce', () => {
    expect(signV3Request(fixed)).toEqual(signV3Request(fixed));
    expect(signV3Request(fixed)['x-acs-date']).toBe('2024-01-02T03:04:05Z');
  });

  it('sends and signs the STS token as x-acs-security-token', () => {
    const plain = signV3Request(fixed);
    const sts = signV3Request({ ...fixed, credentials: { ...credentials, securityToken: 'tok' } });
    expect(plain).not.toHaveProperty('x-acs-security-token');
    expect(sts['x-acs-security-token']).toBe('tok');
    expect(sts['authorization']).toContain(';x-acs-security-token;');
    expect(sts['authorization']).not.toBe(plain['authorization']);
    expect(serverVerifiesV3(sts, fixed, 'sk')).toBe(true);
    expect(serverVerifiesV3({ ...sts, 'x-acs-security-token': 'other' }, fixed, 'sk')).toBe(false);
  });
});
