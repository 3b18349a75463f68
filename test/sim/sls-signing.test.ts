import { afterEach, describe, expect, it } from 'vitest';
import { startSlsSim, type SlsSim, type SlsSimOptions } from '../../sim/sls/index.ts';
import { EMPTY_SHA256, sha256Hex, v1Signature, v1StringToSign, v4CanonicalRequest, v4Signature } from '../../sim/sls/signing.ts';
import { KEY, LOGSTORE, T0, call, sign, type CallOptions } from './sls-helpers.ts';

describe('SLS signature v1 vectors (research/alibaba.md §3.4) with the sim signer', () => {
  const sk = '4fdO2fTDDnZPU/L7CHNdemB2Nsk=';
  const common = { 'x-log-apiversion': '0.6.0', 'x-log-signaturemethod': 'hmac-sha1' };

  it('GET /logstores with an empty parameter value (Node SDK)', () => {
    const text = v1StringToSign('GET', '/logstores', [['size', '1000'], ['logstoreName', ''], ['offset', '0']], common, 'Mon, 09 Nov 2015 06:11:16 GMT');
    expect(`LOG bq2sjzesjmo86kq35behupbq:${v1Signature(sk, text)}`).toBe('LOG bq2sjzesjmo86kq35behupbq:jEYOTCJs2e88o+y5F4/S5IsnBJQ=');
  });

  it('POST with Content-MD5 and Content-Type (Node SDK)', () => {
    const headers = {
      ...common,
      'content-md5': '1DD45FA4A70A9300CC9FE7305AF2C494',
      'content-type': 'application/x-protobuf',
      'x-log-bodyrawsize': '50',
      'x-log-compresstype': 'lz4',
    };
    expect(v1Signature(sk, v1StringToSign('POST', '/logstores/test-logstore', [], headers, 'Mon, 09 Nov 2015 06:03:03 GMT'))).toBe('XWLGYHGg2F2hcfxWxMLiNkGki6g=');
  });

  it('GET /logstores with a one-digit day (Go SDK)', () => {
    const headers = { 'x-log-apiversion': '0.6.0', 'x-log-bodyrawsize': '0', 'x-log-signaturemethod': 'hmac-sha1' };
    expect(v1Signature('mockAccessKeySecret', v1StringToSign('GET', '/logstores', [], headers, 'Mon, 3 Jan 2010 08:33:47 GMT'))).toBe('Rwm6cTKzoti4HWoe+GKcb6Kv07E=');
  });
});

describe('SLS signature v4 vectors (Python SDK tests/unit/test_auth.py) with the sim signer', () => {
  const date = '20220808T032330Z';
  const headers = { hello: 'world', 'hello-Text': 'a12X- ', ' Ko ': '', 'x-log-test': 'het123', 'x-acs-ppp': 'dds' };
  const params: Array<[string, string]> = [[' abc', 'efg'], [' agc ', ''], ['', 'efg'], ['A-bc', 'eFg']];
  const body = 'adasd= -asd zcas';
  const sign = (method: string, path: string, query: Array<[string, string]>, h: Record<string, string>, b: string, region: string): string => {
    const hash = b === '' ? EMPTY_SHA256 : sha256Hex(b);
    return v4Signature('zxasdasdasw2', region, date, v4CanonicalRequest(method, path, query, { ...h, 'x-log-content-sha256': hash, 'x-log-date': date }, hash));
  };

  it.each([
    ['POST with params, headers and body', 'POST', '/logstores', params, headers, body, 'cn-hangzhou', 'a98f5632e93836e63839cd836a54055f480020a9364ca944e2d34f2eb9bf1bed'],
    ['POST, nothing but the body, other region', 'POST', '/logstores', [], {}, body, 'cn-shanghai', '8a10a5e723cb2e75964816de660b2c16a58af8bc0261f7f0722d832468c76ce8'],
    ['POST with an empty body', 'POST', '/logstores', params, headers, '', 'cn-hangzhou', '5a66d8f8051983e0e9d08e0f960ef9252ef971eead5bb5c7acec8617a2eb2701'],
    ['GET with an empty body', 'GET', '/logstores', params, headers, '', 'cn-hangzhou', 'd92741852500791d662a8d469ff61627c0559ecd86c3f59b7bf6772b6c62666a'],
    ['POST with reserved characters in keys, values and path', 'POST', '/logstores/hello/a+*~bb/cc',
      [...params, ['abs-ij*asd/vc', 'a~js+d ada'], ['a abAas123/vc', 'a~jdad a2ADFs+d ada']] as Array<[string, string]>,
      headers, body, 'cn-hangzhou', '2c204068e961a8813a6bcf7ac422f7fa6e9bf9a5da493e0165dfe100854d18ff'],
  ])('%s', (_name, method, path, query, h, b, region, expected) => {
    expect(sign(method, path, query, h, b, region)).toBe(expected);
  });
});

