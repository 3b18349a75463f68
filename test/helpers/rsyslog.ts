import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, fstatSync, openSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './servers.ts';

// A real rsyslog receiver on loopback (Debian's rsyslog + rsyslog-openssl, installed by `.ci/run`), so the
// Devo output is tested against the syslog server Devo relays are built on rather than against our own
// idea of syslog framing and TLS. Every received record is written as one JSON object per line.

export interface RsyslogRecord {
  /** The record exactly as received (rsyslog's %rawmsg%), without framing or the trailing LF. */
  raw: string;
  /** rsyslog's parsed tag without the trailing ':' (the full tag, not only the program name). */
  tag: string;
  hostname: string;
  /** rsyslog's %msg%, without the single space RFC 3164 puts after the tag. */
  msg: string;
}

export interface Rsyslog {
  readonly port: number;
  readonly dir: string;
  /** Everything written so far, parsed from the output file. */
  records(): Promise<RsyslogRecord[]>;
  /** Resolves with all records once there are at least `n`; rejects with rsyslogd's log on timeout. */
  waitForRecords(n: number, timeoutMs?: number): Promise<RsyslogRecord[]>;
  /** SIGTERM and wait for exit (rsyslog processes what it read); the port is kept for start(). */
  stop(): Promise<void>;
  /** (Re)starts on the same port with the same config; resolves once it listens. */
  start(): Promise<void>;
  /** SIGKILL: nothing is flushed, as in a crash. */
  kill(): Promise<void>;
  /** stop() and remove the temporary folder. */
  close(): Promise<void>;
}

export interface RsyslogOptions {
  tls?: { caFile: string; certFile: string; keyFile: string; requireClientCert: boolean };
  port?: number;
}

/**
 * rsyslog's OpenSSL driver (rsyslog-openssl) rather than GnuTLS: it refuses a bad client certificate with a
 * TLS alert ("certificate required", "unknown ca") that the sender can report, and in TLS 1.3 it sends its
 * session tickets only after accepting the client certificate. The gtls driver completes the handshake
 * whatever the client sent and then just resets the connection.
 */
const DRIVER = 'ossl';
/** Large enough for the ~1 MB events the collector may send, with room for the syslog header. */
const MAX_MESSAGE = 4 * 1024 * 1024;
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 20_000;

function rsyslogd(): string | undefined {
  // A normal user's PATH often lacks /usr/sbin, so look there explicitly.
  const dirs = [...(process.env['PATH'] ?? '').split(':').filter(Boolean), '/usr/sbin', '/sbin'];
  return dirs.map((dir) => join(dir, 'rsyslogd')).find((path) => existsSync(path));
}

function driverInstalled(): boolean {
  // Modules live in /usr/lib/<multiarch>/rsyslog on Debian, /usr/lib{,64}/rsyslog elsewhere.
  const roots = ['/usr/lib', '/usr/lib64'].filter((root) => existsSync(root));
  const dirs = roots.flatMap((root) => [join(root, 'rsyslog'), ...readdirSync(root).map((entry) => join(root, entry, 'rsyslog'))]);
  return dirs.some((dir) => existsSync(join(dir, `lmnsd_${DRIVER}.so`)));
}

/** rsyslogd and its TLS driver module are installed. */
export function rsyslogAvailable(): boolean {
  return rsyslogd() !== undefined && driverInstalled();
}


