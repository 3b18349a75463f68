import { open, readFile, type FileHandle } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { hostname as osHostname } from 'node:os';
import { AuditpullError, createHttpSender, createTcpSender, createTlsSender, encodeDevoLine, type LineSender } from '../lib/index.ts';
import { configPath, type Config, type OutputConfig } from './config.ts';
import type { RunnerLogger } from './log.ts';
import { composeOutputs, type DeliveryOptions, type Outputs } from './delivery.ts';

export type { Outputs } from './delivery.ts';

export interface Output {
  readonly name: string;
  /** Devo outputs also carry the collector's internal log lines when `globals.internal_logs` asks. */
  readonly devo: boolean;
  /** Bytes of events waiting for this output above which pulling pauses. */
  readonly queueMaxBytes: number;
  /** Deliver events (each already JSON) of one tag; resolves once this output accepted them. */
  deliver(tag: string, json: readonly string[], timestamp: Date): Promise<void>;
  close(): Promise<void>;
}

const MiB = 1024 * 1024;
/** Console and file outputs never stall for long; their bound only keeps a burst in check. */
const LOCAL_QUEUE_BYTES = 64 * MiB;

/** An output that writes Devo syslog lines (`<14>time host tag: json`). */
function lineOutput(
  name: string,
  hostname: string,
  send: (payload: string) => Promise<void>,
  close: () => Promise<void>,
  extra: { devo: boolean; queueMaxBytes: number } = { devo: false, queueMaxBytes: LOCAL_QUEUE_BYTES },
): Output {
  return {
    name,
    ...extra,
    deliver: (tag, json, timestamp) => send(json.map((j) => encodeDevoLine(tag, j, { hostname, timestamp })).join('')),
    close,
  };
}

async function readPem(config: Config, path: string | undefined, what: string): Promise<Buffer | undefined> {
  if (path === undefined) return undefined;
  try {
    return await readFile(configPath(config, path));
  } catch (error) {
    throw new AuditpullError(404, `Output ${what} file ${path} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

function fileOutput(name: string, path: string, hostname: string): Output {
  let handle: Promise<FileHandle> | undefined;
  const fail = (error: unknown) =>
    new AuditpullError(403, `Output ${name}: file ${path} cannot be written: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
  return lineOutput(
    name,
    hostname,
    async (payload) => {
      try {
        handle ??= (async () => {
          mkdirSync(dirname(path), { recursive: true });
          return open(path, 'a');
        })();
        await (await handle).appendFile(payload);
      } catch (error) {
        handle = undefined;
        throw fail(error);
      }
    },
    async () => {
      const h = handle;
      handle = undefined;
      if (h) await (await h).close().catch(() => {});
    },
  );
}

function consoleOutput(name: string, hostname: string): Output {
  return lineOutput(
    name,
    hostname,
    (payload) =>
      new Promise((resolve, reject) => {
        process.stdout.write(payload, (error) => (error ? reject(new AuditpullError(402, `Output ${name}: stdout write failed: ${error.message}`)) : resolve()));
      }),
    async () => {},
  );
}

async function devoOutput(config: Config, name: string, output: Extract<OutputConfig, { type: 'devo_platform' }>, logger: RunnerLogger): Promise<Output> {
  const c = output.config;
  const hostname = c.hostname ?? osHostname();
  const connection = {
    confirmDelivery: c.confirm_delivery,
    maxConnectionAgeMs: c.max_connection_age_seconds * 1000,
    maxIdleMs: c.inactivity_timeout_seconds * 1000,
    ...(c.gzip ? { gzip: { level: c.compression_level, bufferBytes: c.compression_buffer_in_bytes } } : {}),
    logger,
  };
  let sender: LineSender;
  if (c.type === 'TCP') {
    sender = createTcpSender({ host: c.address, port: c.port, ...connection });
  } else {
    const [ca, cert, key, pfx] = await Promise.all([
      readPem(config, c.chain, 'chain'),
      readPem(config, c.cert, 'cert'),
      readPem(config, c.key, 'key'),
      readPem(config, c.pkcs?.path, 'pkcs'),
    ]);
    sender = createTlsSender({
      host: c.address,
      port: c.port,
      ...(ca ? { ca } : {}),
      ...(cert ? { cert } : {}),
      ...(key ? { key } : {}),
      ...(pfx ? { pfx } : {}),
      ...(c.pkcs?.password === undefined ? {} : { passphrase: c.pkcs.password }),
      verifyServer: c.verify_server,
      checkHostname: c.check_hostname,
      ...connection,
    });
  }
  return lineOutput(name, hostname, (payload) => sender.send(payload), () => sender.close(), { devo: true, queueMaxBytes: c.queue_max_size_in_mb * MiB });
}

function devoHttpOutput(name: string, output: Extract<OutputConfig, { type: 'devo_http' }>, logger: RunnerLogger): Output {
  const c = output.config;
  const sender = createHttpSender({ endpoint: c.endpoint, domain: c.domain, token: c.token, hostname: c.hostname ?? osHostname(), gzip: c.gzip, logger });
  return { name, devo: true, queueMaxBytes: c.queue_max_size_in_mb * MiB, deliver: (tag, json) => sender.send(tag, json), close: async () => {} };
}

/** Build the configured outputs. Certificate files are read here, so a bad path fails before any pull. */
export async function createOutputs(config: Config, logger: RunnerLogger, options: DeliveryOptions = {}): Promise<Outputs> {
  const outputs: Output[] = [];
  for (const [name, output] of Object.entries(config.outputs)) {
    const log = logger.child(`output:${name}`);
    if (output.type === 'devo_platform') outputs.push(await devoOutput(config, name, output, log));
    else if (output.type === 'devo_http') outputs.push(devoHttpOutput(name, output, log));
    else if (output.type === 'file') outputs.push(fileOutput(name, configPath(config, output.config.path), output.config.hostname ?? osHostname()));
    else outputs.push(consoleOutput(name, output.config.hostname ?? osHostname()));
  }
  return composeOutputs(outputs, logger, {
    statsPeriodSeconds: config.globals.sender_stats_period_in_sec,
    internalLogs: config.globals.internal_logs,
    ...options,
  });
}
