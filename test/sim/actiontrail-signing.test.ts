import { afterEach, describe, expect, it } from 'vitest';
import { startActionTrailSim, type ActionTrailSim, type ActionTrailSimOptions } from '../../sim/actiontrail/index.ts';
import {
  acs3CanonicalRequest,
  acs3Signature,
  acs3StringToSign,
  rpcSignature,
  rpcStringToSign,
  sha256Hex,
} from '../../sim/actiontrail/signing.ts';
import { KEY, MIN, NOW_S, T0, callV2, callV3, expectError, isoS } from './actiontrail-helpers.ts';

const sims: ActionTrailSim[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((sim) => sim.close()));
});

async function start(options: ActionTrailSimOptions = {}): Promise<ActionTrailSim> {
  const sim = await startActionTrailSim({ now: () => T0, ...options });
  sims.push(sim);
  return sim;
}

const WINDOW = { StartTime: isoS(NOW_S - 3600), EndTime: isoS(NOW_S) };

describe('published signature vectors, run through the simulator verifier', () => {
  it('V2 (HMAC-SHA1): the SDK-test vectors and the LookupEvents vector', () => {
    expect(rpcStringToSign('', [['test', 'ok']])).toBe('&%2F&test%3Dok');
    expect(rpcSignature(rpcStringToSign('', [['test', 'ok']]), 'accessKeySecret')).toBe('jHx/oHoHNrbVfhncHEvPdHXZwHU=');
    expect(rpcSignature(rpcStringToSign('GET', [['query', 'test'], ['body', 'test']]), 'secret')).toBe('XlUyV4sXjOuX5FnjUz9IF9tm5rU=');
    const params: Record<string, string> = {
      AccessKeyId: 'testid', Action: 'LookupEvents', Direction: 'FORWARD', EndTime: '2020-10-15T11:00:00Z', Format: 'JSON',
      'LookupAttribute.1.Key': 'EventName', 'LookupAttribute.1.Value': 'ConsoleSignin', MaxResults: '50',
      SignatureMethod: 'HMAC-SHA1', SignatureNonce: '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf', SignatureVersion: '1.0',
      StartTime: '2020-10-08T11:00:00Z', Timestamp: '2020-10-15T11:00:00Z', Version: '2020-07-06',
    };
    // Order of the input and a Signature parameter must not matter.
    const pairs = Object.entries(params).reverse().concat([['Signature', 'ignored']]);
    expect(rpcSignature(rpcStringToSign('GET', pairs), 'testsecret')).toBe('3yhdXTZgXqeRijYltUGVmivcPig=');
  });

  it('V3 (ACS3-HMAC-SHA256): the official fixed-parameter vector', () => {
    const empty = sha256Hex('');
    expect(empty).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    const { canonicalRequest, signedHeaders } = acs3CanonicalRequest({
      method: 'POST',
      path: '/',
      query: [['RegionId', 'cn-shanghai'], ['ImageId', 'win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd']],
      headers: [
        ['x-acs-version', '2014-05-26'], ['host', 'ecs.cn-shanghai.aliyuncs.com'], ['x-acs-action', 'RunInstances'],
        ['x-acs-date', '2023-10-26T10:22:32Z'], ['x-acs-signature-nonce', '3156853299f313e23d1673dc12e1703d'],
        ['X-Acs-Content-Sha256', ` ${empty} `],
      ],
      payloadHash: empty,
    });
    expect(signedHeaders).toBe('host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version');
    const stringToSign = acs3StringToSign(canonicalRequest);
    expect(stringToSign).toBe('ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259');
    expect(acs3Signature(stringToSign, 'YourAccessKeySecret')).toBe('06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0');
  });
});

