import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AlibabaCredentials } from '../../lib/alibaba/sign.ts';
import { signSlsV1, slsV1Signature, slsV1StringToSign } from '../../lib/sls/sign-v1.ts';
import {
  signSlsV4,
  slsV4CanonicalRequest,
  slsV4Scope,
  slsV4Signature,
  slsV4StringToSign,
  slsV4Timestamp,
} from '../../lib/sls/sign-v4.ts';

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const NOW = new Date('2015-11-09T06:11:16.789Z');
const STS: AlibabaCredentials = { accessKeyId: 'STS.ak', accessKeySecret: 'sts-secret', securityToken: 'token/with+chars==' };
const PLAIN: AlibabaCredentials = { accessKeyId: 'ak', accessKeySecret: 'secret' };

/** What the SLS front end does with a v1 request: rebuild the string to sign from what arrived and compare. */
function serverVerifiesV1(method: string, path: string, query: Record<string, string>, sent: Record<string, string>, secret: string): boolean {
  const { authorization, ...rest } = sent;
  const signature = slsV1Signature(slsV1StringToSign({ method, path, query, headers: rest }), secret);
  return authorization?.endsWith(`:${signature}`) === true;
}

describe('SLS v1 signature: published vectors', () => {
  const NODE_AK = 'bq2sjzesjmo86kq35behupbq';
  const NODE_SK = '4fdO2fTDDnZPU/L7CHNdemB2Nsk=';
  const v1 = (method: string, path: string, query: Record<string, string>, headers: Record<string, string>, ak: string, sk: string): string =>
    `LOG ${ak}:${slsV1Signature(slsV1StringToSign({ method, path, query, headers }), sk)}`;

  it('GET /logstores with query, empty value signed as k= (Node SDK)', () => {
    const headers = { date: 'Mon, 09 Nov 2015 06:11:16 GMT', 'x-log-apiversion': '0.6.0', 'x-log-signaturemethod': 'hmac-sha1' };
    const query = { logstoreName: '', offset: '0', size: '1000' };
    expect(slsV1StringToSign({ method: 'GET', path: '/logstores', query, headers })).toBe(
      'GET\n\n\nMon, 09 Nov 2015 06:11:16 GMT\nx-log-apiversion:0.6.0\nx-log-signaturemethod:hmac-sha1\n/logstores?logstoreName=&offset=0&size=1000',
    );
    expect(v1('GET', '/logstores', query, headers, NODE_AK, NODE_SK)).toBe('LOG bq2sjzesjmo86kq35behupbq:jEYOTCJs2e88o+y5F4/S5IsnBJQ=');
  });

  const postHeaders = {
    date: 'Mon, 09 Nov 2015 06:03:03 GMT',
    'x-log-apiversion': '0.6.0',
    'x-log-signaturemethod': 'hmac-sha1',
    'content-md5': '1DD45FA4A70A9300CC9FE7305AF2C494',
    'content-length': '52',
    'content-type': 'application/x-protobuf',
    'x-log-bodyrawsize': '50',
    'x-log-compresstype': 'lz4',
  };

  it('POST /logstores/test-logstore with MD5, type and lz4 headers (Node SDK)', () => {
    expect(v1('POST', '/logstores/test-logstore', {}, postHeaders, NODE_AK, NODE_SK)).toBe('LOG bq2sjzesjmo86kq35behupbq:XWLGYHGg2F2hcfxWxMLiNkGki6g=');
  });

  it('the same POST with an STS token signed as x-acs-security-token (Node SDK)', () => {
    const token =
      'CAISiwJ1q6Ft5B2yfSjIr5D7Et3+35R02JuKR1P1lk40dt1giPfK1Dz2IHhLdXNrAuEXs/w0mmBQ7v8TlqZdVplOWU3Da+B364xK7Q75jHw5B0zwv9I+k5SANTW5KXyShb3/AYjQSNfaZY3eCTTtnTNyxr3XbCirW0ffX7SClZ9gaKZ8PGD6F00kYu1bPQx/ssQXGGLMPPK2SH7Qj3HXEVBjt3gX6wo9y9zmnZHNukGH3QOqkbVM9t6rGPX+MZkwZqUYesyuwel7epDG1CNt8BVQ/M909vccpmad5YrMUgQJuEvWa7KNo8caKgJmI7M3AbBFp/WlyKMn5raOydSrkE8cePtSVynP+g0hR0dZ+YgagAEFdb+5rO1e+OZ3kcmPKF5Zh2Sni+vF1qzKA/SElND5koQQV6uvVCweKnfzCPMKjY0OXWmfgtcwOTyJ4ABGsTGnILzBNRD/+Gdqe7wclZrj0aDUkTdFf8k7SudZuO9KOPBe8mS3pJoMs1p67mWA/J4Wn0dottbprb5EQOBRxUC6bw==';
    expect(
      v1('POST', '/logstores/test-logstore', {}, { ...postHeaders, 'x-acs-security-token': token }, 'STS.NSNYgJ2KUoYaEuDrNazRLg2a6', '56Xqw2THF5vTHTNkGWR6uGRKXToKWMi2eLFjppPNV8RR'),
    ).toBe('LOG STS.NSNYgJ2KUoYaEuDrNazRLg2a6:G3R03b6PwVI+zUaLtqezsBDL/j8=');
  });

  it('GET /logstores with x-log-bodyrawsize 0 and a capitalised Date header (Go SDK)', () => {
    const headers = { Date: 'Mon, 3 Jan 2010 08:33:47 GMT', 'x-log-apiversion': '0.6.0', 'x-log-bodyrawsize': '0', 'x-log-signaturemethod': 'hmac-sha1' };
    expect(v1('GET', '/logstores', {}, headers, 'mockAccessKeyID', 'mockAccessKeySecret')).toBe('LOG mockAccessKeyID:Rwm6cTKzoti4HWoe+GKcb6Kv07E=');
  });
});