/** rsyslog's config-language string literal: backslash and double quote are the only escapes needed. */
function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function config(dir: string, port: number, tls: RsyslogOptions['tls']): string {
  const tlsParams = tls
    ? [
        `streamDriver.name="${DRIVER}"`,
        'streamDriver.mode="1"',
        `streamDriver.authMode="${tls.requireClientCert ? 'x509/certvalid' : 'anon'}"`,
        `streamDriver.CAFile=${quote(tls.caFile)}`,
        `streamDriver.CertFile=${quote(tls.certFile)}`,
        `streamDriver.KeyFile=${quote(tls.keyFile)}`,
      ]
    : [];
  return `# Written by test/helpers/rsyslog.ts; run as rsyslogd -n -f <this file>, nothing from /etc.
# maxMessageSize must come before the inputs; control characters are kept as received so that %rawmsg%
# is byte-identical (the JSON template escapes them on output). No DNS: fromhost is not used.
global(
  workDirectory=${quote(dir)}
  maxMessageSize="${MAX_MESSAGE}"
  parser.escapeControlCharactersOnReceive="off"
  parser.escape8BitCharactersOnReceive="off"
  net.enableDNS="off"
)
# Give the main queue time to hand everything read to the file on SIGTERM instead of discarding it.
main_queue(queue.timeoutShutdown="10000" queue.timeoutActionCompletion="10000")
# maxFrameSize bounds octet-counted frames (default 200000), which a sender may use for large events.
module(load="imtcp" maxSessions="200" maxFrameSize="${MAX_MESSAGE}")
# The stock RFC 3164 parser keeps the space after "tag:" in %msg%; this one drops it.
parser(name="auditpull.rfc3164" type="pmrfc3164" remove.msgFirstSpace="on")
template(name="auditpull.record" type="list" option.jsonf="on") {
  property(outname="raw" name="rawmsg" format="jsonf")
  property(outname="tag" name="syslogtag" format="jsonf")
  property(outname="hostname" name="hostname" format="jsonf")
  property(outname="msg" name="msg" format="jsonf")
}
# Only the TCP input reaches the records file; rsyslogd's own messages go to stderr.
ruleset(name="auditpull.in" parser=["rsyslog.rfc5424", "auditpull.rfc3164"]) {
  action(type="omfile" file=${quote(join(dir, 'records.jsonl'))} template="auditpull.record"
         flushOnTXEnd="on" asyncWriting="off")
}
input(type="imtcp" address="127.0.0.1" port="${port}" ruleset="auditpull.in"
      ${tlsParams.join('\n      ')})
`;
}

/** Inodes of IPv4 sockets listening on 127.0.0.1:port, from /proc/net/tcp. */
function listeningInodes(port: number): Set<string> {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const inodes = new Set<string>();
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    // local_address, st (0A = LISTEN), inode
    if (fields[1] === local && fields[3] === '0A' && fields[9] !== undefined) inodes.add(fields[9]);
  }
  return inodes;
}

/**
 * Whether this very process listens on the port. A connect probe would also succeed against whatever else
 * holds the port (rsyslog only logs a failed bind and keeps running), and on a TLS port it logs a failed
 * handshake; checking socket ownership has neither problem.
 */
function listensOn(pid: number, port: number): boolean {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return false;
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  return fds.some((fd) => {
    try {
      return inodes.has(/^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1] ?? '');
    } catch {
      return false; // closed meanwhile
    }
  });
}

class BindError extends Error {}

// rsyslogd outlives a test worker that exits without close() (a failed hook, an aborted run) and would hold
// its port; kill whatever is still running when the worker exits.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitForExit(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (exited(child)) return resolve();
    child.once('exit', () => resolve());
  });
}

