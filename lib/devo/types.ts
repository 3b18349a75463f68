import type { Logger } from '../log.ts';

/**
 * A stream-oriented output for encoded Devo lines.
 * @public
 */
export interface LineSender {
  /**
   * Writes `payload` (one or more whole lines). Resolves once all of it was handed to the socket;
   * rejects with an `AuditpullError` (400 connect, 401 TLS, 402 write) otherwise, in which case any part
   * of it may or may not have arrived: resend it (delivery is at-least-once). Connects lazily, and
   * reconnects on the next call after an error or after the server closed the connection.
   */
  send(payload: string): Promise<void>;
  /**
   * Waits for sends in flight, half-closes the connection and waits for the server's EOF so nothing
   * written is cut off. Later `send` calls reject.
   */
  close(): Promise<void>;
}

/**
 * Options shared by the TCP and TLS senders.
 * @public
 */
export interface ConnectionOptions {
  readonly host: string;
  readonly port: number;
  /** Give up connecting (and, for TLS, handshaking) after this long. Default 10 000. */
  readonly connectTimeoutMs?: number;
  /** Fail a send whose bytes were not all handed to the kernel within this long. Default 30 000. */
  readonly writeTimeoutMs?: number;
  /** How long `close()` waits for the server's EOF before it destroys the socket. Default 5000. */
  readonly closeTimeoutMs?: number;
  /**
   * Reconnect before a send when the connection has been idle this long, because load balancers drop
   * idle connections silently and bytes written to such a connection are lost. Default 30 000 (the
   * Devo SDK's inactivity timeout); 0 disables.
   */
  readonly maxIdleMs?: number;
  /** Reconnect before a send when the connection is older than this. Default 3 600 000 (1 h); 0 disables. */
  readonly maxConnectionAgeMs?: number;
  /**
   * Count a send accepted only once the server has read all of it. Syslog over TCP has no
   * acknowledgement, so each send gets its own connection, ended with a half-close: the server's own
   * EOF (devo-sdk's closing handshake) proves it read every byte before the end, whereas a write the
   * kernel took may still be lost if the server or a balancer drops the connection. Costs one
   * connection per send (TLS sessions are resumed). A server that does not answer within
   * `confirmTimeoutMs` (stalled, or one that never answers a half-close) fails the send with 402, so
   * it is sent again: silence never counts as acceptance. Default false: accepted once written.
   */
  readonly confirmDelivery?: boolean;
  /** How long a confirmed send waits for the server's EOF. Default 30 000. */
  readonly confirmTimeoutMs?: number;
  /** Send gzip members instead of plain lines (as devo-sdk's zip mode does). Default: off. */
  readonly gzip?: GzipOptions;
  readonly logger?: Logger;
}

/**
 * devo-sdk's zip mode: lines are packed into gzip members of at most `bufferBytes` uncompressed bytes
 * each (a longer line gets a member of its own), written back to back on the same stream. Every send
 * ends with a flush: a line counts as accepted only once its member was written, so no line ever
 * waits in a buffer for a timer (devo-sdk counts buffered lines as sent and flushes them later).
 * @public
 */
export interface GzipOptions {
  /** zlib level 0–9. Default 6 (devo-sdk's default). */
  readonly level?: number;
  /** Uncompressed bytes per member. Default 51 200 (the Devo collectors' `devo_sender_compression_buffer_in_bytes`). */
  readonly bufferBytes?: number;
}

/**
 * Options of {@link createTcpSender}: plain TCP, for an in-house relay.
 * @public
 */
export type TcpSenderOptions = ConnectionOptions;

/**
 * Options of {@link createTlsSender}. Certificates and key are PEM contents, not paths.
 * @public
 */
export interface TlsSenderOptions extends ConnectionOptions {
  /** CA chain that signs the server certificate; without it the system CAs are used. */
  readonly ca?: string | Buffer;
  /** Client certificate (Devo: the domain's X.509 certificate). Needs `key`. */
  readonly cert?: string | Buffer;
  /** Private key of `cert`. Never logged. */
  readonly key?: string | Buffer;
  /** Client certificate and key as PKCS#12 (DER), instead of `cert` and `key`. */
  readonly pfx?: Buffer;
  /** Password of `pfx`. Never logged. */
  readonly passphrase?: string;
  /** Verify the server certificate chain. Default true; false logs a warning. */
  readonly verifyServer?: boolean;
  /** Check that the server certificate names `servername` (or `host`). Default true. */
  readonly checkHostname?: boolean;
  /** SNI and expected certificate name. Default `host` unless it is an IP address. */
  readonly servername?: string;
  /** Default 'TLSv1.2'. */
  readonly minVersion?: 'TLSv1.2' | 'TLSv1.3';
  /** Default 'TLSv1.3'. */
  readonly maxVersion?: 'TLSv1.2' | 'TLSv1.3';
  /**
   * A server may refuse the client certificate only after the handshake completed (TLS 1.3 always
   * allows this; rsyslog with GnuTLS does it with TLS 1.2 too), by closing the connection. Lines
   * written before that are lost although the write succeeded, so the sender's first connection
   * carries nothing until it has stayed open this long; once one has, the credentials are proven and
   * later connections are used at once. Default 1000.
   */
  readonly acceptGraceMs?: number;
}
