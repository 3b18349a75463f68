import net from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTcpSender, createTlsSender, encodeDevoLine, encodeOctetCounted, gzipMembers, type LineSender } from '../../lib/devo/index.ts';
import { isAuditpullError } from '../../lib/errors/auditpull-error.ts';
import type { Logger, LogFields } from '../../lib/log.ts';
import { startLineReceiver, type LineReceiver, type LineReceiverOptions } from '../../sim/devo/index.ts';
import { makeTestPki, type TestPki } from '../helpers/certs.ts';

const TAG = 'my.app.auditpull.test';
let pki: TestPki;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  pki = await makeTestPki();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function receiver(options: LineReceiverOptions = {}): Promise<LineReceiver> {
  const r = await startLineReceiver(options);
  cleanups.push(() => r.close());
  return r;
}

function track<T extends LineSender>(sender: T): T {
  cleanups.push(() => sender.close());
  return sender;
}

function recordingLogger(): Logger & { entries: Array<{ level: string; message: string; fields?: LogFields }> } {
  const entries: Array<{ level: string; message: string; fields?: LogFields }> = [];
  const log = (level: string) => (message: string, fields?: LogFields) => void entries.push({ level, message, ...(fields ? { fields } : {}) });
  return { entries, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

const lines = (from: number, count: number, hostname = 'test-host'): string =>
  Array.from({ length: count }, (_, i) => encodeDevoLine(TAG, { seq: from + i, text: `event ${from + i}` }, { hostname })).join('');

async function failure(promise: Promise<unknown>): Promise<{ id: number; message: string; code: unknown }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isAuditpullError(error)) throw new Error(`expected an AuditpullError, got ${String(error)}`);
  return { id: error.id, message: error.message, code: error.detail['code'] };
}

