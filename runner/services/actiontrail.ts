import { contentHash, createActionTrailClient, paginateLookupEvents, type ActionTrailEvent } from '../../lib/index.ts';
import { toActionTrailPullError, toActionTrailSetupError } from '../alibaba-errors.ts';
import { alibabaCredentials, type ActionTrailServiceConfig, type AlibabaInputConfig } from '../config.ts';
import type { Service, ServiceContext } from '../service.ts';
import { createWindowedService } from './windowed.ts';

export const ACTIONTRAIL_TAG = 'cloud.alibaba.actiontrail.events';
/** ActionTrail keeps 90 days of events. */
const RETENTION_SECONDS = 90 * 86_400;

const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');

/**
 * ActionTrail `LookupEvents` → `cloud.alibaba.actiontrail.events`, deduplicated on `eventId`. Windows are
 * queried oldest first (`Direction=FORWARD`) and end at the end of the second before now − lag, because
 * Alibaba filters by whole seconds.
 */
export function createActionTrailService(ctx: ServiceContext<AlibabaInputConfig, ActionTrailServiceConfig>): Service {
  const { input, section, logger, now } = ctx;
  const baseUrl = section.override_base_url ?? input.override_base_url;
  const client = createActionTrailClient({
    credentials: alibabaCredentials(input),
    ...(baseUrl ? { baseUrl } : { region: input.region ?? '' }),
    signatureVersion: section.signature_version,
    requestsPerSecond: section.requests_per_second,
    now,
    logger,
    ...(ctx.http ? { fetch: ctx.http.fetch, retry: { onRetry: ctx.http.onRetry } } : {}),
  });
  const pages = (window: { oldest: number; latest: number }, maxResults: number, signal: AbortSignal) =>
    // LookupEvents takes whole seconds; the window's last second is included: it ends at latest.999.
    paginateLookupEvents(client, { startTime: window.oldest, endTime: window.latest, maxResults, direction: 'FORWARD', signal });

  return createWindowedService<ActionTrailEvent>(
    { settings: section, store: ctx.store, outputs: ctx.outputs, logger, now, progress: ctx.progress },
    {
      input: input.name,
      inputId: input.id,
      name: 'actiontrail',
      tag: ACTIONTRAIL_TAG,
      what: 'actiontrail logs',
      retentionSeconds: RETENTION_SECONDS,
      pages(window, signal) {
        logger.info(`Setting end_datetime to ${iso(window.latest)} (end of previous second of now − ${section.lag_seconds} s, to account for Alibaba time filtration granularity)`);
        return pages(window, section.max_results, signal);
      },
      // eventId and eventTime are always present per Alibaba; if not, the event is still sent, never merged away.
      idOf: (event) => (typeof event.eventId === 'string' && event.eventId !== '' ? event.eventId : contentHash(event)),
      timeOf: (event) => {
        const ms = Date.parse(String(event.eventTime));
        return Number.isNaN(ms) ? Number.MAX_SAFE_INTEGER : Math.floor(ms / 1000);
      },
      async probe(signal) {
        const latest = Math.floor(now() / 1000) - 1;
        const first = pages({ oldest: latest - 60, latest }, 1, signal)[Symbol.asyncIterator]();
        await first.next();
        await first.return?.(undefined);
      },
      toSetupError: toActionTrailSetupError,
      toPullError: toActionTrailPullError,
    },
  );
}
