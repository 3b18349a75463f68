/**
 * How events reach the outputs: every output gets every event, `deliver` resolves once all of them
 * accepted it (so the caller may checkpoint), a failing output is retried with capped backoff while
 * pulling waits, and the bytes waiting per output are bounded so a slow or absent Devo pauses pulling
 * instead of filling memory.
 */
import { AuditpullError, isAuditpullError, toDevoJson } from '../lib/index.ts';
import type { LogLevel, LogRecord, RunnerLogger } from './log.ts';
import type { Output } from './outputs.ts';

/** Where events go: every output gets every event; `deliver` resolves once all accepted them. */
export interface Outputs {
  readonly names: readonly string[];
  deliver(tag: string, events: readonly object[]): Promise<void>;
  /** Best effort: a collector log line for Devo's internal tag (see `globals.internal_logs`). Never throws. */
  forwardLog(record: LogRecord): void;
  close(): Promise<void>;
}


/** What the metrics layer wants to know about outputs. */
export interface OutputHooks {
  setOutputQueueBytes?(output: string, bytes: number): void;
  addOutputSent?(output: string, events: number): void;
}

export interface DeliveryOptions {
  /** Stops retries and waits: a delivery interrupted by it rejects, so nothing is checkpointed past it. */
  readonly signal?: AbortSignal;
  /** `run --once`: give up on an output after a few attempts instead of waiting for it indefinitely. */
  readonly once?: boolean;
  readonly hooks?: OutputHooks;
  /** Sender statistics and memory lines every this many seconds; 0 disables. */
  readonly statsPeriodSeconds?: number;
  readonly internalLogs?: { readonly enabled: boolean; readonly level: LogLevel };
  /** First retry wait; doubles up to `maxRetryWaitMs`. Defaults 1000 and 60 000. */
  readonly retryWaitMs?: number;
  readonly maxRetryWaitMs?: number;
}

/** Failures that may clear by themselves (receiver down, network, full disk); the rest need the user. */
const RETRIED = new Set([400, 401, 402, 403]);
const ONCE_ATTEMPTS = 3;
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const INTERNAL_QUEUE_LIMIT = 1000;
/** Syslog header and separators per line, on top of the JSON. */
const LINE_OVERHEAD = 100;

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Admits batches while the bytes in flight stay within `limit`; a batch larger than the limit is
 * admitted alone, so an oversized page slows pulling down instead of stopping it.
 */
function createByteGate(limit: number, onChange: (bytes: number) => void) {
  let inFlight = 0;
  const waiting: Array<{ bytes: number; admit: () => void }> = [];
  const admitWaiting = (): void => {
    while (waiting.length > 0) {
      const next = waiting[0]!;
      if (inFlight > 0 && inFlight + next.bytes > limit) return;
      waiting.shift();
      inFlight += next.bytes;
      next.admit();
    }
  };
  return {
    get inFlight() {
      return inFlight;
    },
    async acquire(bytes: number): Promise<void> {
      if (waiting.length === 0 && (inFlight === 0 || inFlight + bytes <= limit)) inFlight += bytes;
      else await new Promise<void>((admit) => waiting.push({ bytes, admit }));
      onChange(inFlight);
    },
    release(bytes: number): void {
      inFlight -= bytes;
      admitWaiting();
      onChange(inFlight);
    },
  };
}

interface Tally {
  total: number;
  sinceReport: number;
}

