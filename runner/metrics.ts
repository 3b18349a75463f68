/**
 * Prometheus metrics (prom-client, own registry) and the `/metrics`, `/healthz`, `/readyz` endpoints on
 * `globals.metrics.port`. Labels are low-cardinality names (input, service, endpoint, output); no
 * metric carries event content or a secret.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { RetryInfo } from '../lib/index.ts';
import type { OutputHooks } from './delivery.ts';
import type { RunnerLogger } from './log.ts';
import type { CycleStats, ServiceProgress } from './service.ts';

export type Api = 'lark' | 'actiontrail' | 'sls';

/** The low-cardinality endpoint name of a vendor request. */
export function endpointOf(api: Api, url: URL, headers: Headers): string {
  if (api === 'lark') {
    const path = url.pathname;
    if (path.includes('/tenant_access_token')) return 'lark.token';
    if (path.endsWith('/audit_infos')) return 'lark.audit_infos';
    if (path.endsWith('/aud_admin_logs')) return 'lark.admin_log';
    if (path.endsWith('/dlp_execute_logs')) return 'lark.dlp_execute_log';
    return 'lark.other';
  }
  if (api === 'actiontrail') return `actiontrail.${url.searchParams.get('Action') ?? headers.get('x-acs-action') ?? 'other'}`;
  if (/\/shards\/?$/.test(url.pathname)) return 'sls.ListShards';
  if (url.pathname.includes('/consumergroups')) return 'sls.ConsumerGroup';
  const type = url.searchParams.get('type');
  return type === 'log' ? 'sls.PullLogs' : type === 'cursor' ? 'sls.GetCursor' : type === 'cursor_time' ? 'sls.GetCursorTime' : 'sls.other';
}

/** The endpoint name of a retried call, from the operation the lib client names (same names as `endpointOf`). */
function retryEndpoint(api: Api, operation: string | undefined): string {
  if (operation === undefined) return `${api}.other`;
  return api === 'lark' && operation === 'tenant_access_token' ? 'lark.token' : `${api}.${operation}`;
}

/** Rate limits some vendors answer with a 400 or 403 and a code in the body (Lark 99991400, Alibaba Throttling.*, SLS quotas). */
function saysRateLimited(api: Api, body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false;
  const b = body as Record<string, unknown>;
  if (api === 'lark') return b['code'] === 99991400;
  if (api === 'actiontrail') return typeof b['Code'] === 'string' && b['Code'].startsWith('Throttling');
  return typeof b['errorCode'] === 'string' && /Quota|QPS|Throttl/i.test(b['errorCode']);
}

async function outcomeOf(api: Api, response: Response): Promise<string> {
  if (response.status === 429) return 'rate_limited';
  if (response.status >= 400 && response.status < 500) {
    // Error bodies are small; the clone leaves the response for the client to read.
    const body: unknown = await response.clone().json().catch(() => undefined);
    if (saysRateLimited(api, body)) return 'rate_limited';
  }
  return `${Math.floor(response.status / 100)}xx`;
}

export interface Metrics {
  readonly registry: Registry;
  readonly outputHooks: OutputHooks;
  /** `fetch` counting requests per endpoint and outcome (and Lark token fetches per input). */
  instrumentFetch(input: string, api: Api, base?: typeof globalThis.fetch): typeof globalThis.fetch;
  /** A retry hook for lib's `RetryOptions.onRetry`. */
  onRetry(input: string, api: Api): (info: RetryInfo) => void;
  eventsSent(input: string, service: string, count: number): void;
  /** Events received and the checkpoint reached, reported by the service as they happen. */
  progress(input: string, service: string): ServiceProgress;
  /** A finished cycle: its duplicates (known only once the cycle's windows were read) and the cycle count. */
  cycle(input: string, service: string, stats: CycleStats): void;
  setReady(input: string, service: string, ready: boolean): void;
  /** Services not ready, as `input/service`. */
  notReady(): string[];
}