describe('accepted requests', () => {
  it('accepts V2 GET, V2 POST with a form body, V3 POST and GET, V3 with a form body', async () => {
    const sim = await start();
    const answers = [
      await callV2(sim, WINDOW),
      await callV2(sim, WINDOW, { method: 'POST', inBody: true }),
      await callV3(sim, WINDOW),
      await callV3(sim, WINDOW, { method: 'GET' }),
      await callV3(sim, { StartTime: WINDOW.StartTime }, { form: { EndTime: WINDOW.EndTime, 'LookupAttribute.1.Key': 'EventRW', 'LookupAttribute.1.Value': 'Write' } }),
    ];
    for (const a of answers) {
      expect(a.status, JSON.stringify(a.body)).toBe(200);
      expect(a.body).toEqual({ RequestId: a.headers.get('x-acs-request-id'), ...WINDOW, Events: [] });
      expect(a.headers.get('content-type')).toMatch(/^application\/json/);
    }
    expect(sim.stats).toEqual({ requests: 5, signatureFailures: 0, throttled: 0, byVersion: { v2: 2, v3: 3 } });
    expect(sim.requests.map((r) => [r.method, r.signature, r.status, r.code])).toEqual([
      ['GET', 'v2', 200, ''], ['POST', 'v2', 200, ''], ['POST', 'v3', 200, ''], ['GET', 'v3', 200, ''], ['POST', 'v3', 200, ''],
    ]);
    expect(sim.requests[1]?.query).toMatchObject({ Action: 'LookupEvents', ...WINDOW });
  });

  it('signs values that need percent-encoding (unicode, space, *, ~) in both versions', async () => {
    const sim = await start();
    const api = { ...WINDOW, 'LookupAttribute.1.Key': 'User', 'LookupAttribute.1.Value': "李雷 *o'neil~(x)!" };
    expect((await callV2(sim, api)).status).toBe(200);
    expect((await callV2(sim, api, { method: 'POST', inBody: true })).status).toBe(200);
    expect((await callV3(sim, api)).status).toBe(200);
  });

  it('STS credentials need their SecurityToken / x-acs-security-token', async () => {
    const sts = { accessKeyId: 'STS.NUQsim', accessKeySecret: 'sts-secret', securityToken: 'CAIS+token/with=chars' };
    const sim = await start({ credentials: [KEY, sts] });
    expect((await callV2(sim, WINDOW, { credential: sts })).status).toBe(200);
    expect((await callV3(sim, WINDOW, { credential: sts })).status).toBe(200);
    expectError(await callV2(sim, WINDOW, { credential: { ...sts, securityToken: 'other' } }), 400, 'InvalidSecurityToken.MismatchWithAccessKey');
    const { securityToken: _t, ...withoutToken } = sts;
    expectError(await callV2(sim, WINDOW, { credential: withoutToken }), 400, 'InvalidSecurityToken.MismatchWithAccessKey');
    expectError(await callV3(sim, WINDOW, { credential: withoutToken }), 400, 'InvalidSecurityToken.MismatchWithAccessKey');
    // A token sent with a plain AccessKey is refused too.
    expectError(await callV2(sim, WINDOW, { credential: { ...KEY, securityToken: 'x' } }), 400, 'InvalidSecurityToken.MismatchWithAccessKey');
    expect(sim.stats.signatureFailures).toBe(4);
  });
});

describe('V2 failures', () => {
  it('answers each signature failure with Alibaba\'s code', async () => {
    const sim = await start();
    for (const name of ['Signature', 'AccessKeyId', 'Timestamp', 'SignatureNonce']) {
      const a = name === 'Signature' ? await callV2(sim, WINDOW, { tamper: () => '' }) : await callV2(sim, WINDOW, { common: { [name]: undefined } });
      expect(expectError(a, 400, 'IncompleteSignature'), name).toContain(name);
    }
    expectError(await callV2(sim, WINDOW, { common: { SignatureMethod: 'HMAC-SHA256' } }), 400, 'IncompleteSignature');
    expectError(await callV2(sim, WINDOW, { credential: { accessKeyId: 'LTAI_unknown', accessKeySecret: 'x' } }), 404, 'InvalidAccessKeyId.NotFound');
    expectError(await callV2(sim, WINDOW, { common: { Timestamp: '2024-06-15 12:00:00' } }), 400, 'InvalidTimeStamp.Format');
    expectError(await callV2(sim, WINDOW, { timestampMs: T0 - 16 * MIN }), 400, 'InvalidTimeStamp.Expired');
    expectError(await callV2(sim, WINDOW, { timestampMs: T0 + 16 * MIN }), 400, 'InvalidTimeStamp.Expired');
    expect((await callV2(sim, WINDOW, { timestampMs: T0 - 15 * MIN })).status).toBe(200);
    expect(sim.stats.signatureFailures).toBe(9);

    expectError(await callV2(sim, WINDOW, { common: { Action: 'DescribeTrails' } }), 404, 'InvalidAction.NotFound');
    expectError(await callV2(sim, WINDOW, { common: { Version: '2017-12-04' } }), 400, 'InvalidVersion');
    expectError(await callV2(sim, WINDOW, { common: { Format: undefined } }), 400, 'InvalidParameter');
  });

  it('a wrong signature shows the server string to sign, never the secret', async () => {
    const sim = await start({ credentials: [{ accessKeyId: 'LTAI_k', accessKeySecret: 'very-secret-value' }] });
    const a = await callV2(sim, WINDOW, { credential: { accessKeyId: 'LTAI_k', accessKeySecret: 'wrong' } });
    const message = expectError(a, 400, 'SignatureDoesNotMatch');
    expect(message).toMatch(/^Specified signature is not matched with our calculation\. server string to sign is:GET&%2F&AccessKeyId%3DLTAI_k%26Action%3DLookupEvents/);
    expect(a.text).not.toContain('very-secret-value');
    expectError(await callV2(sim, WINDOW, { credential: { accessKeyId: 'LTAI_k', accessKeySecret: 'very-secret-value' }, tamper: (s) => s.slice(1) }), 400, 'SignatureDoesNotMatch');
    // A POST signed as if it were a GET.
    const posted = await callV2(sim, WINDOW, { method: 'POST', credential: { accessKeyId: 'LTAI_k', accessKeySecret: 'very-secret-value' }, tamper: () => 'AAAA' });
    expect(expectError(posted, 400, 'SignatureDoesNotMatch')).toContain('string to sign is:POST&%2F&');
  });

  it('refuses a reused SignatureNonce within 15 minutes of sim time, accepts it after', async () => {
    const sim = await start();
    expect((await callV2(sim, WINDOW, { nonce: 'n-1' })).status).toBe(200);
    expectError(await callV2(sim, WINDOW, { nonce: 'n-1' }), 400, 'SignatureNonceUsed');
    // A nonce of a refused request is not used up.
    expectError(await callV2(sim, WINDOW, { nonce: 'n-2', tamper: () => 'x' }), 400, 'SignatureDoesNotMatch');
    expect((await callV2(sim, WINDOW, { nonce: 'n-2' })).status).toBe(200);
    sim.advanceClock(15 * MIN + 1000);
    const later = { StartTime: WINDOW.StartTime, EndTime: isoS(NOW_S + 900) };
    expect((await callV2(sim, later, { nonce: 'n-1', timestampMs: T0 + 15 * MIN })).status).toBe(200);
  });
});