/** Starts rsyslogd on loopback, on `options.port` or a free port, plain TCP or TLS. */
export async function startRsyslog(options: RsyslogOptions = {}): Promise<Rsyslog> {
  const binary = rsyslogd();
  if (binary === undefined) throw new Error('rsyslogd is not installed (apt-get install rsyslog rsyslog-openssl, or run .ci/run)');
  if (options.tls && !driverInstalled()) throw new Error(`the rsyslog ${DRIVER} driver is not installed (apt-get install rsyslog-openssl)`);

  const dir = await mkdtemp(join(tmpdir(), 'auditpull-rsyslog-'));
  const confPath = join(dir, 'rsyslog.conf');
  const recordsPath = join(dir, 'records.jsonl');
  const stderrPath = join(dir, 'rsyslogd.stderr.log');
  let port = options.port ?? 0;
  let child: ChildProcess | undefined;

  const log = (): string => {
    try {
      return readFileSync(stderrPath, 'utf8').trim() || '(rsyslogd wrote nothing to stderr)';
    } catch {
      return '(no rsyslogd log)';
    }
  };

  const launch = async (): Promise<void> => {
    if (child && !exited(child)) throw new Error('rsyslogd is already running');
    await writeFile(confPath, config(dir, port, options.tls));
    // Appending keeps the log of earlier runs, which is what explains a failed restart; this run's lines
    // start at `offset`.
    const stderr = openSync(stderrPath, 'a');
    const offset = fstatSync(stderr).size;
    let proc: ChildProcess;
    try {
      proc = spawn(binary, ['-n', '-f', confPath, '-i', join(dir, 'rsyslogd.pid')], { stdio: ['ignore', 'ignore', stderr] });
    } finally {
      closeSync(stderr);
    }
    child = proc;
    running.add(proc);
    proc.once('exit', () => running.delete(proc));
    let failure: Error | undefined;
    proc.once('error', (error) => (failure = error));
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (failure) throw new Error(`cannot run ${binary}: ${failure.message}`);
      if (proc.pid !== undefined && listensOn(proc.pid, port)) return;
      const output = readFileSync(stderrPath).subarray(offset).toString('utf8');
      // rsyslogd keeps running without the listener (e.g. port taken, unreadable certificate), so watch its log.
      if (/could not create tcp listener/i.test(output)) {
        await stopChild(proc, 'SIGKILL');
        const message = `rsyslogd could not listen on 127.0.0.1:${port}:\n${log()}`;
        throw /Address already in use/i.test(output) ? new BindError(message) : new Error(message);
      }
      if (exited(proc)) throw new Error(`rsyslogd exited (${proc.exitCode ?? proc.signalCode}) while starting:\n${log()}`);
      if (Date.now() > deadline) {
        await stopChild(proc, 'SIGKILL');
        throw new Error(`rsyslogd did not listen on 127.0.0.1:${port} within ${START_TIMEOUT_MS} ms:\n${log()}`);
      }
      await sleep(50);
    }
  };

  const stopChild = async (proc: ChildProcess, signal: NodeJS.Signals): Promise<void> => {
    if (exited(proc)) return;
    const exit = waitForExit(proc);
    proc.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      exit.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), STOP_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      proc.kill('SIGKILL');
      await exit;
      throw new Error(`rsyslogd did not exit within ${STOP_TIMEOUT_MS} ms of ${signal}:\n${log()}`);
    }
  };

  // With a chosen port a collision is the caller's problem; with a free port another process may take it
  // between our probe and rsyslog's bind, so try a few others.
  for (let attempt = 1; ; attempt++) {
    if (options.port === undefined) port = await freePort();
    try {
      await launch();
      break;
    } catch (error) {
      if (!(error instanceof BindError) || options.port !== undefined || attempt >= 5) {
        await rm(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }

  const records = async (): Promise<RsyslogRecord[]> => {
    let text: string;
    try {
      text = await readFile(recordsPath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    // omfile writes a large record in several chunks, so a last line without its LF is still being written.
    const lines = text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter(Boolean);
    return lines.map((line, index) => {
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line) as Record<string, unknown>;
      } catch (error) {
        throw new Error(`${recordsPath} line ${index + 1} is not JSON: ${line.slice(0, 200)}`, { cause: error });
      }
      const field = (name: string): string => {
        const value = parsed[name];
        if (typeof value !== 'string') throw new Error(`${recordsPath} line ${index + 1} has no string "${name}"`);
        return value;
      };
      return { raw: field('raw'), tag: field('tag').replace(/:$/, ''), hostname: field('hostname'), msg: field('msg') };
    });
  };

  return {
    get port() {
      return port;
    },
    dir,
    records,
    async waitForRecords(n, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = await records();
        if (found.length >= n) return found;
        if (Date.now() > deadline) {
          throw new Error(`rsyslog received ${found.length} of ${n} records within ${timeoutMs} ms; rsyslogd log:\n${log()}`);
        }
        await sleep(50);
      }
    },
    async stop() {
      if (child) await stopChild(child, 'SIGTERM');
    },
    start: launch,
    async kill() {
      if (child) await stopChild(child, 'SIGKILL');
    },
    async close() {
      try {
        if (child) await stopChild(child, 'SIGTERM');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
