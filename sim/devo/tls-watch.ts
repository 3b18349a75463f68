/**
 * A plain TCP relay in front of a TLS receiver that watches what the client sends in clear: every
 * connection must open with a TLS handshake record (0x16), and no syslog record (`<14>`…) may ever
 * cross it unencrypted. Tests put it between a TLS sender and its receiver to prove there is no
 * plaintext fallback when the handshake fails.
 */
import { startTcpTap } from './tap.ts';

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
  let plaintext = 0;
  let sawSyslog = false;
  const tap = await startTcpTap(port, () => {
    let first = true;
    // The tail of the previous chunk, so a header split across chunks is still seen.
    let tail = '';
    return {
      data(chunk) {
        if (first) {
          first = false;
          if (chunk[0] !== HANDSHAKE_RECORD) plaintext += 1;
        }
        const text = tail + chunk.toString('latin1');
        if (SYSLOG_HEADER.test(text)) sawSyslog = true;
        tail = text.slice(-16);
      },
    };
  });
  return {
    port: tap.port,
    get connections() {
      return tap.connections;
    },
    get plaintext() {
      return plaintext;
    },
    get sawSyslog() {
      return sawSyslog;
    },
    close: () => tap.close(),
  };
}
