/** Shared helpers of the security log simulator tests (plain fetch, no lib code). */
import { afterEach, expect } from 'vitest';
import { startLarkSim, type LarkSim, type LarkSimOptions } from '../../sim/lark/index.ts';

export const T0 = Date.UTC(2024, 5, 15, 12, 0, 0);
export const NOW_S = T0 / 1000;
export const DAY_S = 86_400;
export const TOKEN = '/open-apis/auth/v3/tenant_access_token/internal';
export const AUDIT = '/open-apis/admin/v1/audit_infos';
export const ADMIN = '/open-apis/security_and_compliance/v1/aud_admin_logs';
export const DLP = '/open-apis/security_and_compliance/v1/dlp_execute_logs';

export type Params = Record<string, string | number | Array<string | number>>;
export type Row = Record<string, unknown>;
export interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}
export interface Page {
  items: Row[];
  page_token?: string;
  has_more: boolean;
}

const sims: LarkSim[] = [];

/** Registers the afterEach that closes every sim a test file started. */
export function closeSimsAfterEach(): void {
  afterEach(async () => {
    await Promise.all(sims.splice(0).map((sim) => sim.close()));
  });
}

export async function start(options: LarkSimOptions = {}): Promise<LarkSim> {
  const sim = await startLarkSim({ now: () => T0, ...options });
  sims.push(sim);
  return sim;
}

export async function bearer(sim: LarkSim): Promise<string> {
  const response = await fetch(sim.url + TOKEN, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ app_id: 'cli_sim_app', app_secret: 'sim-secret' }) });
  return `Bearer ${((await response.json()) as { tenant_access_token: string }).tenant_access_token}`;
}

/** GET with repeated keys for array values (`actions=1&actions=2`). */
export async function get(sim: LarkSim, path: string, auth: string | undefined, params: Params = {}): Promise<Answer> {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) for (const one of [value].flat()) query.append(name, String(one));
  const response = await fetch(`${sim.url}${path}?${query}`, { headers: auth === undefined ? {} : { authorization: auth } });
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: response.headers };
}

/** Follows page_token to the end; returns every page. */
export async function allPages(sim: LarkSim, path: string, auth: string, params: Params): Promise<Page[]> {
  const pages: Page[] = [];
  let pageToken: string | undefined;
  do {
    const { status, body } = await get(sim, path, auth, pageToken === undefined ? params : { ...params, page_token: pageToken });
    expect([status, body['code']]).toEqual([200, 0]);
    const page = body['data'] as Page;
    expect('page_token' in page).toBe(page.has_more);
    pages.push(page);
    pageToken = page.page_token;
  } while (pageToken !== undefined);
  return pages;
}

/** Content identity whatever the key order. */
export const canonical = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );

export const ids = (pages: Page[]): string[] => pages.flatMap((p) => p.items.map((i) => i['unique_id'] as string));
