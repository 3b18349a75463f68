/**
 * A Devo-compatible line receiver on loopback: the test oracle for lib/devo's encoder and senders.
 * It shares no code with lib/ on purpose (DESIGN.md: a bug in lib must not hide itself on both sides).
 */
import net from 'node:net';
import tls from 'node:tls';
import zlib from 'node:zlib';

/**
 * One syslog record as received: `<PRI>TIMESTAMP HOSTNAME TAG: MESSAGE`.
 * A record that does not match keeps its `raw` text and has `priority` -1 and empty fields.
 * @public
 */
export interface DevoLine {
  /** The record without its trailing `\n` (and without the octet count, if it was framed). */
  raw: string;
  priority: number;
  timestamp: string;
  hostname: string;
  tag: string;
  message: string;
  /** The message parsed, present only when it is valid JSON. */
  json?: unknown;
}

/**
 * @public
 */
export interface LineReceiverOptions {
  /** Port on 127.0.0.1; 0 or absent picks a free one. */
  port?: number;
  /** Serve TLS instead of plain TCP. PEM contents. */
  tls?: {
    key: string | Buffer;
    cert: string | Buffer;
    ca?: string | Buffer;
    /** Require a client certificate, verified against `ca`. */
    requestCert?: boolean;
  };
  /** End (FIN, like a load balancer) connections that sent nothing for this long. */
  idleTimeoutMs?: number;
}

/**
 * @public
 */
export interface LineReceiver {
  readonly port: number;
  /** Every record received, in arrival order across all connections. */
  readonly lines: DevoLine[];
  /** Connections accepted (for TLS: handshakes completed). */
  readonly connections: number;
  /**
   * TLS handshakes that failed on the receiver's side (bad or missing client certificate, protocol
   * errors). A client that aborts because it distrusts the server certificate is not counted.
   */
  readonly rejected: number;
  /** Resolves with `lines` once at least `n` were received; rejects after `timeoutMs` (default 5000). */
  waitForLines(n: number, timeoutMs?: number): Promise<DevoLine[]>;
  /** Connections whose stream was gzip members (devo-sdk's zip mode), inflated before framing. */
  readonly gzipConnections: number;
  /** Stops reading from every connection (and new ones), as a stalled Devo would: senders see backpressure. */
  pauseReading(): void;
  resumeReading(): void;
  /** Destroys every open connection at once, as a crashed peer or a network cut would. */
  dropConnections(): void;
  /**
   * Resets (TCP RST) the next `count` connections: at once after they are accepted (for TLS, after the
   * handshake), or, with `afterBytes`, once they sent that many bytes (those bytes are read and their
   * whole records kept, as a receiver that crashed mid-stream would have stored them).
   */
  resetConnections(count: number, options?: { afterBytes?: number }): void;
  /** Connections reset by {@link LineReceiver.resetConnections}. */
  readonly resets: number;
  /** Stops listening (new connections are refused, as from a closed port); open ones finish normally. */
  refuseConnections(): void;
  /** Listens again on the same port after {@link LineReceiver.refuseConnections}. */
  acceptConnections(): Promise<void>;
  /** Stops listening and destroys the open connections. */
  close(): Promise<void>;
}

const RECORD = /^<(\d{1,3})>(\S+) (\S+) ([^\s:]+): ([\s\S]*)$/;
const NEWLINE = 0x0a;
const SPACE = 0x20;

function isDigit(byte: number | undefined): boolean {
  return byte !== undefined && byte >= 0x30 && byte <= 0x39;
}

/**
 * Parses one record (without the line terminator).
 * @public
 */
export function parseDevoLine(raw: string): DevoLine {
  const match = RECORD.exec(raw);
  if (match === null) return { raw, priority: -1, timestamp: '', hostname: '', tag: '', message: '' };
  const [, priority = '', timestamp = '', hostname = '', tag = '', message = ''] = match;
  const line: DevoLine = { raw, priority: Number(priority), timestamp, hostname, tag, message };
  try {
    line.json = JSON.parse(message);
  } catch {
    // not JSON: `json` stays absent
  }
  return line;
}