describe('signSlsV1', () => {
  const pull = { method: 'GET', path: '/logstores/trail/shards/0', query: { type: 'log', cursor: 'MTQ0NzMy+/=', count: '1000' } };

  it('sends an RFC 1123 date, the fixed x-log headers, bodyrawsize 0 and no MD5/type without a body', () => {
    const sent = signSlsV1({ ...pull, headers: { Accept: 'application/x-protobuf', 'Accept-Encoding': 'lz4', 'Content-Type': 'text/plain' }, credentials: PLAIN, now: NOW });
    expect(sent).toEqual({
      accept: 'application/x-protobuf',
      'accept-encoding': 'lz4',
      date: 'Mon, 09 Nov 2015 06:11:16 GMT',
      'x-log-apiversion': '0.6.0',
      'x-log-signaturemethod': 'hmac-sha1',
      'x-log-bodyrawsize': '0',
      authorization: expect.stringMatching(/^LOG ak:[A-Za-z0-9+/]{27}=$/),
    });
    expect(serverVerifiesV1(pull.method, pull.path, pull.query, sent, 'secret')).toBe(true);
    expect(serverVerifiesV1(pull.method, pull.path, { ...pull.query, count: '999' }, sent, 'secret')).toBe(false);
  });

  it('zero-pads the day and always uses GMT', () => {
    const sent = signSlsV1({ ...pull, credentials: PLAIN, now: new Date('2010-01-03T08:33:47Z') });
    expect(sent['date']).toBe('Sun, 03 Jan 2010 08:33:47 GMT');
  });

  it('adds uppercase-hex content-md5, content-type and the body length only with a body', () => {
    const body = new TextEncoder().encode('{"shard":0,"checkpoint":"abc"}');
    const sent = signSlsV1({ method: 'POST', path: '/logstores/trail/consumergroups/cg', query: { type: 'checkpoint', consumer: 'c1', forceSuccess: 'true' }, body, credentials: PLAIN, now: NOW });
    expect(sent['content-md5']).toBe(createHash('md5').update(body).digest('hex').toUpperCase());
    expect(sent['content-md5']).toMatch(/^[0-9A-F]{32}$/);
    expect(sent['content-type']).toBe('application/json');
    expect(sent['x-log-bodyrawsize']).toBe(String(body.length));
    expect(serverVerifiesV1('POST', '/logstores/trail/consumergroups/cg', { type: 'checkpoint', consumer: 'c1', forceSuccess: 'true' }, sent, 'secret')).toBe(true);
    const empty = signSlsV1({ method: 'POST', path: '/x', query: {}, body: new Uint8Array(0), credentials: PLAIN, now: NOW });
    expect(empty).not.toHaveProperty('content-md5');
    expect(empty).not.toHaveProperty('content-type');
  });

  it("keeps a caller's x-log-bodyrawsize (compressed bodies) and content-type, never its authorization", () => {
    const sent = signSlsV1({
      method: 'POST', path: '/logstores/l', query: {}, body: new Uint8Array([1, 2, 3]), credentials: PLAIN, now: NOW,
      headers: { 'X-Log-BodyRawSize': '50', 'x-log-compresstype': 'lz4', 'Content-Type': 'application/x-protobuf', Authorization: 'stale' },
    });
    expect(sent['x-log-bodyrawsize']).toBe('50');
    expect(sent['content-type']).toBe('application/x-protobuf');
    expect(sent['authorization']).toMatch(/^LOG ak:/);
    expect(serverVerifiesV1('POST', '/logstores/l', {}, sent, 'secret')).toBe(true);
  });

  it('sends and signs x-acs-security-token with STS credentials', () => {
    const sent = signSlsV1({ ...pull, credentials: STS, now: NOW });
    expect(sent['x-acs-security-token']).toBe('token/with+chars==');
    expect(sent['authorization']).toMatch(/^LOG STS\.ak:/);
    expect(serverVerifiesV1(pull.method, pull.path, pull.query, sent, 'sts-secret')).toBe(true);
    expect(serverVerifiesV1(pull.method, pull.path, pull.query, { ...sent, 'x-acs-security-token': 'other' }, 'sts-secret')).toBe(false);
    expect(signSlsV1({ ...pull, credentials: PLAIN, now: NOW })).not.toHaveProperty('x-acs-security-token');
  });
});

