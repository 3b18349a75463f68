import { connect as netConnect } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPki, type TestPki } from '../helpers/certs.ts';
import { rsyslogAvailable, startRsyslog, type Rsyslog } from '../helpers/rsyslog.ts';

// Proves the rsyslog test receiver itself, so Devo-output tests can trust what it reports.

const PAYLOAD = '{"a":"é\\"x","n":1}';
const line = (payload: string, tag = 'app.lark.audit.event'): string => `<14>2026-11-22T10:00:00.000Z myhost ${tag}: ${payload}\n`;

const servers: Rsyslog[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function start(options: Parameters<typeof startRsyslog>[0] = {}): Promise<Rsyslog> {
  const server = await startRsyslog(options);
  servers.push(server);
  return server;
}

/** Writes `data` over plain TCP, half-closes, and resolves once rsyslog closed its side too. */
function sendPlain(port: number, data: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = netConnect(port, '127.0.0.1', () => socket.end(data));
    socket.once('error', reject);
    socket.once('close', () => resolve());
    socket.resume();
  });
}

/** Writes `data` over TLS once the handshake is done, half-closes, and resolves once the session ended. */
function sendTls(port: number, options: ConnectionOptions, data: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', ...options }, () => socket.end(data));
    socket.once('error', reject);
    socket.once('close', () => resolve());
    socket.resume();
  });
}

/**
 * Writes `data` over TLS without closing and resolves with the error the server ended the session with. In
 * TLS 1.3 the client's handshake completes before the server has checked its certificate, so `secureConnect`
 * fires and the refusal (a TLS alert) arrives afterwards; the data written meanwhile must not be recorded.
 */
function refusedTls(port: number, options: ConnectionOptions, data: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', ...options }, () => socket.write(data));
    let outcome: string | undefined;
    socket.once('error', (error) => (outcome ??= error.message));
    socket.once('end', () => (outcome ??= 'closed by the server without an alert'));
    socket.once('close', () => (outcome === undefined ? reject(new Error('closed without a reason')) : resolve(outcome)));
    socket.resume();
    const timer = setTimeout(() => {
      reject(new Error('the server kept a session without a valid client certificate open for 10 s'));
      socket.destroy();
    }, 10_000);
    socket.once('close', () => clearTimeout(timer));
  });
}

let pki: TestPki;
beforeAll(async () => {
  // .ci/run installs rsyslog, so a missing one is a broken machine, not a reason to skip.
  if (!rsyslogAvailable()) throw new Error('rsyslogd or its ossl TLS driver is missing: run .ci/run or apt-get install rsyslog rsyslog-openssl');
  pki = await makeTestPki();
});

describe('rsyslog test receiver', () => {
  it('receives plain TCP lines byte for byte', async () => {
    const server = await start();
    await sendPlain(server.port, line(PAYLOAD) + line('{"b":"日本 😀 a/b\\\\c"}', 'other') + line('{"c":[]}'));
    const records = await server.waitForRecords(3);
    expect(records).toEqual([
      { raw: line(PAYLOAD).trimEnd(), tag: 'app.lark.audit.event', hostname: 'myhost', msg: PAYLOAD },
      { raw: line('{"b":"日本 😀 a/b\\\\c"}', 'other').trimEnd(), tag: 'other', hostname: 'myhost', msg: '{"b":"日本 😀 a/b\\\\c"}' },
      { raw: line('{"c":[]}').trimEnd(), tag: 'app.lark.audit.event', hostname: 'myhost', msg: '{"c":[]}' },
    ]);
    expect(JSON.parse(records[0]!.msg)).toEqual({ a: 'é"x', n: 1 });
  });

  it('over TLS, accepts a client with a certificate from the CA and refuses one without', async () => {
    const server = await start({
      tls: { caFile: pki.caCertPath, certFile: pki.serverCertPath, keyFile: pki.serverKeyPath, requireClientCert: true },
    });
    const trusted = { ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey };
    await sendTls(server.port, trusted, line('{"first":1}'));
    await server.waitForRecords(1);

    const refused = await Promise.all([
      refusedTls(server.port, { ca: pki.caCert }, line('{"nocert":1}')),
      refusedTls(server.port, { ca: pki.caCert, cert: pki.otherClientCert, key: pki.otherClientKey }, line('{"othercert":1}')),
    ]);
    expect(refused).toEqual([expect.stringMatching(/alert certificate required/), expect.stringMatching(/alert unknown ca/)]);

    // A later accepted record proves rsyslog is past the refused sessions; they must have left nothing.
    await sendTls(server.port, trusted, line('{"last":1}'));
    const records = await server.waitForRecords(2);
    await new Promise((r) => setTimeout(r, 300));
    expect((await server.records()).map((record) => record.msg)).toEqual(['{"first":1}', '{"last":1}']);
    expect(records[0]!.raw).toBe(line('{"first":1}').trimEnd());
  });

  it('over TLS without requireClientCert, accepts a client without a certificate', async () => {
    const server = await start({
      tls: { caFile: pki.caCertPath, certFile: pki.serverCertPath, keyFile: pki.serverKeyPath, requireClientCert: false },
    });
    await sendTls(server.port, { ca: pki.caCert }, line(PAYLOAD));
    const [record] = await server.waitForRecords(1);
    expect(record).toEqual({ raw: line(PAYLOAD).trimEnd(), tag: 'app.lark.audit.event', hostname: 'myhost', msg: PAYLOAD });
  });

  it('keeps its port and its records across stop/start and kill/start', async () => {
    const server = await start();
    const port = server.port;
    await sendPlain(port, line('{"run":1}'));
    await server.waitForRecords(1);
    await server.stop();
    await expect(sendPlain(port, line('{"down":1}'))).rejects.toThrow(/ECONNREFUSED/);

    await server.start();
    expect(server.port).toBe(port);
    await sendPlain(port, line('{"run":2}'));
    await server.waitForRecords(2);
    await server.kill();
    await server.start();
    await sendPlain(port, line('{"run":3}'));
    const records = await server.waitForRecords(3);
    expect(records.map((record) => record.msg)).toEqual(['{"run":1}', '{"run":2}', '{"run":3}']);
  });

  it.each([['plain TCP'], ['TLS']])('delivers a 500 KB JSON line intact over %s', async (mode) => {
    const tls = mode === 'TLS';
    const server = await start(
      tls ? { tls: { caFile: pki.caCertPath, certFile: pki.serverCertPath, keyFile: pki.serverKeyPath, requireClientCert: true } } : {},
    );
    const chunk = 'é日本😀"\\/ abc';
    const payload = JSON.stringify({ big: chunk.repeat(Math.ceil(500_000 / Buffer.byteLength(chunk))), n: 1 });
    expect(Buffer.byteLength(payload)).toBeGreaterThan(500_000);
    if (tls) {
      await sendTls(server.port, { ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey }, line(payload));
    } else {
      await sendPlain(server.port, line(payload));
    }
    const [record] = await server.waitForRecords(1);
    expect(record!.raw === line(payload).trimEnd()).toBe(true); // not toBe: a 500 KB diff helps nobody
    expect(record!.msg === payload).toBe(true);
    expect(record!.tag).toBe('app.lark.audit.event');
  });
});
