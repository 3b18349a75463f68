/**
 * The connection logic shared by the TCP and TLS senders: lazy connect, ordered writes with
 * backpressure, reconnect after errors / server EOF / idleness, and the half-close handshake.
 * A {@link Transport} supplies the only part that differs: how a socket is opened.
 */
import type { Socket } from 'node:net';
import { AuditpullError } from '../errors/auditpull-error.ts';
import { noopLogger, type Logger } from '../log.ts';
import { gzipMembers } from './gzip.ts';
import type { ConnectionOptions, LineSender } from './types.ts';

/** How to open one connection. */
export interface Transport {
  /** `tcp://host:port` or `tls://host:port`, for messages and logs. */
  readonly endpoint: string;
  /** The event after which the socket may carry data. */
  readonly readyEvent: 'connect' | 'secureConnect';
  /** Starts connecting. Must not throw for network failures (those arrive as 'error'). */
  open(): Socket;
  /**
   * Called right after `open`; resolves once the server is known to accept the connection (after
   * `readyEvent`). Failures arrive as socket errors, so this only ever resolves.
   */
  accepted?(socket: Socket): Promise<void>;
  /**
   * Called when opening failed during the handshake: true if the transport changed how it connects
   * (a resumed TLS session refused) and one more attempt should be made at once.
   */
  resumptionFailed?(): boolean;
  /** Hint appended to a 401 message for this error. */
  hint?(error: NodeJS.ErrnoException): string;
}

interface Connection {
  readonly socket: Socket;
  readonly openedAt: number;
  lastWriteAt: number;
  /** The first error the socket emitted (for TLS alerts `socket.errored` stays unset). */
  failure?: Error;
  /** A write completed on it: lines were handed to the kernel and (unconfirmed) counted as accepted. */
  wrote?: boolean;
  /** The possible loss of those lines was logged (once per connection). */
  lossWarned?: boolean;
}

const DEFAULTS = {
  connectTimeoutMs: 10_000,
  writeTimeoutMs: 30_000,
  closeTimeoutMs: 5_000,
  maxIdleMs: 30_000,
  maxConnectionAgeMs: 3_600_000,
  confirmTimeoutMs: 30_000,
} as const;

/** Errors raised by OpenSSL or Node's TLS layer; the rest are plain network errors. */
function isTlsError(error: NodeJS.ErrnoException): boolean {
  const code = error.code ?? '';
  return code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || (error as { library?: unknown }).library === 'SSL routines';
}

/** A short reason: OpenSSL's own messages carry file paths and hex error stacks. */
function reasonOf(error: NodeJS.ErrnoException): string {
  const reason = (error as { reason?: unknown }).reason;
  // Node's advice to run with --use-system-ca does not apply: the chain comes from the output config.
  const text = typeof reason === 'string' && reason !== '' ? reason : error.message.replace(/; if the root CA is installed locally.*$/, '');
  return error.code === undefined || text.includes(error.code) ? text : `${error.code} (${text})`;
}