describe('SLS v4 signature: published vectors (Python SDK tests/unit/test_auth.py)', () => {
  const ts = '20220808T032330Z';
  const headers = { hello: 'world', 'hello-Text': 'a12X- ', ' Ko ': '', 'x-log-test': 'het123', 'x-acs-ppp': 'dds' };
  const params = { ' abc': 'efg', ' agc ': '', '': 'efg', 'A-bc': 'eFg' };
  const BODY = 'adasd= -asd zcas';
  // What the Python SDK's _do_sign_request adds to the given headers before signing.
  const sign = (method: string, path: string, query: Record<string, string>, given: Record<string, string>, body: string, region: string): string => {
    const contentSha256 = body ? createHash('sha256').update(body).digest('hex') : EMPTY_SHA256;
    const canonical = slsV4CanonicalRequest({ method, path, query, headers: { ...given, 'x-log-content-sha256': contentSha256, 'x-log-date': ts }, contentSha256 });
    const signature = slsV4Signature(slsV4StringToSign(canonical, ts, region), 'zxasdasdasw2', ts, region);
    return `SLS4-HMAC-SHA256 Credential=acsddda21dsd/${slsV4Scope(ts, region)},Signature=${signature}`;
  };
  const auth = (region: string, signature: string): string =>
    `SLS4-HMAC-SHA256 Credential=acsddda21dsd/20220808/${region}/sls/aliyun_v4_request,Signature=${signature}`;

  it('POST /logstores, cn-hangzhou', () => {
    expect(sign('POST', '/logstores', params, headers, BODY, 'cn-hangzhou')).toBe(auth('cn-hangzhou', 'a98f5632e93836e63839cd836a54055f480020a9364ca944e2d34f2eb9bf1bed'));
  });
  it('POST /logstores without params or headers, cn-shanghai', () => {
    expect(sign('POST', '/logstores', {}, {}, BODY, 'cn-shanghai')).toBe(auth('cn-shanghai', '8a10a5e723cb2e75964816de660b2c16a58af8bc0261f7f0722d832468c76ce8'));
  });
  it('GET /logstores with an empty body', () => {
    expect(sign('GET', '/logstores', params, headers, '', 'cn-hangzhou')).toBe(auth('cn-hangzhou', 'd92741852500791d662a8d469ff61627c0559ecd86c3f59b7bf6772b6c62666a'));
  });
  it('POST /logstores with an empty body', () => {
    expect(sign('POST', '/logstores', params, headers, '', 'cn-hangzhou')).toBe(auth('cn-hangzhou', '5a66d8f8051983e0e9d08e0f960ef9252ef971eead5bb5c7acec8617a2eb2701'));
  });
  it('POST with reserved characters in the path, parameter names and values', () => {
    const query = { ...params, 'abs-ij*asd/vc': 'a~js+d ada', 'a abAas123/vc': 'a~jdad a2ADFs+d ada' };
    expect(sign('POST', '/logstores/hello/a+*~bb/cc', query, headers, BODY, 'cn-hangzhou')).toBe(auth('cn-hangzhou', '2c204068e961a8813a6bcf7ac422f7fa6e9bf9a5da493e0165dfe100854d18ff'));
  });

  it('canonical request: names sorted and unencoded, values encoded, empty value bare, only signed headers', () => {
    expect(slsV4CanonicalRequest({ method: 'post', path: '/logstores', query: params, headers: { ...headers, Host: ' p.cn-hangzhou.log.aliyuncs.com ' }, contentSha256: EMPTY_SHA256 })).toBe(
      ['POST', '/logstores', '=efg& abc=efg& agc &A-bc=eFg', 'host:p.cn-hangzhou.log.aliyuncs.com\nx-acs-ppp:dds\nx-log-test:het123\n', 'host;x-acs-ppp;x-log-test', EMPTY_SHA256].join('\n'),
    );
  });
});

