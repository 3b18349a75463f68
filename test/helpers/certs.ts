import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const OPENSSL = process.env['OPENSSL'] ?? '/usr/bin/openssl';

/** A throwaway PKI for TLS tests: PEM contents and the file paths they were written to. */
export interface TestPki {
  readonly dir: string;
  /** CA that signed `server*` and `client*`. */
  readonly caCert: string;
  readonly caCertPath: string;
  /** `localhost` + IP 127.0.0.1, signed by the CA. */
  readonly serverCert: string;
  readonly serverCertPath: string;
  readonly serverKey: string;
  readonly serverKeyPath: string;
  /** Client certificate (extendedKeyUsage clientAuth) signed by the CA. */
  readonly clientCert: string;
  readonly clientCertPath: string;
  readonly clientKey: string;
  readonly clientKeyPath: string;
  /** A second, unrelated CA that nobody trusts by default. */
  readonly otherCaCert: string;
  readonly otherCaCertPath: string;
  /** `localhost` + 127.0.0.1 signed by the other CA: valid name, unknown issuer. */
  readonly otherServerCert: string;
  readonly otherServerCertPath: string;
  readonly otherServerKey: string;
  readonly otherServerKeyPath: string;
  /** Client certificate signed by the other CA. */
  readonly otherClientCert: string;
  readonly otherClientCertPath: string;
  readonly otherClientKey: string;
  readonly otherClientKeyPath: string;
  /** `localhost` + 127.0.0.1 signed by the CA, valid only during 2020: expired. */
  readonly expiredServerCert: string;
  readonly expiredServerCertPath: string;
  readonly expiredServerKey: string;
  readonly expiredServerKeyPath: string;
}

const cache = new Map<string, Promise<TestPki>>();

/**
 * Generates (once per process and directory) a CA, a server certificate for localhost/127.0.0.1, a client
 * certificate, and a second CA with its own server and client certificates, using the openssl CLI.
 * EC P-256 keys keep generation well under a second.
 */
export function makeTestPki(dir?: string): Promise<TestPki> {
  const key = dir ?? '';
  let pki = cache.get(key);
  if (pki === undefined) {
    pki = generate(dir);
    cache.set(key, pki);
    // A failed generation must not poison later calls.
    pki.catch(() => cache.delete(key));
  }
  return pki;
}

