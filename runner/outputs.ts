import { open, readFile, type FileHandle } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { hostname as osHostname } from 'node:os';
import { AuditpullError, createHttpSender, createTcpSender, createTlsSender, encodeDevoLine, toDevoJson, type LineSender } from '../lib/index.ts';
import { configPath, type Config, type OutputConfig } from './config.ts';
import type { RunnerLogger } from './log.ts';

/** Where events go: every output gets every event; `deliver` resolves once all accepted them. */
export interface Outputs {
  readonly names: readonly string[];
  deliver(tag: string, events: readonly object[]): Promise<void>;
  close(): Promise<void>;
}

interface Output {
  readonly name: string;
  /** Deliver events (each already JSON) of one tag; resolves once this output accepted them. */
  deliver(tag: string, json: readonly string[], timestamp: Date): Promise<void>;
  close(): Promise<void>;
}

/** An output that writes Devo syslog lines (`<14>time host tag: json`). */
function lineOutput(name: string, hostname: string, send: (payload: string) => Promise<void>, close: () => Promise<void>): Output {
  return {
    name,
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
  let sender: LineSender;
  if (c.type === 'TCP') {
    sender = createTcpSender({ host: c.address, port: c.port, logger });
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
      logger,
    });
  }
  return lineOutput(name, hostname, (payload) => sender.send(payload), () => sender.close());
}

function devoHttpOutput(name: string, output: Extract<OutputConfig, { type: 'devo_http' }>, logger: RunnerLogger): Output {
  const c = output.config;
  const sender = createHttpSender({ endpoint: c.endpoint, domain: c.domain, token: c.token, hostname: c.hostname ?? osHostname(), gzip: c.gzip, logger });
  return { name, deliver: (tag, json) => sender.send(tag, json), close: async () => {} };
}

/** Build the configured outputs. Certificate files are read here, so a bad path fails before any pull. */
export async function createOutputs(config: Config, logger: RunnerLogger): Promise<Outputs> {
  const outputs: Output[] = [];
  for (const [name, output] of Object.entries(config.outputs)) {
    const log = logger.child(`output:${name}`);
    if (output.type === 'devo_platform') outputs.push(await devoOutput(config, name, output, log));
    else if (output.type === 'devo_http') outputs.push(devoHttpOutput(name, output, log));
    else if (output.type === 'file') outputs.push(fileOutput(name, configPath(config, output.config.path), output.config.hostname ?? osHostname()));
    else outputs.push(consoleOutput(name, output.config.hostname ?? osHostname()));
  }
  return {
    names: outputs.map((o) => o.name),
    async deliver(tag, events) {
      if (events.length === 0) return;
      const timestamp = new Date();
      // Serialise each event once, whatever the number of outputs.
      const json = events.map((event) => toDevoJson(event));
      await Promise.all(outputs.map((output) => output.deliver(tag, json, timestamp)));
    },
    async close() {
      await Promise.all(outputs.map((o) => o.close()));
    },
  };
}