describe('signSlsV4', () => {
  const pull = { method: 'GET', host: 'proj.cn-hangzhou.log.aliyuncs.com', path: '/logstores/trail/shards/0', query: { type: 'log', cursor: 'MTQ0+/=', count: '1000' }, region: 'cn-hangzhou' };
  /** The server's check: rebuild from the headers that arrived plus the Host it was reached at. */
  const serverVerifiesV4 = (sent: Record<string, string>, secret: string, host = pull.host, query: Record<string, string> = pull.query): boolean => {
    const { authorization, ...rest } = sent;
    const ts = rest['x-log-date'] ?? '';
    const canonical = slsV4CanonicalRequest({ method: pull.method, path: pull.path, query, headers: { ...rest, host }, contentSha256: rest['x-log-content-sha256'] ?? '' });
    return authorization?.endsWith(`,Signature=${slsV4Signature(slsV4StringToSign(canonical, ts, pull.region), secret, ts, pull.region)}`) === true;
  };

  it('sends x-log-date as YYYYMMDDTHHMMSSZ, the empty-body hash and the v4 headers; signs host without sending it', () => {
    const sent = signSlsV4({ ...pull, headers: { Accept: 'application/x-protobuf', 'accept-encoding': 'lz4' }, credentials: PLAIN, now: NOW });
    expect(sent).toEqual({
      accept: 'application/x-protobuf',
      'accept-encoding': 'lz4',
      'x-log-date': '20151109T061116Z',
      'x-log-content-sha256': EMPTY_SHA256,
      'x-log-apiversion': '0.6.0',
      'x-log-signaturemethod': 'hmac-sha256',
      'x-log-bodyrawsize': '0',
      authorization: expect.stringMatching(/^SLS4-HMAC-SHA256 Credential=ak\/20151109\/cn-hangzhou\/sls\/aliyun_v4_request,Signature=[0-9a-f]{64}$/),
    });
    expect(slsV4Timestamp(NOW)).toBe('20151109T061116Z');
    expect(serverVerifiesV4(sent, 'secret')).toBe(true);
    expect(serverVerifiesV4(sent, 'secret', 'other.cn-hangzhou.log.aliyuncs.com')).toBe(false);
    expect(serverVerifiesV4(sent, 'secret', pull.host, { ...pull.query, count: '1' })).toBe(false);
  });

  it('hashes a string body as UTF-8, the same as its bytes, and adds content-type', () => {
    const text = '{"consumerGroup":"cg","timeout":300,"order":true,"名":"✓"}';
    const a = signSlsV4({ ...pull, method: 'POST', body: text, credentials: PLAIN, now: NOW });
    const b = signSlsV4({ ...pull, method: 'POST', body: new TextEncoder().encode(text), credentials: PLAIN, now: NOW });
    expect(a).toEqual(b);
    expect(a['x-log-content-sha256']).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
    expect(a['x-log-bodyrawsize']).toBe(String(Buffer.byteLength(text)));
    expect(a['content-type']).toBe('application/json');
    expect(a).not.toHaveProperty('content-md5');
  });

  it('sends and signs x-acs-security-token with STS credentials', () => {
    const sent = signSlsV4({ ...pull, credentials: STS, now: NOW });
    expect(sent['x-acs-security-token']).toBe('token/with+chars==');
    expect(serverVerifiesV4(sent, 'sts-secret')).toBe(true);
    expect(serverVerifiesV4({ ...sent, 'x-acs-security-token': 'other' }, 'sts-secret')).toBe(false);
  });
});