describe('V3 failures', () => {
  it('answers each signature failure with Alibaba\'s code', async () => {
    const sim = await start();
    for (const name of ['x-acs-signature-nonce', 'x-acs-date', 'x-acs-content-sha256', 'x-acs-action']) {
      expect(expectError(await callV3(sim, WINDOW, { omit: [name] }), 400, 'IncompleteSignature'), name).toContain(name);
    }
    expect(expectError(await callV3(sim, WINDOW, { unsigned: ['x-acs-date'] }), 400, 'IncompleteSignature')).toContain('SignedHeaders');
    expectError(await callV3(sim, WINDOW, { extraHeaders: { authorization: 'ACS3-HMAC-SHA256 Credential=LTAI_sim_key' } }), 400, 'IncompleteSignature');
    expectError(await callV3(sim, WINDOW, { extraHeaders: { authorization: 'ACS3-HMAC-SM3 Credential=LTAI_sim_key,SignedHeaders=host,Signature=00' } }), 400, 'IncompleteSignature');
    expectError(await callV3(sim, WINDOW, { credential: { accessKeyId: 'LTAI_unknown', accessKeySecret: 'x' } }), 404, 'InvalidAccessKeyId.NotFound');
    expectError(await callV3(sim, WINDOW, { timestampMs: T0 + 20 * MIN }), 400, 'InvalidTimeStamp.Expired');
    expectError(await callV3(sim, WINDOW, { extraHeaders: { 'x-acs-date': '2024-06-15T12:00:00.000Z' } }), 400, 'InvalidTimeStamp.Format');
    expectError(await callV3(sim, WINDOW, { tamper: (s) => s.replace(/^./, (c) => (c === '0' ? '1' : '0')) }), 400, 'SignatureDoesNotMatch');
    // The signed host must be the one the request went to.
    expectError(await callV3(sim, WINDOW, { signedHost: 'actiontrail.cn-hangzhou.aliyuncs.com' }), 400, 'SignatureDoesNotMatch');
    expectError(await callV3(sim, WINDOW, { nonce: 'v3-nonce' }).then(() => callV3(sim, WINDOW, { nonce: 'v3-nonce' })), 400, 'SignatureNonceUsed');
    expect(sim.stats.signatureFailures).toBe(13);
    expectError(await callV3(sim, WINDOW, { action: 'DescribeTrails' }), 404, 'InvalidAction.NotFound');
  });

  it('a body whose hash is not x-acs-content-sha256 fails the signature, and says why', async () => {
    const sim = await start();
    const a = await callV3(sim, {}, { form: WINDOW, contentSha256: sha256Hex('something else') });
    const message = expectError(a, 400, 'SignatureDoesNotMatch');
    expect(message).toContain('x-acs-content-sha256');
    expect(message).toContain('server string to sign is:ACS3-HMAC-SHA256\n');
    expect(a.text).not.toContain(KEY.accessKeySecret);
  });

  it('a request with neither signature, and other paths and methods', async () => {
    const sim = await start();
    const unsigned = await fetch(`${sim.url}/?Action=LookupEvents&Version=2020-07-06`);
    expectError({ status: unsigned.status, body: await unsigned.json() as Record<string, unknown>, headers: unsigned.headers, text: '' }, 400, 'IncompleteSignature');
    for (const [path, method] of [['/other', 'GET'], ['/', 'PUT'], ['/', 'DELETE']] as const) {
      const r = await fetch(sim.url + path, { method });
      expectError({ status: r.status, body: await r.json() as Record<string, unknown>, headers: r.headers, text: '' }, 404, 'InvalidAction.NotFound');
    }
    expect(sim.stats.byVersion).toEqual({ v2: 0, v3: 0 });
    expect(sim.requests.map((r) => r.signature)).toEqual(['none', 'none', 'none', 'none']);
  });
});
