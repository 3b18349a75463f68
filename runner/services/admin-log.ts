import { contentHash, paginateAdminLogs, type AdminLog } from '../../lib/index.ts';
import type { Service } from '../service.ts';
import { createLarkLogService, type LarkServiceContext } from './lark-windowed.ts';

export const ADMIN_LOG_TAG = 'app.lark.admin.log';

/**
 * Lark `aud_admin_logs` → `app.lark.admin.log`, deduplicated on `unique_id`. The unit of `oldest`, `latest`
 * and `create_time` is UNVERIFIED: `time_unit` (default `s`) says which, and windows stay whole seconds.
 */
export function createAdminLogService(ctx: LarkServiceContext): Service {
  const ms = ctx.section.time_unit === 'ms';
  return createLarkLogService<AdminLog>(ctx, {
    name: 'admin_log',
    tag: ADMIN_LOG_TAG,
    what: 'admin logs',
    pages: (client, w, pageSize, signal) =>
      paginateAdminLogs(client, { oldest: ms ? w.oldest * 1000 : w.oldest, latest: ms ? w.latest * 1000 + 999 : w.latest, pageSize, signal }),
    idOf: (item) => (item.unique_id === undefined || item.unique_id === null ? contentHash(item) : String(item.unique_id)),
    timeOf: (item) => Math.floor(Number(item.create_time) / (ms ? 1000 : 1)),
  });
}
