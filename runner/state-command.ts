import { AuditpullError, createChunkedSeenSet, createShardCursorCheckpoint, createWindowedCheckpoint, type ShardCursorState, type WindowedState } from '../lib/index.ts';
import type { Config } from './config.ts';
import { openState } from './collector.ts';
import { stateKey } from './services/lark-windowed.ts';

interface ServiceRef {
  readonly input: string;
  readonly service: string;
  readonly key: string;
  /** A cursor-per-shard state (Log Service) rather than a windowed one. */
  readonly cursors?: boolean;
}

/** The (input, service) pairs of the config, narrowed by `--service` (`NAME` or `INPUT/NAME`). */
function services(config: Config, only: string | undefined): ServiceRef[] {
  const refs: ServiceRef[] = [];
  for (const input of config.inputs.lark) {
    for (const [service, section] of Object.entries(input.services)) {
      if (section) refs.push({ input: input.name, service, key: stateKey(input.name, input.id, service) });
    }
  }
  for (const input of config.inputs.alibaba) {
    if (input.services.actiontrail) refs.push({ input: input.name, service: 'actiontrail', key: stateKey(input.name, input.id, 'actiontrail') });
    if (input.services.actiontrail_log_service) refs.push({ input: input.name, service: 'actiontrail_log_service', key: stateKey(input.name, input.id, 'actiontrail_log_service'), cursors: true });
  }
  const selected = only === undefined ? refs : refs.filter((r) => r.service === only || `${r.input}/${r.service}` === only);
  if (only !== undefined && selected.length === 0) {
    throw new AuditpullError(15, `No configured service matches --service ${only}; configured: ${refs.map((r) => `${r.input}/${r.service}`).join(', ') || 'none'}`);
  }
  return selected;
}

function describeState(ref: ServiceRef, state: WindowedState | ShardCursorState | undefined): string {
  if (!state) return `${ref.input}/${ref.service}: no state (the next run starts from initial_start_time_in_utc)`;
  if ('cursors' in state) {
    const shards = Object.entries(state.cursors).map(([shard, c]) => `  shard ${shard}: ${c.done ? 'read to its end (readonly)' : `cursor ${c.cursor}`}`);
    return [`${ref.input}/${ref.service}:`, `  initial_start_time_in_utc: ${state.initial_start_time_in_utc}`, ...shards].join('\n');
  }
  const lines = [
    `${ref.input}/${ref.service}:`,
    `  initial_start_time_in_utc: ${state.initial_start_time_in_utc}`,
    `  last_run_datetime:         ${state.last_run_datetime}`,
    `  last_ids:                  ${state.last_ids.length} id(s) at that second`,
  ];
  if (state.window) lines.push(`  unfinished window:         ${new Date(state.window.oldest * 1000).toISOString()} to ${new Date(state.window.latest * 1000).toISOString()} (${state.window.chunks} page(s) sent)`);
  return lines.join('\n');
}

/** `auditpull state show|reset`: prints to stdout, returns the exit code. */
export async function stateCommand(action: 'show' | 'reset', config: Config, options: { service?: string; json?: boolean }): Promise<number> {
  const refs = services(config, options.service);
  const store = await openState(config);
  try {
    const out: Array<{ input: string; service: string; key: string; state: WindowedState | ShardCursorState | null }> = [];
    for (const ref of refs) {
      const checkpoint = ref.cursors ? createShardCursorCheckpoint(store, ref.key) : createWindowedCheckpoint(store, ref.key);
      const state = await checkpoint.load();
      if (action === 'reset') {
        if (state && 'window' in state && state.window) await createChunkedSeenSet(store, `${ref.key}:window`).clear(state.window.chunks);
        await checkpoint.clear();
      }
      out.push({ input: ref.input, service: ref.service, key: ref.key, state: state ?? null });
    }
    if (options.json) {
      process.stdout.write(`${JSON.stringify(action === 'show' ? out : out.map((o) => ({ ...o, reset: true })), null, 2)}\n`);
    } else if (action === 'show') {
      process.stdout.write(`${out.map((o) => describeState(o, o.state ?? undefined)).join('\n')}\n`);
    } else {
      const was = (state: WindowedState | ShardCursorState | null) => (!state ? ' (there was none)' : 'cursors' in state ? ` (had ${Object.keys(state.cursors).length} shard cursor(s))` : ` (was at ${state.last_run_datetime})`);
      process.stdout.write(`${out.map((o) => `${o.input}/${o.service}: state reset${was(o.state)}`).join('\n')}\n`);
    }
    return 0;
  } finally {
    await store.disconnect().catch(() => {});
  }
}
