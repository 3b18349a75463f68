import { open, readFile, type FileHandle } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { hostname as osHostname } from 'node:os';
import { AuditpullError, encodeDevoLine, toDevoJson, createTcpSender, createTlsSender, type LineSender } from '../lib/index.ts';
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
  readonly hostname: string;
  send(payload: string): Promise<void>;
  close(): Promise<void>;
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
  return {
    name,
    hostname,
    async send(payload) {
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
    async close() {
      const h = handle;
      handle = undefined;
      if (h) await (await h).close().catch(() => {});
    },
  };
}

function consoleOutput(name: string, hostname: string): Output {
  return {
    name,
    hostname,
    send: (payload) =>
      new Promise((resolve, reject) => {
        process.stdout.write(payload, (error) => (error ? reject(new AuditpullError(402, `Output ${name}: stdout write failed: ${error.message}`)) : resolve()));
      }),
    close: async () => {},
  };
}

async function devoOutput(config: Config, name: string, output: Extract<OutputConfig, { type: 'devo_platform' }>, logger: RunnerLogger): Promise<Output> {
  const c = output.config;
  const hostname = c.hostname ?? osHostname();
  let sender: LineSender;
  if (c.type === 'TCP') {
    sender = createTcpSender({ host: c.address, port: c.port, logger });
  } else {
    const [ca, cert, key] = await Promise.all([readPem(config, c.chain, 'chain'), readPem(config, c.cert, 'cert'), readPem(config, c.key, 'key')]);
    sender = createTlsSender({
      host: c.address,
      port: c.port,
      ...(ca ? { ca } : {}),
      ...(cert ? { cert } : {}),
      ...(key ? { key } : {}),
      verifyServer: c.verify_server,
      checkHostname: c.check_hostname,
      logger,
    });
  }
  return { name, hostname, send: (payload) => sender.send(payload), close: () => sender.close() };
}

/** Build the configured outputs. Certificate files are read here, so a bad path fails before any pull. */
export async function createOutputs(config: Config, logger: RunnerLogger): Promise<Outputs> {
  const outputs: Output[] = [];
  for (const [name, output] of Object.entries(config.outputs)) {
    const log = logger.child(`output:${name}`);
    if (output.type === 'devo_platform') outputs.push(await devoOutput(config, name, output, log));
    else if (output.type === 'file') outputs.push(fileOutput(name, configPath(config, output.config.path), output.config.hostname ?? osHostname()));
    else outputs.push(consoleOutput(name, output.config.hostname ?? osHostname()));
  }
  return {
    names: outputs.map((o) => o.name),
    async deliver(tag, events) {
      if (events.length === 0) return;
      const timestamp = new Date();
      // Serialise each event once; outputs differ only by the hostname in the header.
      const json = events.map((event) => toDevoJson(event));
      const byHost = new Map<string, string>();
      for (const output of outputs) {
        if (!byHost.has(output.hostname)) {
          byHost.set(output.hostname, json.map((j) => encodeDevoLine(tag, j, { hostname: output.hostname, timestamp })).join(''));
        }
      }
      await Promise.all(outputs.map((output) => output.send(byHost.get(output.hostname) ?? '')));
    },
    async close() {
      await Promise.all(outputs.map((o) => o.close()));
    },
  };
}
