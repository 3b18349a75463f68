/**
 * A plain TCP relay in front of a TLS receiver that watches what the client sends in clear: every
 * connection must open with a TLS handshake record (0x16), and no syslog record (`<14>`…) may ever
 * cross it unencrypted. Tests put it between a TLS sender and its receiver to prove there is no
 * plaintext fallback when the handshake fails.
 */
import net from 'node:net';

/**
 * @public
 */
export interface TlsWatch {
  readonly port: number;
  /** Connections relayed. */
  readonly connections: number;
  /** Connections whose first byte was not a TLS handshake record. */
  readonly plaintext: number;
  /** A `<PRI>` syslog header was seen in clear in some connection's bytes. */
  readonly sawSyslog: boolean;
  close(): Promise<void>;
}

const HANDSHAKE_RECORD = 0x16;
const SYSLOG_HEADER = /<\d{1,3}>\d{4}-\d\d-\d\d/;

/**
 * Starts the watch on 127.0.0.1, relaying to `port` on 127.0.0.1.
 * @public
 */
export async function startTlsWatch(port: number): Promise<TlsWatch> {
  let connections = 0;
  let plaintext = 0;
  let sawSyslog = false;
  const open = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    connections += 1;
    const upstream = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    let first = true;
    // The tail of the previous chunk, so a header split across chunks is still seen.
    let tail = '';
    client.on('data', (chunk: Buffer) => {
      if (first) {
        first = false;
        if (chunk[0] !== HANDSHAKE_RECORD) plaintext += 1;
      }
      const text = tail + chunk.toString('latin1');
      if (SYSLOG_HEADER.test(text)) sawSyslog = true;
      tail = text.slice(-16);
    });
    client.pipe(upstream);
    upstream.pipe(client);
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on('error', () => (client.destroy(), upstream.destroy()));
      socket.on('close', () => open.delete(socket));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    get connections() {
      return connections;
    },
    get plaintext() {
      return plaintext;
    },
    get sawSyslog() {
      return sawSyslog;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