const tlsServer = (extra: { requestCert?: boolean; other?: boolean } = {}): LineReceiverOptions => ({
  tls: {
    key: extra.other ? pki.otherServerKey : pki.serverKey,
    cert: extra.other ? pki.otherServerCert : pki.serverCert,
    ca: pki.caCert,
    requestCert: extra.requestCert ?? false,
  },
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('TCP sender', () => {
  it('delivers 5,000 lines sent in batches exactly once and in order', async () => {
    const r = await receiver();
    const sender = track(createTcpSender({ host: '127.0.0.1', port: r.port }));
    for (let batch = 0; batch < 50; batch += 1) await sender.send(lines(batch * 100, 100));
    await sender.close();
    expect(r.lines).toHaveLength(5000);
    expect(r.lines.map((line) => (line.json as { seq: number }).seq)).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    expect(r.lines.every((line) => line.tag === TAG && line.hostname === 'test-host' && line.priority === 14)).toBe(true);
    expect(r.connections).toBe(1);
  });

  it('keeps order when sends are not awaited one by one, and resolves each only once written', async () => {
    const r = await receiver();
    const sender = track(createTcpSender({ host: '127.0.0.1', port: r.port }));
    await Promise.all(Array.from({ length: 20 }, (_, batch) => sender.send(lines(batch * 50, 50))));
    await r.waitForLines(1000);
    expect(r.lines.map((line) => (line.json as { seq: number }).seq)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(r.connections).toBe(1);
  });

  it('delivers octet-counted frames whose message holds raw newlines as one record each', async () => {
    const r = await receiver();
    const sender = track(createTcpSender({ host: '127.0.0.1', port: r.port }));
    const record = `<14>2026-11-22T06:32:47.123Z h ${TAG}: first line\nsecond line ü\n`;
    await sender.send(encodeOctetCounted(record) + encodeOctetCounted(record) + lines(0, 1));
    const received = await r.waitForLines(3);
    expect(received.slice(0, 2).map((line) => line.message)).toEqual(['first line\nsecond line ü', 'first line\nsecond line ü']);
    expect(received[2]?.json).toEqual({ seq: 0, text: 'event 0' });
  });

  it('rejects with 400 when nothing listens, then connects once the receiver is up', async () => {
    const probe = await startLineReceiver();
    const port = probe.port;
    await probe.close();
    const sender = track(createTcpSender({ host: '127.0.0.1', port }));
    const error = await failure(sender.send(lines(0, 1)));
    expect(error.id).toBe(400);
    expect(error.code).toBe('ECONNREFUSED');
    expect(error.message).toContain(`tcp://127.0.0.1:${port}`);

    const r = await receiver({ port });
    await sender.send(lines(1, 1));
    expect((await r.waitForLines(1))[0]?.json).toEqual({ seq: 1, text: 'event 1' });
  });

  it('rejects with 400 when the host name does not resolve', async () => {
    const sender = track(createTcpSender({ host: 'no-such-host.invalid', port: 9, connectTimeoutMs: 5000 }));
    expect((await failure(sender.send(lines(0, 1)))).id).toBe(400);
  });

  it('reconnects on the next send after the receiver dropped the connection', async () => {
    const r = await receiver();
    const sender = track(createTcpSender({ host: '127.0.0.1', port: r.port }));
    await sender.send(lines(0, 10));
    await r.waitForLines(10);
    r.dropConnections();
    await sleep(50); // let the client see the FIN; bytes written before that would be lost in any TCP client
    await sender.send(lines(10, 10));
    await r.waitForLines(20);
    expect(r.connections).toBe(2);
    expect(r.lines.map((line) => (line.json as { seq: number }).seq)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('reconnects after the server closed an idle connection (EOF)', async () => {
    const r = await receiver({ idleTimeoutMs: 50 });
    const sender = track(createTcpSender({ host: '127.0.0.1', port: r.port }));
    await sender.send(lines(0, 1));
    await sleep(200);
    await sender.send(lines(1, 1));
    await r.waitForLines(2);
    expect(r.connections).toBe(2);
  });

  it('opens a fresh connection when the current one sat idle longer than maxIdleMs', async () => {
    const r = await receiver();
    const sender = track(createTcpSender({ host: '127.0.0.1', port: r.port, maxIdleMs: 30 }));
    await sender.send(lines(0, 1));
    await sender.send(lines(1, 1));
    expect(r.connections).toBe(1);
    await sleep(80);
    await sender.send(lines(2, 1));
    await r.waitForLines(3);
    expect(r.connections).toBe(2);
  });

  it('close() half-closes, waits for the server EOF, and every line sent before it has arrived', async () => {
    const r = await receiver();
    const sender = createTcpSender({ host: '127.0.0.1', port: r.port });
    const sends = Array.from({ length: 40 }, (_, batch) => sender.send(lines(batch * 500, 500)));
    await sender.close();
    await Promise.all(sends);
    // No waiting here: close() resolved only after the receiver had read everything and answered EOF.
    expect(r.lines).toHaveLength(20_000);
    const error = await failure(sender.send(lines(0, 1)));
    expect(error.id).toBe(402);
    expect(error.message).toContain('closed');
  });

  it('close() gives up after closeTimeoutMs when the server never answers EOF, and says so', async () => {
    const sockets: net.Socket[] = [];
    const server = net.createServer({ allowHalfOpen: true }, (socket) => {
      sockets.push(socket);
      socket.resume(); // reads, but never ends its side
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    });
    const logger = recordingLogger();
    const sender = createTcpSender({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port, closeTimeoutMs: 100, logger });
    await sender.send(lines(0, 1));
    const started = Date.now();
    await sender.close();
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(logger.entries.some((entry) => entry.level === 'warn' && entry.message.includes('did not confirm'))).toBe(true);
  });

  it('rejects with 402 when the server stops reading and the write cannot complete', async () => {
    const sockets: net.Socket[] = [];
    const server = net.createServer((socket) => {
      sockets.push(socket);
      socket.pause();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    });
    const sender = track(createTcpSender({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port, writeTimeoutMs: 300, closeTimeoutMs: 100 }));
    const error = await failure(sender.send('x'.repeat(64 * 1024 * 1024) + '\n'));
    expect(error.id).toBe(402);
    expect(error.code).toBe('ETIMEDOUT');
  });
});

describe('TLS sender', () => {
  it('delivers over mutual TLS with the right tag', async () => {
    const r = await receiver(tlsServer({ requestCert: true }));
    const sender = track(createTlsSender({ host: '127.0.0.1', port: r.port, ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey }));
    await sender.send(lines(0, 100, 'tls-host'));
    await sender.send(encodeDevoLine('app.lark.admin.log', { unique_id: 'a1' }, { hostname: 'tls-host' }));
    await sender.close();
    expect(r.lines).toHaveLength(101);
    expect(r.lines.slice(0, 100).every((line) => line.tag === TAG && line.hostname === 'tls-host')).toBe(true);
    expect(r.lines[100]).toMatchObject({ tag: 'app.lark.admin.log', json: { unique_id: 'a1' } });
    expect(r.connections).toBe(1);
    expect(r.rejected).toBe(0);
  });

  it('verifies the server by name through localhost too', async () => {
    const r = await receiver(tlsServer());
    const sender = track(createTlsSender({ host: 'localhost', port: r.port, ca: pki.caCert }));
    await sender.send(lines(0, 1));
    await r.waitForLines(1);
  });

  for (const maxVersion of ['TLSv1.3', 'TLSv1.2'] as const) {
    it(`rejects with 401 when the receiver requires a client certificate and none is given (${maxVersion})`, async () => {
      const r = await receiver(tlsServer({ requestCert: true }));
      const sender = track(createTlsSender({ host: '127.0.0.1', port: r.port, ca: pki.caCert, maxVersion }));
      const error = await failure(sender.send(lines(0, 5)));
      expect(error.id).toBe(401);
      expect(error.message).toMatch(/client certificate/);
      expect(r.rejected).toBeGreaterThanOrEqual(1);
      await sleep(20);
      expect(r.lines).toHaveLength(0);
    });
  }

  it('rejects with 401 a client certificate from a CA the receiver does not trust', async () => {
    const r = await receiver(tlsServer({ requestCert: true }));
    const sender = track(createTlsSender({ host: '127.0.0.1', port: r.port, ca: pki.caCert, cert: pki.otherClientCert, key: pki.otherClientKey }));
    expect((await failure(sender.send(lines(0, 1)))).id).toBe(401);
    expect(r.rejected).toBeGreaterThanOrEqual(1);
  });

  it('rejects with 401 a server certificate from an unknown CA, and accepts it with a warning when verifyServer is off', async () => {
    const r = await receiver(tlsServer({ other: true }));
    const strict = track(createTlsSender({ host: '127.0.0.1', port: r.port, ca: pki.caCert }));
    const error = await failure(strict.send(lines(0, 1)));
    expect(error.id).toBe(401);
    expect(error.message).toMatch(/could not be verified/);

    const logger = recordingLogger();
    const lax = track(createTlsSender({ host: '127.0.0.1', port: r.port, ca: pki.caCert, verifyServer: false, logger }));
    const warnings = logger.entries.filter((entry) => entry.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toMatch(/^TLS server verification is disabled/);
    await lax.send(lines(1, 1));
    expect((await r.waitForLines(1))[0]?.json).toEqual({ seq: 1, text: 'event 1' });
  });

  it('checkHostname: false skips only the name check, not the chain', async () => {
    const good = await receiver(tlsServer());
    const named = track(createTlsSender({ host: '127.0.0.1', port: good.port, ca: pki.caCert, servername: 'collector-eu.devo.io' }));
    const mismatch = await failure(named.send(lines(0, 1)));
    expect(mismatch.id).toBe(401);
    expect(mismatch.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');

    const unnamed = track(createTlsSender({ host: '127.0.0.1', port: good.port, ca: pki.caCert, servername: 'collector-eu.devo.io', checkHostname: false }));
    await unnamed.send(lines(1, 1));
    await good.waitForLines(1);

    const unknownCa = await receiver(tlsServer({ other: true }));
    const stillChecked = track(createTlsSender({ host: '127.0.0.1', port: unknownCa.port, ca: pki.caCert, checkHostname: false }));
    expect((await failure(stillChecked.send(lines(2, 1)))).id).toBe(401);
  });

  it('rejects with 401 when the port does not speak TLS (handshake timeout)', async () => {
    const plain = await receiver();
    const sender = track(createTlsSender({ host: '127.0.0.1', port: plain.port, ca: pki.caCert, connectTimeoutMs: 300, closeTimeoutMs: 100 }));
    const error = await failure(sender.send(lines(0, 1)));
    expect(error.id).toBe(401);
    expect(error.message).toMatch(/handshake did not complete within 300 ms/);
  });

  it('rejects with 400 when nothing listens', async () => {
    const probe = await startLineReceiver();
    await probe.close();
    const sender = track(createTlsSender({ host: '127.0.0.1', port: probe.port, ca: pki.caCert }));
    expect((await failure(sender.send(lines(0, 1)))).id).toBe(400);
  });

  it('reconnects after the receiver dropped the connection and close() waits for every line', async () => {
    const r = await receiver(tlsServer({ requestCert: true }));
    const sender = createTlsSender({ host: 'localhost', port: r.port, ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey });
    await sender.send(lines(0, 500));
    await r.waitForLines(500);
    r.dropConnections();
    await sleep(50);
    await sender.send(lines(500, 500));
    const pending = sender.send(lines(1000, 1000));
    await sender.close();
    await pending;
    expect(r.lines.map((line) => (line.json as { seq: number }).seq)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    expect(r.connections).toBe(2);
  });

  it('refuses unusable PEM at creation with 401 without echoing the key, and cert without key with TypeError', () => {
    const secret = '-----BEGIN PRIVATE KEY-----\nTOP-SECRET-KEY-MATERIAL\n-----END PRIVATE KEY-----\n';
    let thrown: unknown;
    try {
      createTlsSender({ host: '127.0.0.1', port: 1, cert: pki.clientCert, key: secret });
    } catch (error) {
      thrown = error;
    }
    expect(isAuditpullError(thrown) && thrown.id).toBe(401);
    expect(String(thrown)).not.toContain('TOP-SECRET');
    expect(() => createTlsSender({ host: '127.0.0.1', port: 1, cert: pki.clientCert })).toThrow(TypeError);
  });
});

describe('gzip mode', () => {
  it('packs whole lines into members of at most bufferBytes that inflate back byte for byte', async () => {
    const payload = Array.from({ length: 300 }, (_, i) => encodeDevoLine(TAG, { seq: i, text: `é 日本 🚀 "q" \\ ${'x'.repeat(i % 50)}` }, { hostname: 'h' })).join('');
    const long = encodeDevoLine(TAG, { big: 'y'.repeat(5000) }, { hostname: 'h' });
    const zipped = await gzipMembers(payload + long, { bufferBytes: 2000 });
    expect(gunzipSync(zipped).toString('utf8')).toBe(payload + long);
    // Count members: each starts with the gzip magic and ends before the next; inflate them one by one.
    const members: string[] = [];
    let rest = zipped;
    while (rest.length > 0) {
      const next = rest.indexOf(Buffer.from([0x1f, 0x8b, 0x08]), 10);
      const member = next === -1 ? rest : rest.subarray(0, next);
      members.push(gunzipSync(member).toString('utf8'));
      rest = next === -1 ? Buffer.alloc(0) : rest.subarray(next);
    }
    expect(members.join('')).toBe(payload + long);
    expect(members.length).toBeGreaterThan(5);
    for (const member of members) {
      expect(member.endsWith('\n')).toBe(true);
      if (member !== long) expect(Buffer.byteLength(member)).toBeLessThanOrEqual(2000);
    }
  });

  it('delivers over TLS as gzip members; the receiver inflates the same lines in order', async () => {
    const r = await receiver(tlsServer({ requestCert: true }));
    const sender = track(createTlsSender({ host: 'localhost', port: r.port, ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey, gzip: { bufferBytes: 4096 } }));
    const sent = lines(0, 2000);
    await sender.send(sent);
    await sender.send(lines(2000, 1000));
    await sender.close();
    await r.waitForLines(3000);
    expect(r.lines.slice(0, 2000).map((line) => `${line.raw}\n`).join('')).toBe(sent);
    expect(r.lines.map((line) => (line.json as { seq: number }).seq)).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    expect(r.gzipConnections).toBe(1);
  });
});

describe('confirmed delivery', () => {
  it('uses one connection per send and resolves only after the server answered the half-close', async () => {
    const r = await receiver(tlsServer({ requestCert: true }));
    const sender = track(createTlsSender({ host: 'localhost', port: r.port, ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey, confirmDelivery: true }));
    for (let batch = 0; batch < 5; batch += 1) {
      await sender.send(lines(batch * 400, 400));
      // Confirmed means read by the server: every line is there the moment send resolves.
      expect(r.lines.length).toBe((batch + 1) * 400);
    }
    expect(r.connections).toBe(5);
    expect(r.lines.map((line) => (line.json as { seq: number }).seq)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
  });

  it('keeps order when sends overlap, each on its own connection', async () => {
    const r = await receiver();
    const sender = track(createTcpSender({ host: '127.0.0.1', port: r.port, confirmDelivery: true }));
    await Promise.all(Array.from({ length: 10 }, (_, i) => sender.send(lines(i * 100, 100))));
    await r.waitForLines(1000);
    expect(r.connections).toBe(10);
    expect(new Set(r.lines.map((line) => (line.json as { seq: number }).seq)).size).toBe(1000);
  });

  it('rejects with 402 when the server resets the connection instead of answering with EOF', async () => {
    const server = net.createServer({ allowHalfOpen: true }, (socket) => {
      socket.resume();
      socket.on('end', () => socket.resetAndDestroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
    const { port } = server.address() as net.AddressInfo;
    const sender = track(createTcpSender({ host: '127.0.0.1', port, confirmDelivery: true }));
    expect((await failure(sender.send(lines(0, 10)))).id).toBe(402);
  });

  it('rejects with 401 a missing client certificate', async () => {
    const r = await receiver(tlsServer({ requestCert: true }));
    const sender = track(createTlsSender({ host: 'localhost', port: r.port, ca: pki.caCert, confirmDelivery: true }));
    expect((await failure(sender.send(lines(0, 10)))).id).toBe(401);
    expect(r.lines).toHaveLength(0);
  });

  it('rejects with 402, never counting silence as acceptance, when the server reads but never answers the half-close (or stalls)', async () => {
    const received: Buffer[] = [];
    const server = net.createServer({ allowHalfOpen: true }, (socket) => socket.on('data', (chunk: Buffer) => received.push(chunk)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const open = new Set<net.Socket>();
    server.on('connection', (socket) => open.add(socket));
    cleanups.push(() => new Promise((resolve) => {
      for (const socket of open) socket.destroy();
      server.close(() => resolve());
    }));
    const { port } = server.address() as net.AddressInfo;
    const sender = track(createTcpSender({ host: '127.0.0.1', port, confirmDelivery: true, confirmTimeoutMs: 200 }));
    const error = await failure(sender.send(lines(0, 10)));
    expect(error.id).toBe(402);
    expect(error.message).toMatch(/did not confirm.*confirm_delivery: false/);
    // A stalled receiver (it reads nothing) is the same case.
    const stalled = await receiver();
    stalled.pauseReading();
    const other = track(createTcpSender({ host: '127.0.0.1', port: stalled.port, confirmDelivery: true, confirmTimeoutMs: 200 }));
    expect((await failure(other.send(lines(0, 10)))).id).toBe(402);
  });
});