/**
 * Splits a byte stream into records: `\n`-terminated lines, or RFC 6587 octet-counted frames
 * (`LEN SP record`) when a frame starts with a digit. Works on bytes because LEN counts octets.
 */
function createFramer(onRecord: (raw: string) => void): { push(chunk: Buffer): void; end(): void } {
  let pending: Buffer = Buffer.alloc(0);

  const drain = (): void => {
    let offset = 0;
    while (offset < pending.length) {
      let digits = offset;
      while (digits < pending.length && isDigit(pending[digits])) digits += 1;
      if (digits > offset) {
        if (digits === pending.length) break; // the count may still be arriving
        if (pending[digits] === SPACE && digits - offset <= 10) {
          const end = digits + 1 + Number(pending.toString('latin1', offset, digits));
          if (end > pending.length) break;
          let record = pending.toString('utf8', digits + 1, end);
          if (record.endsWith('\n')) record = record.slice(0, -1);
          onRecord(record);
          offset = end;
          continue;
        }
        // Digits not followed by a space: an ordinary line that happens to start with a digit.
      }
      const newline = pending.indexOf(NEWLINE, offset);
      if (newline === -1) break;
      onRecord(pending.toString('utf8', offset, newline));
      offset = newline + 1;
    }
    pending = offset === 0 ? pending : pending.subarray(offset);
  };

  return {
    push(chunk) {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      drain();
    },
    end() {
      // Like rsyslog, an unterminated record at end of stream is still submitted.
      if (pending.length > 0) onRecord(pending.toString('utf8'));
      pending = Buffer.alloc(0);
    },
  };
}

/**
 * Starts a line receiver on 127.0.0.1 over plain TCP, or TLS when `options.tls` is given.
 * @public
 */
