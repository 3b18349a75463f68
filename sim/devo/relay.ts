/**
 * An inflating relay: accepts a syslog stream (plain lines or devo-sdk gzip members) and forwards the
 * plain bytes to a syslog server. Devo inflates zip-mode streams before parsing them; rsyslog cannot
 * (its imptcp compression is a zlib stream, without TLS), so tests put this in front of rsyslog to see
 * gzip-mode lines arrive byte for byte. The half-close handshake is passed through both ways.
 */
import net from 'node:net';
import tls from 'node:tls';
import zlib from 'node:zlib';

/**
 * @public
 */
export interface InflatingRelayOptions {
  /** Serve TLS to clients (PEM contents); plain TCP without it. */
  tls?: { key: string | Buffer; cert: string | Buffer; ca?: string | Buffer; requestCert?: boolean };
  /** Where the plain stream goes; `tls` makes the relay a TLS client of the target. */
  target: { host: string; port: number; tls?: tls.ConnectionOptions };
}

/**
 * @public
 */
export interface InflatingRelay {
  readonly port: number;
  /** Connections whose stream was gzip members. */
  readonly gzipConnections: number;
  close(): Promise<void>;
}

/**
 * Starts an inflating relay on 127.0.0.1.
 * @public
 */
export async function startInflatingRelay(options: InflatingRelayOptions): Promise<InflatingRelay> {
  let gzipConnections = 0;
  const open = new Set<net.Socket>();

  const handle = (client: net.Socket): void => {
    const { host, port } = options.target;
    const upstream: net.Socket = options.target.tls ? tls.connect({ host, port, ...options.target.tls }) : net.connect({ host, port });
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    upstream.resume(); // syslog servers never answer; keep reading so their EOF shows
    // The server's end answers the client's half-close: it has read everything the client sent.
    upstream.on('end', () => client.end());
    let sink: NodeJS.WritableStream = upstream;
    let first = true;
    client.on('data', (chunk: Buffer) => {
      if (first) {
        first = false;
        if (chunk[0] === 0x1f) {
          gzipConnections += 1;
          const gunzip = zlib.createGunzip();
          gunzip.on('error', () => client.destroy());
          gunzip.pipe(upstream);
          sink = gunzip;
        }
      }
      if (!sink.write(chunk)) {
        client.pause();
        (sink === upstream ? upstream : (sink as zlib.Gunzip)).once('drain', () => client.resume());
      }
    });
    client.on('end', () => sink.end());
  };

  const server = options.tls
    ? tls.createServer(
        { ...options.tls, requestCert: options.tls.requestCert ?? false, rejectUnauthorized: options.tls.requestCert ?? false, allowHalfOpen: true },
        handle,
      )
    : net.createServer({ allowHalfOpen: true }, handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address() as net.AddressInfo;
  return {
    port: address.port,
    get gzipConnections() {
      return gzipConnections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
