import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startLarkSim, type LarkSim } from '../../sim/lark/index.ts';
import { startLineReceiver, type LineReceiver } from '../../sim/devo/index.ts';
import { makeTestPki } from '../helpers/certs.ts';
import { isoSeconds, larkConfig, runCli, writeConfig } from '../helpers/cli.ts';

let sim: LarkSim | undefined;
let receiver: LineReceiver | undefined;
afterEach(async () => {
  await sim?.close();
  await receiver?.close();
  sim = undefined;
  receiver = undefined;
});

const env = { LARK_APP_SECRET: 'sim-secret' };

/** The e2e config with the relay output swapped for a devo_platform SSL output. */
function tlsConfig(base: string, port: number, files: { chain: string; cert?: string; key?: string }): string {
  const extra = files.cert && files.key ? `, cert: ${files.cert}, key: ${files.key}` : '';
  return base.replace(/ {2}relay: .*\n/, `  devo: {type: devo_platform, config: {address: localhost, port: ${port}, type: SSL, chain: ${files.chain}${extra}, hostname: tls-host}}\n`);
}

describe('devo_platform SSL output with mutual TLS', () => {
  it('delivers every event to a receiver that requires a client certificate', async () => {
    const pki = await makeTestPki();
    sim = await startLarkSim();
    receiver = await startLineReceiver({ tls: { key: pki.serverKey, cert: pki.serverCert, ca: pki.caCert, requestCert: true } });
    const nowS = Math.floor(Date.now() / 1000);
    const events = sim.generateEvents({ count: 300, fromSeconds: nowS - 1800, toSeconds: nowS - 100 });
    const base = larkConfig({ simUrl: sim.url, receiverPort: 1, start: isoSeconds((nowS - 3600) * 1000) });
    const { config } = writeConfig(tlsConfig(base, receiver.port, { chain: pki.caCertPath, cert: pki.clientCertPath, key: pki.clientKeyPath }));
    const result = await runCli(['run', '--config', config, '--once'], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(receiver.lines).toHaveLength(events.length);
    expect(new Set(receiver.lines.map((l) => (l.json as { unique_id: string }).unique_id)).size).toBe(events.length);
    expect(receiver.lines.every((l) => l.tag === 'app.lark.audit.event' && l.hostname === 'tls-host')).toBe(true);
  });

  it('accepts the client certificate as PKCS#12 (pkcs: {path, password})', async () => {
    const pki = await makeTestPki();
    const p12 = join(pki.dir, 'client.p12');
    execFileSync('openssl', ['pkcs12', '-export', '-in', pki.clientCertPath, '-inkey', pki.clientKeyPath, '-out', p12, '-passout', 'pass:p12-pass-never-print']);
    sim = await startLarkSim();
    receiver = await startLineReceiver({ tls: { key: pki.serverKey, cert: pki.serverCert, ca: pki.caCert, requestCert: true } });
    const nowS = Math.floor(Date.now() / 1000);
    const events = sim.generateEvents({ count: 100, fromSeconds: nowS - 1800, toSeconds: nowS - 100 });
    const base = larkConfig({ simUrl: sim.url, receiverPort: 1, start: isoSeconds((nowS - 3600) * 1000) });
    const text = base.replace(
      / {2}relay: .*\n/,
      `  devo: {type: devo_platform, config: {address: localhost, port: ${receiver.port}, type: SSL, chain: ${pki.caCertPath}, pkcs: {path: ${p12}, password: "\${P12_PASSWORD}"}}}\n`,
    );
    const { config } = writeConfig(text);
    const result = await runCli(['run', '--config', config, '--once'], { env: { ...env, P12_PASSWORD: 'p12-pass-never-print' } });
    expect(result.code, result.stderr).toBe(0);
    expect(receiver.lines).toHaveLength(events.length);
    expect(result.stdout + result.stderr).not.toContain('p12-pass-never-print');
  });

  it('without a client certificate: refused, OutputError 401, exit 1, nothing checkpointed', async () => {
    const pki = await makeTestPki();
    sim = await startLarkSim();
    receiver = await startLineReceiver({ tls: { key: pki.serverKey, cert: pki.serverCert, ca: pki.caCert, requestCert: true } });
    const nowS = Math.floor(Date.now() / 1000);
    sim.generateEvents({ count: 50, fromSeconds: nowS - 1800, toSeconds: nowS - 100 });
    const start = isoSeconds((nowS - 3600) * 1000);
    const base = larkConfig({ simUrl: sim.url, receiverPort: 1, start });
    const { config } = writeConfig(tlsConfig(base, receiver.port, { chain: pki.caCertPath }));
    const result = await runCli(['run', '--config', config, '--once'], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/\[OutputError 401\] /);
    expect(receiver.lines).toHaveLength(0);
    const shown = await runCli(['state', 'show', '--config', config, '--json'], { env });
    expect(JSON.parse(shown.stdout)[0].state.last_run_datetime).toBe(start);
  });

  it('a missing certificate file is OutputError 404 before anything is pulled', async () => {
    sim = await startLarkSim();
    const base = larkConfig({ simUrl: sim.url, receiverPort: 1, start: '2026-11-01T00:00:00Z' });
    const { config } = writeConfig(tlsConfig(base, 1, { chain: 'certs/nope.crt' }));
    const result = await runCli(['run', '--config', config, '--once'], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/\[OutputError 404\] Output chain file certs\/nope.crt cannot be read: ENOENT/);
    expect(sim.stats.auditRequests).toBe(0);
  });

  describe('TLS verification cannot be turned off silently', () => {
    /** A receiver whose certificate comes from another CA than the chain the config trusts. */
    async function wrongCaSetup() {
      const pki = await makeTestPki();
      sim = await startLarkSim();
      receiver = await startLineReceiver({ tls: { key: pki.otherServerKey, cert: pki.otherServerCert } });
      const nowS = Math.floor(Date.now() / 1000);
      const events = sim.generateEvents({ count: 30, fromSeconds: nowS - 1800, toSeconds: nowS - 100 });
      const base = larkConfig({ simUrl: sim.url, receiverPort: 1, start: isoSeconds((nowS - 3600) * 1000) });
      return { events, text: tlsConfig(base, receiver.port, { chain: pki.caCertPath }) };
    }

    it('NODE_TLS_REJECT_UNAUTHORIZED=0 does not weaken the Devo output (a wrong CA is still OutputError 401) and is called out in the log', async () => {
      const { text } = await wrongCaSetup();
      const { config } = writeConfig(text);
      const result = await runCli(['run', '--config', config, '--once'], { env: { ...env, NODE_TLS_REJECT_UNAUTHORIZED: '0' } });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/WARN .*NODE_TLS_REJECT_UNAUTHORIZED=0 is set/);
      expect(result.stderr).toMatch(/\[OutputError 401\] .*set chain \(ca\) to the CA chain that signed it/);
      expect(receiver!.lines).toHaveLength(0);
    });

    it('verify_server: false is the only way, and every run says so in a warning', async () => {
      const { text, events } = await wrongCaSetup();
      const { config } = writeConfig(text.replace('hostname: tls-host}', 'hostname: tls-host, verify_server: false}'));
      const result = await runCli(['run', '--config', config, '--once'], { env });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toMatch(/WARN .*TLS server verification is disabled \(verifyServer: false\)/);
      expect(receiver!.lines).toHaveLength(events.length);
    });
  });
});
