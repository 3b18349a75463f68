import net from 'node:net';
import { createSocketSender } from './socket-sender.ts';
import type { LineSender, TcpSenderOptions } from './types.ts';

/**
 * A {@link LineSender} over plain TCP, for an in-house relay. Nothing is encrypted: use
 * {@link createTlsSender} for anything that leaves the host or the local network.
 * @public
 */
export function createTcpSender(options: TcpSenderOptions): LineSender {
  const { host, port } = options;
  return createSocketSender(
    {
      endpoint: `tcp://${host}:${port}`,
      readyEvent: 'connect',
      open: () => net.connect({ host, port }),
    },
    options,
  );
}