function asErrno(error: unknown): NodeJS.ErrnoException {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Turns a socket failure into the coded error users see. `stage` says how far the connection got:
 * a failure before the TCP connection is a connect error, one between TCP and readiness a handshake error.
 */
function outputError(transport: Transport, stage: 'connect' | 'handshake' | 'write', cause: unknown): AuditpullError {
  const error = asErrno(cause);
  const detail = { endpoint: transport.endpoint, ...(error.code === undefined ? {} : { code: error.code }) };
  const reason = reasonOf(error);
  if (stage === 'handshake' || isTlsError(error)) {
    const hint = transport.hint?.(error) ?? 'Check the cert, key and chain (Devo: Administration → Credentials → X.509 Certificates).';
    return new AuditpullError(401, `TLS handshake with ${transport.endpoint} failed: ${reason}. ${hint}`, { cause, detail });
  }
  if (stage === 'connect') {
    return new AuditpullError(400, `Cannot connect to ${transport.endpoint}: ${reason}. Check the address, port and firewall rules.`, { cause, detail });
  }
  return new AuditpullError(402, `Write to ${transport.endpoint} failed: ${reason}. The lines of this send may not have arrived; send them again.`, { cause, detail });
}

/** How a half-closed connection ended: the server's EOF, silence until the timeout, or an error. */
type Ending = 'eof' | 'timeout' | 'error';

/**
 * Opens one connection and waits until it can carry data, within `timeoutMs`. `waitAccepted` false
 * skips the transport's acceptance wait, once an earlier connection proved the credentials.
 */
function connect(transport: Transport, timeoutMs: number, waitAccepted = true): Promise<Socket> {
  const socket = transport.open();
  const accepted = waitAccepted ? transport.accepted?.(socket) : undefined;
  // Devo never answers on this stream, but reading keeps TLS alerts flowing and shows the server's EOF.
  socket.on('data', () => {});
  return new Promise((resolve, reject) => {
    let tcpConnected = false;
    const onConnect = (): void => {
      tcpConnected = true;
    };
    const fail = (cause: unknown): void => {
      cleanup();
      socket.destroy();
      reject(outputError(transport, tcpConnected ? 'handshake' : 'connect', cause));
    };
    const onClose = (): void => fail(new Error('the server closed the connection during setup'));
    const timer = setTimeout(() => {
      const what = tcpConnected ? 'the TLS handshake did not complete' : 'no connection';
      fail(Object.assign(new Error(`${what} within ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      socket.off('connect', onConnect);
      socket.off('error', fail);
      socket.off('close', onClose);
    };
    socket.once('connect', onConnect);
    socket.on('error', fail);
    socket.once('close', onClose);
    socket.once(transport.readyEvent, () => {
      tcpConnected = true;
      void (accepted ?? Promise.resolve()).then(() => {
        if (socket.destroyed) return; // `fail` already ran
        cleanup();
        resolve(socket);
      });
    });
  });
}

/**
 * Builds a {@link LineSender} over `transport`.
 */
export function createSocketSender(transport: Transport, options: Omit<ConnectionOptions, 'host' | 'port'>): LineSender {
  const settings = {
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
    writeTimeoutMs: options.writeTimeoutMs ?? DEFAULTS.writeTimeoutMs,
    closeTimeoutMs: options.closeTimeoutMs ?? DEFAULTS.closeTimeoutMs,
    maxIdleMs: options.maxIdleMs ?? DEFAULTS.maxIdleMs,
    maxConnectionAgeMs: options.maxConnectionAgeMs ?? DEFAULTS.maxConnectionAgeMs,
    confirmTimeoutMs: options.confirmTimeoutMs ?? DEFAULTS.confirmTimeoutMs,
  };
  const confirmDelivery = options.confirmDelivery ?? false;
  /** A connection of this sender was accepted: the credentials are good, later ones skip the wait. */
  let proven = false;
  const logger: Logger = options.logger ?? noopLogger;
  const { endpoint } = transport;
  let current: Connection | undefined;
  let closing: Promise<void> | undefined;
  /** Sends take turns up to the moment their bytes are queued, so lines keep their order. */
  let turn: Promise<void> = Promise.resolve();
  const ending = new Set<Promise<Ending>>();

  const open = async (): Promise<Connection> => {
    let socket: Socket;
    try {
      socket = await connect(transport, settings.connectTimeoutMs, !proven);
    } catch (error) {
      if (!(error instanceof AuditpullError && error.id === 401 && transport.resumptionFailed?.())) throw error;
      socket = await connect(transport, settings.connectTimeoutMs, !proven);
    }
    proven = true;
    const connection: Connection = { socket, openedAt: Date.now(), lastWriteAt: Date.now() };
    const forget = (): void => {
      if (current === connection) current = undefined;
    };
    // The socket must never be reused after any of these: the next send reconnects.
    socket.on('error', (error) => {
      connection.failure ??= error;
      if (!warnPossibleLoss(connection, error)) logger.debug('output connection failed', { endpoint, reason: reasonOf(error) });
      forget();
    });
    socket.once('end', () => {
      logger.debug('output server closed the connection', { endpoint });
      forget();
    });
    socket.once('close', forget);
    logger.debug('output connected', { endpoint });
    return connection;
  };

  /** Half-closes and resolves with how the server answered: EOF, nothing in time (then cut), or an error. */
  const retire = (connection: Connection, why: string, timeoutMs = settings.closeTimeoutMs): Promise<Ending> => {
    if (current === connection) current = undefined;
    const { socket } = connection;
    logger.debug('output connection closing', { endpoint, why });
    const done = new Promise<Ending>((resolve) => {
      const how = (): Ending => (connection.failure ?? socket.errored ?? !socket.readableEnded ? 'error' : 'eof');
      if (socket.destroyed) return resolve(how());
      const timer = setTimeout(() => {
        socket.destroy();
        resolve('timeout');
      }, timeoutMs);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve(how());
      });
      socket.end();
    });
    ending.add(done);
    void done.then(() => ending.delete(done));
    return done;
  };

  const usable = async (): Promise<Connection> => {
    if (current !== undefined && (current.socket.destroyed || current.socket.writableEnded)) current = undefined;
    if (current !== undefined) {
      const now = Date.now();
      if (settings.maxIdleMs > 0 && now - current.lastWriteAt > settings.maxIdleMs) void retire(current, 'idle');
      else if (settings.maxConnectionAgeMs > 0 && now - current.openedAt > settings.maxConnectionAgeMs) void retire(current, 'age');
      else return current;
    }
    // Sends take turns (see `turn`), so at most one connection is ever being opened.
    current = await open();
    return current;
  };

  const drained = (socket: Socket): Promise<void> =>
    new Promise((resolve, reject) => {
      const settle = (error?: Error): void => {
        socket.off('drain', onDrain);
        socket.off('close', onClose);
        if (error === undefined) resolve();
        else reject(error);
      };
      const onDrain = (): void => settle();
      const onClose = (): void => settle(socket.errored ?? new Error('the connection closed while waiting to write'));
      socket.once('drain', onDrain);
      socket.once('close', onClose);
    });

  /**
   * With `confirmDelivery` off, sends on a connection were accepted once written; when it breaks, bytes still
   * in the socket buffers are gone and no send fails for them, so this warning is the only trace of that
   * loss. Logged once per connection, whether the break shows as a socket error or as a later write failing.
   */
  const warnPossibleLoss = (connection: Connection, error: NodeJS.ErrnoException): boolean => {
    if (confirmDelivery || connection.wrote !== true) return false;
    if (connection.lossWarned !== true) {
      connection.lossWarned = true;
      logger.warn(
        'output connection broke after lines were written to it: the lines of the last sends may not have arrived (confirm_delivery: false accepts a batch once written; true waits for the receiver to confirm it)',
        { endpoint, reason: reasonOf(error) },
      );
    }
    return true;
  };

  /** Queues the bytes; the returned promise settles when the write callback fires. */
  const write = (connection: Connection, payload: string | Buffer): Promise<void> =>
    new Promise((resolve, reject) => {
      const { socket } = connection;
      const timer = setTimeout(() => {
        socket.destroy(Object.assign(new Error(`the write did not complete within ${settings.writeTimeoutMs} ms`), { code: 'ETIMEDOUT' }));
      }, settings.writeTimeoutMs);
      socket.write(payload, (error) => {
        clearTimeout(timer);
        if (error !== undefined && error !== null) {
          if (current === connection) current = undefined;
          // This send fails and is retried; what earlier sends left in the buffers is not.
          warnPossibleLoss(connection, socket.errored ?? error);
          socket.destroy();
          reject(outputError(transport, 'write', socket.errored ?? error));
          return;
        }
        connection.lastWriteAt = Date.now();
        connection.wrote = true;
        resolve();
      });
    });

  /** On the current connection (reconnecting as needed); accepted once the bytes were handed to the socket. */
  const sendWritten = async (payload: string | Buffer): Promise<void> => {
    const previous = turn;
    let release!: () => void;
    turn = new Promise((resolve) => (release = resolve));
    let written: Promise<void>;
    try {
      await previous;
      const connection = await usable();
      if (connection.socket.writableNeedDrain) {
        try {
          await drained(connection.socket);
        } catch (error) {
          throw outputError(transport, 'write', error);
        }
      }
      written = write(connection, payload);
    } finally {
      release();
    }
    await written;
  };

  /**
   * One connection per send, ended by a half-close; accepted once the server answered with its EOF.
   * Sends still take turns until their bytes are queued, so lines keep their order, but each waits for
   * its own confirmation outside the turn: the next send's connection opens meanwhile.
   */
  const sendConfirmed = async (payload: string | Buffer): Promise<void> => {
    const previous = turn;
    let release!: () => void;
    turn = new Promise((resolve) => (release = resolve));
    let written: Promise<void>;
    let connection: Connection;
    try {
      await previous;
      connection = await open();
      written = write(connection, payload);
    } finally {
      release();
    }
    await written;
    // The wait for the server's EOF starts once the bytes left the process, whatever their size.
    const how = await retire(connection, 'confirm', settings.confirmTimeoutMs);
    if (how === 'error') {
      throw outputError(transport, 'write', connection.failure ?? connection.socket.errored ?? new Error('the connection broke before the server confirmed it read everything'));
    }
    if (how === 'timeout') {
      // Silence is not acceptance: a stalled receiver has not read what sits in the socket buffers.
      throw new AuditpullError(
        402,
        `The receiver at ${endpoint} did not confirm the batch (no end of connection within ${settings.confirmTimeoutMs} ms): it is stalled, or does not answer a half-close. The batch is sent again; for a receiver that never answers, set confirm_delivery: false.`,
        { detail: { endpoint } },
      );
    }
  };

  return {
    async send(text) {
      if (closing !== undefined) throw new AuditpullError(402, `Write to ${endpoint} failed: the sender is closed.`, { detail: { endpoint } });
      const payload = options.gzip === undefined ? text : await gzipMembers(text, options.gzip);
      if (confirmDelivery) await sendConfirmed(payload);
      else await sendWritten(payload);
    },

    close() {
      closing ??= (async () => {
        await turn;
        if (current !== undefined) void retire(current, 'close');
        const results = await Promise.all(ending);
        if (results.some((how) => how !== 'eof')) {
          logger.warn('output server did not confirm the end of the connection in time; the last lines may not have arrived', {
            endpoint,
            closeTimeoutMs: settings.closeTimeoutMs,
          });
        }
      })();
      return closing;
    },
  };
}