export function createMetrics(now: () => number = Date.now): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'auditpull_' });
  const service = ['input', 'service'] as const;
  const received = new Counter({ name: 'auditpull_events_received_total', help: 'Events received from the vendor API', labelNames: service, registers: [registry] });
  const sent = new Counter({ name: 'auditpull_events_sent_total', help: 'Events accepted by every output', labelNames: service, registers: [registry] });
  const duplicates = new Counter({ name: 'auditpull_events_duplicates_total', help: 'Duplicated events filtered out', labelNames: service, registers: [registry] });
  const cycles = new Counter({ name: 'auditpull_pull_cycles_total', help: 'Pull cycles completed', labelNames: service, registers: [registry] });
  const requests = new Counter({ name: 'auditpull_requests_total', help: 'Vendor API requests by endpoint and outcome', labelNames: ['input', 'endpoint', 'outcome'], registers: [registry] });
  const retries = new Counter({ name: 'auditpull_retries_total', help: 'Vendor API calls retried, by endpoint and reason (rate_limited or failure)', labelNames: ['input', 'endpoint', 'reason'], registers: [registry] });
  const tokens = new Counter({ name: 'auditpull_token_fetches_total', help: 'Lark tenant_access_token requests', labelNames: ['input'], registers: [registry] });
  const queueBytes = new Gauge({ name: 'auditpull_output_queue_bytes', help: 'Bytes of events waiting for an output', labelNames: ['output'], registers: [registry] });
  const outputSent = new Counter({ name: 'auditpull_output_events_sent_total', help: 'Events an output accepted', labelNames: ['output'], registers: [registry] });
  const ready = new Map<string, boolean>();
  const checkpoints = new Map<string, { input: string; service: string; atMs: number }>();
  new Gauge({
    name: 'auditpull_service_ready',
    help: '1 once a service finished setup and is collecting, 0 before or after a fatal error',
    labelNames: service,
    registers: [registry],
    collect() {
      for (const [key, value] of ready) {
        const [input = '', name = ''] = key.split('\u0000');
        this.set({ input, service: name }, value ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: 'auditpull_checkpoint_lag_seconds',
    help: 'now − the time the checkpoint has reached (last_run_datetime)',
    labelNames: service,
    registers: [registry],
    collect() {
      for (const { input, service: name, atMs } of checkpoints.values()) this.set({ input, service: name }, Math.max(0, (now() - atMs) / 1000));
    },
  });

  return {
    registry,
    outputHooks: {
      setOutputQueueBytes: (output, bytes) => queueBytes.set({ output }, bytes),
      addOutputSent: (output, events) => outputSent.inc({ output }, events),
    },
    instrumentFetch(input, api, base = globalThis.fetch) {
      return async (resource, init) => {
        const request = new Request(resource, init);
        const endpoint = endpointOf(api, new URL(request.url), request.headers);
        if (endpoint === 'lark.token') tokens.inc({ input });
        try {
          const response = await base(request);
          requests.inc({ input, endpoint, outcome: await outcomeOf(api, response) });
          return response;
        } catch (error) {
          requests.inc({ input, endpoint, outcome: 'network_error' });
          throw error;
        }
      };
    },
    onRetry: (input, api) => (info) => retries.inc({ input, endpoint: retryEndpoint(api, info.operation), reason: info.rateLimited ? 'rate_limited' : 'failure' }),
    eventsSent: (input, name, count) => sent.inc({ input, service: name }, count),
    progress: (input, name) => ({
      received: (count) => received.inc({ input, service: name }, count),
      // The lag is computed on scrape, so it grows while a service is stuck.
      checkpoint: (atMs) => void checkpoints.set(`${input}\u0000${name}`, { input, service: name, atMs }),
    }),
    cycle(input, name, stats) {
      duplicates.inc({ input, service: name }, stats.duplicates);
      cycles.inc({ input, service: name });
    },
    setReady: (input, name, value) => void ready.set(`${input}\u0000${name}`, value),
    notReady: () => [...ready].filter(([, value]) => !value).map(([key]) => key.replace('\u0000', '/')),
  };
}

/** Serves `/metrics`, `/healthz` and `/readyz`; resolves once listening (port 0 picks one). */
export async function serveMetrics(metrics: Metrics, options: { port: number; host: string }, logger: RunnerLogger): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405).end();
      return;
    }
    if (path === '/metrics') {
      metrics.registry.metrics().then(
        (text) => response.writeHead(200, { 'Content-Type': metrics.registry.contentType }).end(text),
        () => response.writeHead(500).end(),
      );
    } else if (path === '/healthz') {
      response.writeHead(200, { 'Content-Type': 'application/json' }).end('{"status":"ok"}');
    } else if (path === '/readyz') {
      const waiting = metrics.notReady();
      response.writeHead(waiting.length === 0 ? 200 : 503, { 'Content-Type': 'application/json' }).end(JSON.stringify({ ready: waiting.length === 0, notReady: waiting }));
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  logger.info(`Metrics on http://${options.host}:${port}/metrics (health: /healthz, readiness: /readyz)`);
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