export function composeOutputs(outputs: readonly Output[], logger: RunnerLogger, options: DeliveryOptions = {}): Outputs {
  const { signal, hooks } = options;
  const firstWait = options.retryWaitMs ?? 1000;
  const maxWait = options.maxRetryWaitMs ?? 60_000;
  const maxAttempts = options.once ? ONCE_ATTEMPTS : Number.POSITIVE_INFINITY;
  const gates = new Map(outputs.map((o) => [o, createByteGate(o.queueMaxBytes, (bytes) => hooks?.setOutputQueueBytes?.(o.name, bytes))]));
  const tallies = new Map<Output, Tally>(outputs.map((o) => [o, { total: 0, sinceReport: 0 }]));
  const logs = new Map(outputs.map((o) => [o, logger.child(`output:${o.name}`)]));
  let closed = false;

  /** One output, retried until it accepts, the attempts run out, or the collector stops. */
  const deliverTo = async (output: Output, tag: string, json: readonly string[], timestamp: Date): Promise<void> => {
    const log = logs.get(output)!;
    let wait = firstWait;
    for (let attempt = 1; ; attempt += 1) {
      try {
        await output.deliver(tag, json, timestamp);
        if (attempt > 1) log.info(`Output ${output.name} accepts events again after ${attempt - 1} failed attempt(s)`);
        return;
      } catch (error) {
        const coded = isAuditpullError(error) ? error : new AuditpullError(402, `Output ${output.name} failed: ${String(error)}`, { cause: error });
        if (!RETRIED.has(coded.id) || attempt >= maxAttempts || signal?.aborted) throw coded;
        log.error(`${coded.toString()} Attempt ${attempt}; pulling is paused and the batch is sent again in ${Math.round(wait / 1000)} s.`);
        await sleep(wait, signal);
        if (signal?.aborted) throw coded;
        wait = Math.min(wait * 2, maxWait);
      }
    }
  };

  const deliverBounded = async (output: Output, tag: string, json: readonly string[], bytes: number, timestamp: Date): Promise<void> => {
    const gate = gates.get(output)!;
    await gate.acquire(bytes);
    try {
      await deliverTo(output, tag, json, timestamp);
    } finally {
      gate.release(bytes);
    }
    const tally = tallies.get(output)!;
    tally.total += json.length;
    tally.sinceReport += json.length;
    hooks?.addOutputSent?.(output.name, json.length);
  };

  // Internal log lines: queued, sent in the background in one batch per turn, dropped (counted) when
  // Devo is away. Their own failures are never logged, or one outage would feed itself.
  const internal = options.internalLogs?.enabled ? outputs.filter((o) => o.devo) : [];
  const minInternal = LEVELS[options.internalLogs?.level ?? 'info'];
  let internalQueue: Array<{ tag: string; json: string }> = [];
  let internalDropped = 0;
  let internalFlush: Promise<void> | undefined;
  const flushInternal = async (): Promise<void> => {
    while (internalQueue.length > 0 && !closed) {
      const batch = internalQueue;
      internalQueue = [];
      const byTag = new Map<string, string[]>();
      for (const item of batch) {
        const list = byTag.get(item.tag);
        if (list) list.push(item.json);
        else byTag.set(item.tag, [item.json]);
      }
      for (const [tag, json] of byTag) {
        const results = await Promise.allSettled(internal.map((o) => o.deliver(tag, json, new Date())));
        internalDropped += results.filter((r) => r.status === 'rejected').length * json.length;
      }
    }
  };

  const reportStats = (since: { at: number }): void => {
    const now = Date.now();
    const elapsed = Math.round((now - since.at) / 1000);
    for (const [output, tally] of tallies) {
      logs.get(output)!.info(
        `Total number of messages sent: ${tally.total}, messages sent since "${new Date(since.at).toISOString()}": ${tally.sinceReport} (elapsed ${elapsed} seconds), bytes waiting: ${gates.get(output)!.inFlight}`,
      );
      tally.sinceReport = 0;
    }
    const memory = process.memoryUsage();
    const mib = (n: number) => (n / 1024 / 1024).toFixed(1);
    logger.info(
      `Memory usage: rss ${mib(memory.rss)} MiB, heap used ${mib(memory.heapUsed)} of ${mib(memory.heapTotal)} MiB, external ${mib(memory.external)} MiB` +
        (internalDropped > 0 ? `; internal log lines dropped: ${internalDropped}` : ''),
    );
    since.at = now;
  };
  const statsPeriod = options.statsPeriodSeconds ?? 300;
  const since = { at: Date.now() };
  const statsTimer = statsPeriod > 0 ? setInterval(() => reportStats(since), statsPeriod * 1000) : undefined;
  statsTimer?.unref();

  return {
    names: outputs.map((o) => o.name),

    async deliver(tag, events) {
      if (events.length === 0) return;
      const timestamp = new Date();
      // Serialise each event once, whatever the number of outputs.
      const json = events.map((event) => toDevoJson(event));
      let bytes = 0;
      for (const line of json) bytes += line.length + LINE_OVERHEAD;
      await Promise.all(outputs.map((output) => deliverBounded(output, tag, json, bytes, timestamp)));
    },

    forwardLog(record) {
      if (internal.length === 0 || closed || LEVELS[record.level] < minInternal) return;
      if (record.input === undefined || record.service === undefined) return;
      if (internalQueue.length >= INTERNAL_QUEUE_LIMIT) {
        internalDropped += 1;
        return;
      }
      const json = toDevoJson({ time: new Date(record.time).toISOString(), level: record.level, scope: record.scope, msg: record.msg });
      internalQueue.push({ tag: `devo.collectors.out.${record.input}.${record.service}`, json });
      internalFlush ??= new Promise<void>((resolve) => setImmediate(resolve))
        .then(flushInternal)
        .catch(() => {})
        .finally(() => (internalFlush = undefined));
    },

    async close() {
      if (statsTimer !== undefined) {
        clearInterval(statsTimer);
        if (tallies.size > 0 && [...tallies.values()].some((t) => t.sinceReport > 0)) reportStats(since);
      }
      await internalFlush;
      closed = true;
      await Promise.all(outputs.map((o) => o.close()));
    },
  };
}
