import { contentHash, paginateDlpExecuteLogs, type DlpExecuteLog } from '../../lib/index.ts';
import type { Service } from '../service.ts';
import { createLarkLogService, type LarkServiceContext } from './lark-windowed.ts';

export const DLP_EXECUTE_LOG_TAG = 'app.lark.dlp.log';

/**
 * Lark `dlp_execute_logs` → `app.lark.dlp.log`. Rows have no id and the API repeats some, so the dedupe key
 * is a hash of the canonical row (keys sorted): a repeat on the same page, a later page or the next window
 * is filtered and counted. Time unit UNVERIFIED: `time_unit` (default `ms`).
 */
export function createDlpExecuteLogService(ctx: LarkServiceContext): Service {
  const ms = ctx.section.time_unit !== 's';
  return createLarkLogService<DlpExecuteLog>(ctx, {
    name: 'dlp_execute_log',
    tag: DLP_EXECUTE_LOG_TAG,
    what: 'DLP execute logs',
    pages: (client, w, pageSize, signal) =>
      paginateDlpExecuteLogs(client, {
        startTime: ms ? w.oldest * 1000 : w.oldest,
        endTime: ms ? w.latest * 1000 + 999 : w.latest,
        // A SIEM wants every row, the system's own scans included.
        include_system_log: ctx.section.include_system_log !== false,
        pageSize,
        signal,
      }),
    idOf: (item) => contentHash(item),
    timeOf: (item) => Math.floor(Number(item.time) / (ms ? 1000 : 1)),
  });
}