async function generate(dir: string | undefined): Promise<TestPki> {
  const root = dir ?? (await mkdtemp(join(tmpdir(), 'auditpull-pki-')));
  await mkdir(root, { recursive: true });
  const path = (name: string): string => join(root, name);

  await makeCa(path, 'ca', 'auditpull test CA');
  await makeCa(path, 'other-ca', 'auditpull untrusted CA');
  await Promise.all([
    makeLeaf(path, 'server', 'ca', 'localhost', ['subjectAltName=DNS:localhost,IP:127.0.0.1', 'extendedKeyUsage=serverAuth']),
    makeLeaf(path, 'client', 'ca', 'auditpull-test-client', ['extendedKeyUsage=clientAuth']),
    makeLeaf(path, 'other-server', 'other-ca', 'localhost', ['subjectAltName=DNS:localhost,IP:127.0.0.1', 'extendedKeyUsage=serverAuth']),
    makeLeaf(path, 'other-client', 'other-ca', 'auditpull-other-client', ['extendedKeyUsage=clientAuth']),
    makeLeaf(path, 'expired-server', 'ca', 'localhost', ['subjectAltName=DNS:localhost,IP:127.0.0.1', 'extendedKeyUsage=serverAuth'], { notBefore: '20200101000000Z', notAfter: '20201231235959Z' }),
  ]);

  const pem = (name: string): Promise<string> => readFile(path(name), 'utf8');
  return {
    dir: root,
    caCert: await pem('ca.crt'),
    caCertPath: path('ca.crt'),
    serverCert: await pem('server.crt'),
    serverCertPath: path('server.crt'),
    serverKey: await pem('server.key'),
    serverKeyPath: path('server.key'),
    clientCert: await pem('client.crt'),
    clientCertPath: path('client.crt'),
    clientKey: await pem('client.key'),
    clientKeyPath: path('client.key'),
    otherCaCert: await pem('other-ca.crt'),
    otherCaCertPath: path('other-ca.crt'),
    otherServerCert: await pem('other-server.crt'),
    otherServerCertPath: path('other-server.crt'),
    otherServerKey: await pem('other-server.key'),
    otherServerKeyPath: path('other-server.key'),
    otherClientCert: await pem('other-client.crt'),
    otherClientCertPath: path('other-client.crt'),
    otherClientKey: await pem('other-client.key'),
    otherClientKeyPath: path('other-client.key'),
    expiredServerCert: await pem('expired-server.crt'),
    expiredServerCertPath: path('expired-server.crt'),
    expiredServerKey: await pem('expired-server.key'),
    expiredServerKeyPath: path('expired-server.key'),
  };
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function makeCa(path: (name: string) => string, name: string, commonName: string): Promise<void> {
  await openssl([
    'req', '-x509', ...EC_KEY, '-keyout', path(`${name}.key`), '-out', path(`${name}.crt`),
    '-subj', `/CN=${commonName}`, '-days', '3',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
}

/** A validity period in the past or future (ASN.1 GeneralizedTime, `YYYYMMDDHHMMSSZ`). */
interface Validity {
  readonly notBefore: string;
  readonly notAfter: string;
}

async function makeLeaf(
  path: (name: string) => string,
  name: string,
  ca: string,
  commonName: string,
  extensions: readonly string[],
  validity?: Validity,
): Promise<void> {
  await writeFile(path(`${name}.ext`), ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature', ...extensions, ''].join('\n'));
  await openssl(['req', '-new', ...EC_KEY, '-keyout', path(`${name}.key`), '-out', path(`${name}.csr`), '-subj', `/CN=${commonName}`]);
  if (validity !== undefined) return signWithDates(path, name, ca, validity);
  await openssl([
    'x509', '-req', '-in', path(`${name}.csr`), '-CA', path(`${ca}.crt`), '-CAkey', path(`${ca}.key`),
    '-set_serial', String(Date.now() * 1000 + Math.floor(Math.random() * 1000)), '-days', '2',
    '-extfile', path(`${name}.ext`), '-out', path(`${name}.crt`),
  ]);
}

/**
 * Signs with explicit dates. `x509 -days` cannot go negative and `-not_before/-not_after` need
 * OpenSSL 3.4, so this uses `openssl ca -startdate -enddate` with a minimal throwaway CA database.
 */
async function signWithDates(path: (name: string) => string, name: string, ca: string, validity: Validity): Promise<void> {
  const db = path(`${name}-ca-db`);
  await mkdir(db, { recursive: true });
  await writeFile(join(db, 'index.txt'), '');
  await writeFile(join(db, 'serial'), `${(Date.now() % 0xffffffff).toString(16).padStart(8, '0')}\n`);
  await writeFile(
    join(db, 'ca.cnf'),
    ['[ca]', 'default_ca = dated', '[dated]', `dir = ${db}`, 'database = $dir/index.txt', 'new_certs_dir = $dir', 'serial = $dir/serial',
      'default_md = sha256', 'policy = anything', 'unique_subject = no', '[anything]', 'commonName = supplied', ''].join('\n'),
  );
  await openssl([
    'ca', '-batch', '-notext', '-config', join(db, 'ca.cnf'), '-cert', path(`${ca}.crt`), '-keyfile', path(`${ca}.key`),
    '-in', path(`${name}.csr`), '-startdate', validity.notBefore, '-enddate', validity.notAfter,
    '-extfile', path(`${name}.ext`), '-out', path(`${name}.crt`),
  ]);
}

async function openssl(args: readonly string[]): Promise<void> {
  try {
    await run(OPENSSL, args, { timeout: 30_000 });
  } catch (error) {
    const stderr = (error as { stderr?: unknown }).stderr;
    throw new Error(`openssl ${args[0] ?? ''} failed: ${typeof stderr === 'string' ? stderr.trim() : String(error)}`, { cause: error });
  }
}
