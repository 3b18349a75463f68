// Output faults (issue 9): the short form of every chaos/output.ts scenario, run side by side. Each
// scenario checks its own expectations (ok); the assertions below name the figures that matter.
import { afterAll, describe, expect, it } from 'vitest';
import {
  badServerCertificate,
  outputSecretFindings,
  receiverDown,
  resetMidBatch,
  resetOnAccept,
  resetWriteAcknowledged,
  stalledReads,
  OUTPUT_SCENARIOS,
  type OutputResult,
} from '../../chaos/output.ts';

// No secret or tenant token in any of these runs' logs (debug level) or states.
afterAll(() => {
  expect(outputSecretFindings()).toEqual([]);
});

const report = (r: OutputResult): string => `${r.outcome}: ${r.notes}`;

describe.concurrent('output faults (chaos/output.ts, short form)', () => {
  it('lists every scenario this file runs', () => {
    expect(OUTPUT_SCENARIOS.map((s) => s.name)).toHaveLength(8);
  });

  it('receiver refusing connections for 8 s: coded 400 with pulling paused, checkpoint behind the receiver, then every event once', async () => {
    const r = await receiverDown({ downSeconds: 8 });
    expect(r.ok, report(r)).toBe(true);
    expect(r.notes).toMatch(/OutputError 400 \+ "pulling is paused" logged/);
    expect(r.notes).toMatch(/, 0 not at the receiver/);
    expect([r.lost, r.received, r.distinct]).toEqual([0, r.events, r.events]);
  }, 60_000);

  it('connections reset on accept (TCP and TLS): survived, no duplicates', async () => {
    const [tcp, tls] = await Promise.all([resetOnAccept({ resets: 2 }), resetOnAccept({ resets: 2, tls: true })]);
    for (const r of [tcp, tls]) {
      expect(r.ok, report(r)).toBe(true);
      expect(r.notes).toMatch(/^2 resets/);
      expect([r.lost, r.received]).toEqual([0, r.events]);
    }
  }, 60_000);

  it('connections reset after 3000 bytes read: survived, duplicates only the lines read before each reset', async () => {
    const r = await resetMidBatch({ resets: 2, afterBytes: 3000 });
    expect(r.ok, report(r)).toBe(true);
    expect(r.notes).toMatch(/^2 resets/);
    expect(r.lost).toBe(0);
    // 3000 bytes hold at most 4 whole lines of the sim's events: at most 8 copies for 2 resets.
    expect(r.received - r.distinct).toBeLessThanOrEqual(8);
  }, 60_000);

  it('the same resets with confirm_delivery: false: the lines in flight may be lost, but never silently', async () => {
    const r = await resetWriteAcknowledged({ resets: 2, afterBytes: 3000 });
    expect(r.ok, report(r)).toBe(true);
    expect(r.outcome).toBe('survived');
    expect(r.notes).toMatch(/\d+ possible-loss warning\(s\)/);
  }, 60_000);

  it('receiver not reading for 5 s: survived without hanging, no duplicates', async () => {
    const r = await stalledReads({ stallSeconds: 5 });
    expect(r.ok, report(r)).toBe(true);
    expect([r.lost, r.received]).toEqual([0, r.events]);
  }, 60_000);

  it('expired server certificate: OutputError 401 naming the expiry, exit 1, nothing sent or checkpointed, no plaintext', async () => {
    const r = await badServerCertificate({ kind: 'expired' });
    expect(r.ok, report(r)).toBe(true);
    expect(r.outcome).toBe('OutputError 401, exit 1');
    expect(r.notes).toMatch(/CERT_HAS_EXPIRED \(certificate has expired\)\. The server certificate is outside its validity period/);
    expect(r.notes).toMatch(/0 not starting with a TLS record, syslog bytes in clear: no; checkpoint unmoved/);
    expect(r.received).toBe(0);
  }, 60_000);

  it('server certificate from a CA the config does not trust: OutputError 401, exit 1, nothing sent or checkpointed, no plaintext', async () => {
    const r = await badServerCertificate({ kind: 'wrong-ca' });
    expect(r.ok, report(r)).toBe(true);
    expect(r.outcome).toBe('OutputError 401, exit 1');
    expect(r.notes).toMatch(/0 not starting with a TLS record, syslog bytes in clear: no; checkpoint unmoved/);
    expect(r.received).toBe(0);
  }, 60_000);
});
