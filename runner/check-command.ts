import { isAuditpullError, AuditpullError } from '../lib/index.ts';
import type { Config } from './config.ts';
import { buildServices, openState } from './collector.ts';
import type { RunnerLogger } from './log.ts';
import { createOutputs } from './outputs.ts';

/**
 * `auditpull check`: the config is valid (already, to get here), the state store opens, output certificate
 * files are readable, and each enabled service authenticates and gets an answer from its source.
 * Nothing is pulled, sent or checkpointed.
 */
export async function checkCommand(config: Config, logger: RunnerLogger): Promise<number> {
  const store = await openState(config);
  const outputs = await createOutputs(config, logger).catch(async (error: unknown) => {
    await store.disconnect().catch(() => {});
    throw error;
  });
  try {
    const services = buildServices(config, store, outputs, logger, Date.now);
    if (services.length === 0) throw new AuditpullError(14, 'No enabled service: enable at least one service of one input');
    let failed = 0;
    for (const service of services) {
      try {
        await service.setup(AbortSignal.timeout(120_000));
        process.stdout.write(`${service.input}/${service.name}: ready\n`);
      } catch (error) {
        failed += 1;
        const text = isAuditpullError(error) ? error.toString() : String(error);
        process.stdout.write(`${service.input}/${service.name}: NOT READY ${text}\n`);
      }
    }
    process.stdout.write(`outputs: ${outputs.names.join(', ')} (certificate files readable; connections are opened by run)\n`);
    return failed === 0 ? 0 : 1;
  } finally {
    await outputs.close().catch(() => {});
    await store.disconnect().catch(() => {});
  }
}
