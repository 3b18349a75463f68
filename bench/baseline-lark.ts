// Raw baseline for the Lark logs: a token, then plain fetch of every page of one window, each page's items
// written as Devo lines. Usage: node bench/baseline-lark.ts '<BaselineJob json>'
import { finish, job, json, write } from './baseline-common.ts';

const token = await json(
  await fetch(`${job.url}/open-apis/auth/v3/tenant_access_token/internal`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ app_id: job.credentials.id, app_secret: job.credentials.secret }),
  }),
);
const headers = { Authorization: `Bearer ${String(token['tenant_access_token'])}` };
const oldest = job.oldest ?? 0;
const latest = job.latest ?? 0;
const [path, tag, window]: [string, string, Record<string, string>] =
  job.service === 'audit_infos'
    ? ['/open-apis/admin/v1/audit_infos', 'app.lark.audit.event', { oldest: String(oldest), latest: String(latest) }]
    : job.service === 'admin_log'
      ? ['/open-apis/security_and_compliance/v1/aud_admin_logs', 'app.lark.admin.log', { oldest: String(oldest), latest: String(latest) }]
      : ['/open-apis/security_and_compliance/v1/dlp_execute_logs', 'app.lark.dlp.log', { start_time: String(oldest * 1000), end_time: String(latest * 1000 + 999), include_system_log: 'true' }];

let pageToken: string | undefined;
do {
  const query = new URLSearchParams({ ...window, page_size: String(job.pageSize), ...(pageToken ? { page_token: pageToken } : {}) });
  const body = await json(await fetch(`${job.url}${path}?${query}`, { headers }));
  if (body['code'] !== 0) throw new Error(`Lark answered ${JSON.stringify(body).slice(0, 300)}`);
  const data = body['data'] as { items?: unknown[]; has_more?: boolean; page_token?: string };
  await write(tag, data.items ?? []);
  pageToken = data.has_more ? data.page_token : undefined;
} while (pageToken);
await finish();