describe('SLS sim authentication over HTTP', () => {
  let sim: SlsSim | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });
  const start = async (options: SlsSimOptions = {}): Promise<SlsSim> => {
    sim = await startSlsSim({ now: () => T0, ...options });
    return sim;
  };
  const shards = `/logstores/${LOGSTORE}/shards`;
  const expectError = async (s: SlsSim, opts: CallOptions, status: number, errorCode: string, path = shards): Promise<void> => {
    const answer = await call(s, path, opts);
    expect(answer.status).toBe(status);
    expect(answer.json).toMatchObject({ errorCode });
    expect(answer.headers['x-log-requestid']).toMatch(/^[0-9A-F]{24}$/);
  };

  it('accepts v1 and v4 (with query parameters) and counts them', async () => {
    const s = await start();
    expect((await call(s, shards)).status).toBe(200);
    expect((await call(s, shards, { version: 'v4' })).status).toBe(200);
    const cursor = await call(s, `${shards}/0`, { version: 'v4', query: { type: 'cursor', from: 'begin' } });
    expect(cursor.status).toBe(200);
    const time = await call(s, `${shards}/0`, { query: { type: 'cursor_time', cursor: (cursor.json as { cursor: string }).cursor } });
    expect(time.status).toBe(200);
    expect(s.stats.byVersion).toEqual({ v1: 2, v4: 2 });
    expect(s.stats.signatureFailures).toBe(0);
  });

  it('accepts a v1 request whose Date moved to x-log-date after signing (proxy workaround)', async () => {
    const s = await start();
    const url = new URL(shards, s.url);
    const headers = sign(url, {});
    headers['x-log-date'] = headers['date'] ?? '';
    delete headers['date'];
    const response = await fetch(url, { headers });
    expect(response.status).toBe(200);
  });

  it.each([
    ['no Authorization', { omit: ['authorization'] }],
    ['a malformed Authorization', { headers: {}, omit: [] as string[], mangle: true }],
    ['no x-log-apiversion', { omit: ['x-log-apiversion'] }],
    ['no x-log-bodyrawsize', { omit: ['x-log-bodyrawsize'] }],
    ['no x-log-signaturemethod', { omit: ['x-log-signaturemethod'] }],
    ['no Date (v1)', { omit: ['date'] }],
    ['no x-log-date (v4)', { version: 'v4' as const, omit: ['x-log-date'] }],
    ['an unknown AccessKey (v1)', { credential: { accessKeyId: 'LTAI_nobody', accessKeySecret: 'sls-secret' } }],
    ['an unknown AccessKey (v4)', { version: 'v4' as const, credential: { accessKeyId: 'LTAI_nobody', accessKeySecret: 'sls-secret' } }],
  ])('401 Unauthorized for %s', async (_name, opts) => {
    const s = await start();
    if ('mangle' in opts) {
      const response = await fetch(new URL(shards, s.url), { headers: { authorization: 'Basic abc', 'x-log-apiversion': '0.6.0' } });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ errorCode: 'Unauthorized' });
    } else {
      await expectError(s, opts, 401, 'Unauthorized');
    }
    expect(s.stats.signatureFailures).toBe(1);
  });

  it.each([
    ['v1 wrong secret', { credential: { ...KEY, accessKeySecret: 'wrong' } }],
    ['v4 wrong secret', { version: 'v4' as const, credential: { ...KEY, accessKeySecret: 'wrong' } }],
    ['v1 tampered signature', { badSignature: true }],
    ['v4 tampered signature', { version: 'v4' as const, badSignature: true }],
    ['v4 other region in the scope', { version: 'v4' as const, region: 'cn-shanghai' }],
  ])('401 SignatureNotMatch for %s', async (_name, opts) => {
    const s = await start();
    await expectError(s, opts, 401, 'SignatureNotMatch');
    expect(s.stats.signatureFailures).toBe(1);
  });

  it('401 SignatureNotMatch when a v4 body does not match x-log-content-sha256', async () => {
    const s = await start();
    const url = new URL(`/logstores/${LOGSTORE}/consumergroups`, s.url);
    const headers = sign(url, { version: 'v4', method: 'POST', body: '{"consumerGroup":"cg","timeout":30,"order":false}' });
    const response = await fetch(url, { method: 'POST', headers, body: '{"consumerGroup":"cg2","timeout":30,"order":false}' });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ errorCode: 'SignatureNotMatch' });
  });

  it('400 RequestTimeExpired beyond 15 minutes of skew, either way, for v1 and v4', async () => {
    const s = await start();
    expect((await call(s, shards, { dateMs: T0 - 14 * 60_000 })).status).toBe(200);
    await expectError(s, { dateMs: T0 - 16 * 60_000 }, 400, 'RequestTimeExpired');
    await expectError(s, { version: 'v4', dateMs: T0 + 16 * 60_000 }, 400, 'RequestTimeExpired');
    s.advanceClock(20 * 60_000);
    await expectError(s, {}, 400, 'RequestTimeExpired');
    expect(s.stats.signatureFailures).toBe(3);
  });

  it('STS: the token must be sent and match; a plain key must not send one', async () => {
    const sts = { accessKeyId: 'STS.sim', accessKeySecret: 'sts-secret', securityToken: 'token-1' };
    const s = await start({ credentials: [KEY, sts] });
    expect((await call(s, shards, { credential: sts })).status).toBe(200);
    expect((await call(s, shards, { credential: sts, version: 'v4' })).status).toBe(200);
    await expectError(s, { credential: { ...sts, securityToken: 'token-2' } }, 401, 'Unauthorized');
    await expectError(s, { credential: sts, omit: ['x-acs-security-token'] }, 401, 'Unauthorized');
    await expectError(s, { credential: { ...KEY, securityToken: 'token-1' } }, 401, 'Unauthorized');
  });

  it('400 InvalidAPIVersion for another x-log-apiversion', async () => {
    const s = await start();
    await expectError(s, { headers: { 'x-log-apiversion': '0.5.0' } }, 400, 'InvalidAPIVersion');
  });

  it('Host: {project}.… and bare IPs are served, another project is 404 ProjectNotExist', async () => {
    const s = await start();
    const port = new URL(s.url).port;
    expect((await call(s, shards, { host: `sim-project.cn-hangzhou.log.aliyuncs.com` })).status).toBe(200);
    expect((await call(s, shards, { host: `sim-project.localhost:${port}`, version: 'v4' })).status).toBe(200);
    await expectError(s, { host: 'other-project.cn-hangzhou.log.aliyuncs.com' }, 404, 'ProjectNotExist');
  });

  it('404 LogStoreNotExist for another logstore, after authentication', async () => {
    const s = await start();
    await expectError(s, {}, 404, 'LogStoreNotExist', '/logstores/other/shards');
    await expectError(s, { badSignature: true }, 401, 'SignatureNotMatch', '/logstores/other/shards');
  });
});
