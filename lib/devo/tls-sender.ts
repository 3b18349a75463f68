import net from 'node:net';
import tls from 'node:tls';
import { AuditpullError } from '../errors/auditpull-error.ts';
import { noopLogger } from '../log.ts';
import { createSocketSender } from './socket-sender.ts';
import type { LineSender, TlsSenderOptions } from './types.ts';

/** Alerts a server sends when it does not accept the client certificate (or got none). */
const CLIENT_CERT_REFUSED = /ALERT_(CERTIFICATE_REQUIRED|HANDSHAKE_FAILURE|BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN|UNSUPPORTED_CERTIFICATE|CERTIFICATE_EXPIRED|ACCESS_DENIED)$/;

/** What the user can do about a TLS failure, by OpenSSL / Node error code. */
function hint(error: NodeJS.ErrnoException, verifyServer: boolean): string {
  const code = error.code ?? '';
  if (CLIENT_CERT_REFUSED.test(code)) {
    return 'The server refused the handshake, most likely the client certificate (missing, or not signed by a CA it trusts): set cert and key to the domain certificate and its key (Devo: Administration → Credentials → X.509 Certificates).';
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return 'The server certificate does not name this host: check the address, or set servername (checkHostname: false skips the name check).';
  }
  // Verification fails on dates before anything else is checked: the chain may well be right.
  if (verifyServer && (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID')) {
    return "The server certificate is outside its validity period: the server must renew it, or this host's clock is wrong. Nothing is sent until it is valid.";
  }
  if (code === 'ECONNRESET') {
    return 'The server reset the connection during or just after the handshake: it may refuse the client certificate (set cert and key), or it restarted; the batch is sent again.';
  }
  if (verifyServer && /CERT|ISSUER|SIGNATURE/.test(code)) {
    return 'The server certificate could not be verified: set chain (ca) to the CA chain that signed it.';
  }
  return 'Check that the port speaks TLS, and the cert, key and chain (Devo: Administration → Credentials → X.509 Certificates).';
}

function secureContext(options: TlsSenderOptions, endpoint: string): tls.SecureContext {
  const { ca, cert, key, pfx, passphrase, minVersion = 'TLSv1.2', maxVersion = 'TLSv1.3' } = options;
  if ((cert === undefined) !== (key === undefined)) {
    throw new TypeError('createTlsSender: cert and key must be given together');
  }
  if (pfx !== undefined && cert !== undefined) throw new TypeError('createTlsSender: give cert and key, or pfx, not both');
  try {
    return tls.createSecureContext({
      minVersion,
      maxVersion,
      ...(ca === undefined ? {} : { ca }),
      ...(cert === undefined ? {} : { cert }),
      ...(key === undefined ? {} : { key }),
      ...(pfx === undefined ? {} : { pfx }),
      ...(passphrase === undefined ? {} : { passphrase }),
    });
  } catch (cause) {
    // The reason names what is wrong (not PEM, key does not match the certificate); never the key itself.
    const error = cause as NodeJS.ErrnoException & { reason?: unknown };
    const reason = typeof error.reason === 'string' ? error.reason : (error.code ?? 'unreadable');
    throw new AuditpullError(401, `TLS certificate, key or chain for ${endpoint} cannot be used: ${reason}. Check that they are PEM (or PKCS#12 with its password) and that the key belongs to the certificate.`, {
      cause,
      detail: { endpoint, ...(error.code === undefined ? {} : { code: error.code }) },
    });
  }
}

/**
 * Resolves once the server kept the connection open for `graceMs` after the handshake (or once it
 * closed it: the caller sees that close as a refusal). TLS 1.3 lets the client finish its handshake
 * before the server has checked the client certificate, and some servers (rsyslog with GnuTLS) finish
 * even TLS 1.2 handshakes without one and then drop the connection, so neither the handshake nor a
 * session ticket proves acceptance; only the connection staying open does.
 */
function accepted(socket: tls.TLSSocket, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const done = (): void => {
      clearTimeout(timer);
      socket.off('secureConnect', onSecure);
      socket.off('close', done);
      resolve();
    };
    const onSecure = (): void => {
      timer = setTimeout(done, graceMs);
    };
    socket.once('secureConnect', onSecure);
    socket.once('close', done);
  });
}

/**
 * A {@link LineSender} over TLS 1.2–1.3, with an optional client certificate (mutual TLS, as Devo's
 * collector endpoints require). Certificates and key are PEM contents.
 * @public
 */
export function createTlsSender(options: TlsSenderOptions): LineSender {
  const {
    host,
    port,
    verifyServer = true,
    checkHostname = true,
    servername,
    acceptGraceMs = 1000,
    logger = noopLogger,
  } = options;
  const endpoint = `tls://${host}:${port}`;
  const context = secureContext(options, endpoint);
  if (!verifyServer) {
    logger.warn(
      'TLS server verification is disabled (verifyServer: false): the connection is encrypted but the server is not authenticated, so anyone in the path can impersonate it and read the events',
      { endpoint },
    );
  }
  const connectOptions: tls.ConnectionOptions = {
    host,
    port,
    secureContext: context,
    rejectUnauthorized: verifyServer,
    // SNI must not be an IP address (RFC 6066); Node then checks the certificate against `host` itself.
    ...(servername !== undefined ? { servername } : net.isIP(host) === 0 ? { servername: host } : {}),
    ...(checkHostname ? {} : { checkServerIdentity: () => undefined }),
  };
  let session: Buffer | undefined;
  let resume = true;
  let resumed = false;
  return createSocketSender(
    {
      endpoint,
      readyEvent: 'secureConnect',
      open: () => {
        // Resuming the last TLS session skips the certificate exchange and its public-key work: with
        // confirmed delivery every batch has a connection of its own, so this halves the cost of each.
        resumed = resume && session !== undefined;
        const socket = tls.connect(resumed ? { ...connectOptions, session } : connectOptions);
        if (resume) socket.on('session', (ticket: Buffer) => (session = ticket));
        return socket;
      },
      resumptionFailed: () => {
        if (!resumed) return false;
        // Some servers fail resumed handshakes (OpenSSL with client verification and no session id
        // context answers "internal error"): from now on every handshake is a full one.
        resume = false;
        session = undefined;
        logger.info('TLS session resumption failed; using full handshakes from now on', { endpoint });
        return true;
      },
      accepted: (socket) => accepted(socket as tls.TLSSocket, acceptGraceMs),
      hint: (error) => hint(error, verifyServer),
    },
    options,
  );
}
