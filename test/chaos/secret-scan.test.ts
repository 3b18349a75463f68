// The chaos suite's secret scan must be able to fail: a secret in text, in binary state pages or a
// minted token is reported with where it was found.
import { describe, expect, it } from 'vitest';
import { CHAOS_SECRETS, SecretScan } from '../../chaos/secrets.ts';

describe('SecretScan', () => {
  it('finds each secret in text and inside binary, and tokens given at the end; names the surface', () => {
    const scan = new SecretScan();
    scan.add('stderr', `{"msg":"request failed","body":"app_secret=${CHAOS_SECRETS.larkAppSecret}"}`);
    scan.add('state file', Buffer.concat([Buffer.from([0, 1, 2, 0xff]), Buffer.from(`{"token":"t-minted-0123456789"}`), Buffer.from([0])]));
    scan.add('clean', 'nothing here');
    expect(scan.findings(['t-minted-0123456789'])).toEqual(['larkAppSecret in stderr', 'tenant token 1 in state file']);
  });

  it('the secrets are made per process, so a hit cannot be a fixed string of the code base', () => {
    expect(new Set(Object.values(CHAOS_SECRETS)).size).toBe(3);
    for (const value of Object.values(CHAOS_SECRETS)) expect(value).toMatch(/[0-9a-f]{16}$/);
  });
});
