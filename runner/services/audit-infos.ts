import { contentHash, paginateAuditInfos, type AuditInfo } from '../../lib/index.ts';
import type { Service } from '../service.ts';
import { createLarkLogService, type LarkServiceContext } from './lark-windowed.ts';

export const AUDIT_INFOS_TAG = 'app.lark.audit.event';

/** Lark `audit_infos` → `app.lark.audit.event`, deduplicated on `unique_id`. Lark keeps 180 days. */
export function createAuditInfosService(ctx: LarkServiceContext): Service {
  return createLarkLogService<AuditInfo>(ctx, {
    name: 'audit_infos',
    tag: AUDIT_INFOS_TAG,
    what: 'audit infos',
    retentionSeconds: 180 * 86_400,
    pages: (client, window, pageSize, signal) => paginateAuditInfos(client, { ...window, pageSize, signal }),
    idOf: (item) => (item.unique_id === undefined || item.unique_id === null ? contentHash(item) : String(item.unique_id)),
    timeOf: (item) => Number(item.event_time),
  });
}
