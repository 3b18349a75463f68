import type { LarkClient, Page, TimeWindow } from '../../lib/index.ts';
import type { LarkInputConfig, LarkServiceConfig } from '../config.ts';
import { toLarkPullError, toLarkSetupError } from '../lark-errors.ts';
import type { Service, ServiceContext } from '../service.ts';
import { createWindowedService } from './windowed.ts';

export { stateKey } from './windowed.ts';

export interface LarkServiceContext extends ServiceContext<LarkInputConfig, LarkServiceConfig> {
  /** One client per input: its services share the token and the request budget. */
  readonly client: LarkClient;
}

/** What differs between the Lark log services: the endpoint, its tag, its dedupe key and its time field. */
export interface LarkLogSource<T> {
  readonly name: string;
  readonly tag: string;
  readonly what: string;
  readonly retentionSeconds?: number;
  pages(client: LarkClient, window: TimeWindow, pageSize: number, signal: AbortSignal): AsyncIterable<Page<T>>;
  idOf(item: T): string;
  timeOf(item: T): number;
}

/** A Lark log service: the tenant token, then windows of the log API (see `createWindowedService`). */
export function createLarkLogService<T extends object>(ctx: LarkServiceContext, source: LarkLogSource<T>): Service {
  const { client, section } = ctx;
  return createWindowedService<T>(
    { settings: section, store: ctx.store, outputs: ctx.outputs, logger: ctx.logger, now: ctx.now, progress: ctx.progress },
    {
      input: ctx.input.name,
      inputId: ctx.input.id,
      name: source.name,
      tag: source.tag,
      what: source.what,
      ...(source.retentionSeconds === undefined ? {} : { retentionSeconds: source.retentionSeconds }),
      pages: (window, signal) => source.pages(client, window, section.page_size, signal),
      idOf: (item) => source.idOf(item),
      timeOf: (item) => source.timeOf(item),
      async probe(signal) {
        await client.tokens.getToken({ signal });
        // One small request proves the app may read this log (scope, plan, grey release).
        const latest = Math.floor(ctx.now() / 1000);
        const pages = source.pages(client, { oldest: latest - 60, latest }, 1, signal)[Symbol.asyncIterator]();
        await pages.next();
        await pages.return?.(undefined);
      },
      toSetupError: (error) => toLarkSetupError(error, source.what),
      toPullError: (error) => toLarkPullError(error, source.what),
    },
  );
}