export async function startLineReceiver(options: LineReceiverOptions = {}): Promise<LineReceiver> {
  const lines: DevoLine[] = [];
  const sockets = new Set<net.Socket>();
  /** Every TCP connection, handshaking or not, so close() never waits for a half-done TLS handshake. */
  const tcpSockets = new Set<net.Socket>();
  const waiters = new Set<() => void>();
  let connections = 0;
  let rejected = 0;
  let gzipConnections = 0;
  let paused = false;
  let resetsLeft = 0;
  let resetAfterBytes: number | undefined;
  let resets = 0;
  /** The TCP socket under each TLS socket (by client port): only a TCP handle can send an RST. */
  const rawByPort = new Map<number, net.Socket>();
  const reset = (socket: net.Socket): void => {
    resets += 1;
    const raw = socket.remotePort === undefined ? undefined : rawByPort.get(socket.remotePort);
    if (raw === undefined || raw === socket) return void socket.resetAndDestroy();
    // Only the TCP socket under TLS can send the RST; destroying the TLS socket as well crashes Node
    // (its TLS layer would close a handle already gone), so it is left to see the close by itself.
    raw.resetAndDestroy();
  };

  const handle = (socket: net.Socket): void => {
    connections += 1;
    sockets.add(socket);
    const framer = createFramer((raw) => {
      lines.push(parseDevoLine(raw));
      for (const wake of waiters) wake();
    });
    if (options.idleTimeoutMs !== undefined) socket.setTimeout(options.idleTimeoutMs, () => socket.end());
    if (paused) socket.pause();
    let resetAfter: number | undefined;
    if (resetsLeft > 0) {
      if (resetAfterBytes === undefined) {
        resetsLeft -= 1;
        return reset(socket);
      }
      // Counted when the cut happens: a connection that ends sooner does not use up a reset.
      resetAfter = resetAfterBytes;
    }
    let cut = false;
    // A syslog record starts with '<' or a digit; 0x1f is the first byte of a gzip member.
    let gunzip: zlib.Gunzip | undefined;
    let first = true;
    socket.on('data', (whole: Buffer) => {
      if (cut) return; // reset: what the TLS layer still hands over was never read
      let chunk = whole;
      if (resetAfter !== undefined && whole.length >= resetAfter) {
        if (resetsLeft > 0) {
          cut = true;
          chunk = whole.subarray(0, resetAfter);
        }
        resetAfter = undefined;
      } else if (resetAfter !== undefined) {
        resetAfter -= whole.length;
      }
      if (first) {
        first = false;
        if (chunk[0] === 0x1f) {
          gzipConnections += 1;
          gunzip = zlib.createGunzip();
          gunzip.on('data', (plain: Buffer) => framer.push(plain));
          gunzip.on('error', () => socket.destroy());
        }
      }
      if (gunzip) gunzip.write(chunk);
      else framer.push(chunk);
      if (cut) {
        resetsLeft -= 1;
        reset(socket);
      }
    });
    // Half-close handshake: the client said it is done; answer with our own FIN once its data is read.
    socket.on('end', () => {
      if (gunzip === undefined) {
        framer.end();
        socket.end();
        return;
      }
      gunzip.once('end', () => {
        framer.end();
        socket.end();
      });
      gunzip.end();
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
  };

  let server: net.Server;
  if (options.tls === undefined) {
    server = net.createServer({ allowHalfOpen: true }, handle);
  } else {
    const { key, cert, ca, requestCert = false } = options.tls;
    const tlsServer = tls.createServer(
      { key, cert, ...(ca === undefined ? {} : { ca }), requestCert, rejectUnauthorized: requestCert, allowHalfOpen: true },
      handle,
    );
    tlsServer.on('tlsClientError', (_error, socket) => {
      rejected += 1;
      socket.destroy();
    });
    server = tlsServer;
  }

  server.on('connection', (socket: net.Socket) => {
    tcpSockets.add(socket);
    const port = socket.remotePort;
    if (port !== undefined) rawByPort.set(port, socket);
    socket.once('close', () => {
      tcpSockets.delete(socket);
      if (port !== undefined && rawByPort.get(port) === socket) rawByPort.delete(port);
    });
  });

  const listen = (port: number): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen(options.port ?? 0);
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('line receiver: no TCP address');

  return {
    port: address.port,
    lines,
    get connections() {
      return connections;
    },
    get rejected() {
      return rejected;
    },
    get gzipConnections() {
      return gzipConnections;
    },
    get resets() {
      return resets;
    },
    resetConnections(count, resetOptions = {}) {
      resetsLeft = count;
      resetAfterBytes = resetOptions.afterBytes;
    },
    refuseConnections() {
      if (server.listening) server.close();
    },
    acceptConnections() {
      return server.listening ? Promise.resolve() : listen(address.port);
    },
    pauseReading() {
      paused = true;
      for (const socket of sockets) socket.pause();
    },
    resumeReading() {
      paused = false;
      for (const socket of sockets) socket.resume();
    },
    waitForLines(n, timeoutMs = 5000) {
      if (lines.length >= n) return Promise.resolve(lines);
      return new Promise((resolve, reject) => {
        const wake = (): void => {
          if (lines.length < n) return;
          done();
          resolve(lines);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`line receiver: ${lines.length} of ${n} lines after ${timeoutMs} ms`));
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          waiters.delete(wake);
        };
        waiters.add(wake);
      });
    },
    dropConnections() {
      for (const socket of sockets) socket.destroy();
    },
    close() {
      return new Promise((resolve, reject) => {
        if (!server.listening) {
          for (const socket of tcpSockets) socket.destroy();
          return resolve();
        }
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        for (const socket of sockets) socket.destroy();
        for (const socket of tcpSockets) socket.destroy();
      });
    },
  };
}
