/**
 * A plain TCP relay to 127.0.0.1:`port` that shows a watcher every byte each client sends, for tests that
 * check what crosses the wire (valid UTF-8, no plaintext). The half-close handshake is passed through both
 * ways, so confirmed delivery (server EOF) works through it.
 */
import net from 'node:net';

/**
 * What a tap tells its watcher about one client connection.
 * @public
 */
export interface TapWatcher {
  data(chunk: Buffer): void;
  /** The client half-closed: its stream is complete. */
  end?(): void;
}

/**
 * @public
 */
export interface TcpTap {
  readonly port: number;
  /** Connections relayed. */
  readonly connections: number;
  close(): Promise<void>;
}

/**
 * Starts the tap on 127.0.0.1; `watch` is called once per client connection.
 * @public
 */
export async function startTcpTap(port: number, watch: () => TapWatcher): Promise<TcpTap> {
  let connections = 0;
  const open = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    connections += 1;
    const watcher = watch();
    const upstream = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    client.on('data', (chunk: Buffer) => watcher.data(chunk));
    client.on('end', () => watcher.end?.());
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
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
