import { Command, CommanderError, Option } from 'commander';
import { AuditpullError, isAuditpullError, VERSION } from '../lib/index.ts';
import { runCollector } from './collector.ts';
import { checkCommand } from './check-command.ts';
import { loadConfig, type Config } from './config.ts';
import { createRunnerLogger, type LogLevel, type LogRecord, type RunnerLogger } from './log.ts';
import { stateCommand } from './state-command.ts';

/** Exit codes: 0 success, 1 a service failed (setup, pull, output, state), 2 bad config or usage, 130 forced stop. */
export const EXIT = { ok: 0, failed: 1, config: 2, forced: 130 } as const;

function exitCodeFor(errors: readonly AuditpullError[]): number {
  if (errors.length === 0) return EXIT.ok;
  return errors.some((e) => e.family === 'ConfigError' || e.family === 'InitVariablesError') ? EXIT.config : EXIT.failed;
}

/** Abort on SIGTERM/SIGINT; a second signal exits at once (nothing is checkpointed past what was accepted). */
function stopSignal(logger: ReturnType<typeof createRunnerLogger>): AbortSignal {
  const controller = new AbortController();
  const onSignal = (name: string) => {
    if (controller.signal.aborted) {
      logger.warn(`${name} again: exiting now`);
      process.exit(EXIT.forced);
    }
    logger.info(`${name} received: stopping pulls, flushing outputs and saving state`);
    controller.abort(new Error(`${name} received`));
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  return controller.signal;
}

/** Load the config and run `body`; a thrown error is printed coded and mapped to an exit code. */
async function withConfig(
  options: { config: string; logLevel?: LogLevel | undefined },
  body: (config: Config, logger: RunnerLogger, logSink: { forward?: (record: LogRecord) => void }) => Promise<number>,
): Promise<number> {
  let logger = createRunnerLogger({ level: options.logLevel ?? 'info' });
  try {
    const config = loadConfig(options.config);
    const logSink: { forward?: (record: LogRecord) => void } = {};
    logger = createRunnerLogger({ level: options.logLevel ?? config.globals.log.level, format: config.globals.log.format, onRecord: (record) => logSink.forward?.(record) });
    for (const warning of config.warnings) logger.warn(warning);
    // Node honours this for every HTTPS call it makes (Lark, Alibaba, the Devo HTTP output) and says so only
    // once, as a process warning that --no-warnings hides: say it in the collector's own log, every start.
    if (process.env['NODE_TLS_REJECT_UNAUTHORIZED'] === '0') {
      logger.warn(
        'NODE_TLS_REJECT_UNAUTHORIZED=0 is set: certificates of the Lark and Alibaba APIs and of the Devo HTTP output are not verified, so anyone in the path can read credentials and events. Unset it; to trust a private CA, set NODE_EXTRA_CA_CERTS or the output chain instead.',
      );
    }
    return await body(config, logger, logSink);
  } catch (error) {
    const coded = isAuditpullError(error) ? error : new AuditpullError(301, `Unexpected error: ${(error as Error).message}`, { cause: error });
    logger.error(coded.toString());
    return exitCodeFor([coded]);
  }
}

function run(options: { config: string; once?: boolean; logLevel?: LogLevel }): Promise<number> {
  return withConfig(options, async (config, logger, logSink) => {
    const signal = stopSignal(logger);
    const code = exitCodeFor(await runCollector({ config, logger, once: options.once === true, signal, logSink }));
    // Stopped by a signal: connections abandoned unconfirmed must not keep the process alive.
    if (signal.aborted) process.exit(code);
    return code;
  });
}

export function buildProgram(): Command {
  const program = new Command('auditpull')
    .description('Collect Lark and Alibaba Cloud audit logs into Devo, exactly once.')
    .version(VERSION)
    .showHelpAfterError();
  const logLevel = new Option('--log-level <level>', 'collector log level (default: globals.log.level, info)').choices(['debug', 'info', 'warn', 'error']);

  program
    .command('run')
    .description('collect until SIGTERM/SIGINT (or one cycle per service with --once)')
    .requiredOption('-c, --config <file>', 'YAML config file')
    .option('--once', 'run one pull cycle per enabled service, catching up to the window end, then exit')
    .addOption(logLevel)
    .action(async (opts: { config: string; once?: boolean; logLevel?: LogLevel }) => {
      process.exitCode = await run(opts);
    });

  program
    .command('check')
    .description('validate the config, open the state store, and authenticate each enabled service against its source')
    .requiredOption('-c, --config <file>', 'YAML config file')
    .addOption(logLevel)
    .action(async (opts: { config: string; logLevel?: LogLevel }) => {
      process.exitCode = await withConfig(opts, (config, logger) => checkCommand(config, logger));
    });

  const state = program.command('state').description('inspect or reset the stored checkpoints');
  for (const action of ['show', 'reset'] as const) {
    state
      .command(action)
      .description(action === 'show' ? 'print the checkpoint of each configured service' : 'delete the checkpoint: the next run starts from initial_start_time_in_utc')
      .requiredOption('-c, --config <file>', 'YAML config file')
      .option('-s, --service <name>', 'only this service (NAME or INPUT/NAME)')
      .option('--json', 'machine-readable output')
      .action(async (opts: { config: string; service?: string; json?: boolean }) => {
        process.exitCode = await withConfig(opts, (config) => stateCommand(action, config, opts));
      });
  }

  program
    .command('demo')
    .description('run the collector against the bundled Lark and ActionTrail simulators, with embedded SQLite state, console and file output')
    .option('--dir <folder>', 'where the demo writes its config, state and events', 'auditpull-demo')
    .option('--events <n>', 'events in the simulated tenant', '300')
    .option('--cycles <n>', 'pull cycles to run', '3')
    .addOption(logLevel)
    .action(async (opts: { dir: string; events: string; cycles: string; logLevel?: LogLevel }) => {
      const { runDemo } = await import('./demo.ts');
      process.exitCode = await runDemo({ dir: opts.dir, events: Number(opts.events), cycles: Number(opts.cycles), logLevel: opts.logLevel ?? 'info' });
    });
  return program;
}

export async function main(argv: readonly string[]): Promise<void> {
  const program = buildProgram().exitOverride();
  try {
    await program.parseAsync(argv as string[]);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.config;
      return;
    }
    throw error;
  }
}

await main(process.argv);
