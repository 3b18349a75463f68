import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ADMIN_LOGS_PATH, AdminLogs } from './admin-logs.ts';
import { AUDIT_INFOS_PATH, handleAuditInfos } from './audit-infos.ts';
import { generateAuditItems } from './data.ts';
import { DLP_EXECUTE_LOGS_PATH, DlpLogs } from './dlp-logs.ts';
import { EventStore, PageTokens } from './event-store.ts';
import { type Endpoint, FaultQueue, SlidingWindowLimiter, canChange, changeAnswer, changesAnswer, faultReply } from './faults.ts';
import { BodyTooLargeError, parseJson, readBody, send } from './http.ts';
import { resolveOptions } from './options.ts';
import { TokenAuthority } from './tokens.ts';
import type { LarkSim, LarkSimFault, LarkSimOptions, LarkSimRequest, LarkSimStats, SimReply } from './types.ts';
import { createDelays } from '../common/delays.ts';
import { TokenAliases, resetConnection } from '../common/faults.ts';

export { DEFAULT_LARK_SIM_APP } from './options.ts';

/**
 * Path of the tenant_access_token endpoint (`POST`).
 * @public
 */
export const TOKEN_PATH = '/open-apis/auth/v3/tenant_access_token/internal';

type LogEndpoint = Exclude<Endpoint, 'token'>;

const ROUTES: ReadonlyArray<{ method: string; path: string; endpoint: Endpoint; counter: 'tokenRequests' | 'auditRequests' | 'adminRequests' | 'dlpRequests' }> = [
  { method: 'POST', path: TOKEN_PATH, endpoint: 'token', counter: 'tokenRequests' },
  { method: 'GET', path: AUDIT_INFOS_PATH, endpoint: 'audit_infos', counter: 'auditRequests' },
  { method: 'GET', path: ADMIN_LOGS_PATH, endpoint: 'admin_log', counter: 'adminRequests' },
  { method: 'GET', path: DLP_EXECUTE_LOGS_PATH, endpoint: 'dlp_execute_log', counter: 'dlpRequests' },
];

/** The request log entry, with `queryAll` only when a parameter is repeated. */
function logEntry(method: string, url: URL, at: number): LarkSimRequest {
  const all = new Map<string, string[]>();
  for (const [name, value] of url.searchParams) all.set(name, [...(all.get(name) ?? []), value]);
  const query = Object.fromEntries([...all].map(([name, values]): [string, string] => [name, values[0] as string]));
  const repeated = [...all.values()].some((values) => values.length > 1);
  return { method, path: url.pathname, query, ...(repeated ? { queryAll: Object.fromEntries(all) } : {}), status: 0, code: -1, at };
}

/**
 * Starts a Lark simulator on 127.0.0.1: the tenant_access_token endpoint,
 * `GET /open-apis/admin/v1/audit_infos`, and the security_and_compliance
 * `aud_admin_logs` and `dlp_execute_logs`, with Lark's auth, paging, time-range and rate-limit
 * rules. Every other path answers 404 `{code: 404, msg: 'not found'}`.
 * @public
 */
export async function startLarkSim(options: LarkSimOptions = {}): Promise<LarkSim> {
  const config = resolveOptions(options);
  let clockOffsetMs = 0;
  const simNow = (): number => config.now() + clockOffsetMs;

  const tokens = new TokenAuthority(config.apps, {
    lifetimeMs: config.tokenLifetimeSeconds * 1000,
    refreshWindowMs: config.refreshWindowSeconds * 1000,
  });
  const store = new EventStore();
  const pages = new PageTokens();
  const admin = new AdminLogs({ unit: config.adminTimeUnit, maxPageSize: config.maxAdminPageSize });
  const dlp = new DlpLogs({ unit: config.dlpTimeUnit, maxPageSize: config.maxDlpPageSize, duplicateRate: config.dlpDuplicateRate });
  const faults = new FaultQueue();
  const aliases = new TokenAliases();
  const limiter = new SlidingWindowLimiter(config.rateLimitPerMinute);
  const stats: LarkSimStats = {
    tokenRequests: 0, tokensIssued: 0, tokenIssuedAt: [], auditRequests: 0, adminRequests: 0, dlpRequests: 0,
    rejectedRequests: 0, staleTokenRequests: 0, expiredTokenRequests: 0, rateLimited: 0,
    pageSizes: [], adminPageSizes: [], dlpPageSizes: [], dlpDuplicatesServed: 0,
  };
  const requests: LarkSimRequest[] = [];
  const { delay, releaseAll } = createDelays();
  const seeds = { audit: 1, admin: 1, dlp: 1 };

  const issueToken = async (req: IncomingMessage): Promise<SimReply> => {
    const check = tokens.checkCredentials(parseJson(await readBody(req)));
    if (!check.ok) {
      stats.rejectedRequests += 1;
      return check.reply;
    }
    const limited = limiter.hit(`${check.appId} token`, simNow());
    if (limited !== undefined) return limited;
    const { token, expireSeconds, minted } = tokens.obtain(check.appId, simNow());
    if (minted) {
      stats.tokensIssued += 1;
      stats.tokenIssuedAt.push(simNow());
    }
    return { status: 200, body: { code: 0, msg: 'ok', tenant_access_token: token, expire: expireSeconds } };
  };

  /** Each log endpoint answers an authenticated, rate-limited query and records its own stats. */
  const logHandlers: Record<LogEndpoint, (query: URLSearchParams) => SimReply> = {
    audit_infos: (query) => {
      const ctx = { store, pages, nowMs: simNow(), maxPageSize: config.maxPageSize, defaultPageSize: config.defaultPageSize };
      const { reply, pageSize } = handleAuditInfos(query, ctx);
      if (pageSize !== undefined) stats.pageSizes.push(pageSize);
      return reply;
    },
    admin_log: (query) => {
      const { reply, pageSize } = admin.handle(query, simNow());
      if (pageSize !== undefined) stats.adminPageSizes.push(pageSize);
      return reply;
    },
    dlp_execute_log: (query) => {
      const { reply, pageSize, duplicates } = dlp.handle(query, simNow());
      if (pageSize !== undefined) stats.dlpPageSizes.push(pageSize);
      stats.dlpDuplicatesServed += duplicates ?? 0;
      return reply;
    },
  };

  const logEndpoint = (endpoint: LogEndpoint, req: IncomingMessage, query: URLSearchParams): SimReply => {
    const auth = tokens.authenticate(req.headers.authorization, simNow());
    if (!auth.ok) {
      stats.rejectedRequests += 1;
      return auth.reply;
    }
    return limiter.hit(`${auth.appId} ${endpoint}`, simNow()) ?? logHandlers[endpoint](query);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(`http://127.0.0.1${req.url ?? '/'}`);
    const entry = logEntry(req.method ?? '', url, simNow());
    requests.push(entry);

    const route = ROUTES.find((r) => r.method === req.method && r.path === url.pathname);
    const endpoint = route?.endpoint;
    if (route !== undefined) stats[route.counter] += 1;
    if (endpoint !== undefined && endpoint !== 'token') {
      // Judged on arrival, so a request a fault answers still counts.
      const state = tokens.classify(req.headers.authorization, simNow());
      if (state === 'expired' || state === 'revoked') stats.staleTokenRequests += 1;
      if (state === 'expired') stats.expiredTokenRequests += 1;
    }
    const fault = endpoint === undefined ? undefined : faults.take(endpoint, (f) => !changesAnswer(f));
    if (fault?.kind === 'hold') return; // never answered; close() ends the socket
    if (fault?.kind === 'reset') return resetConnection(req);
    if (fault?.kind === 'slow') await delay(fault.ms);

    await delay(config.latencyMs);
    let reply = fault === undefined ? undefined : faultReply(fault, config.rateLimitPerMinute);
    // The token as sent: a repeated page repeats it, an empty page gets a fresh one standing for it.
    const sentToken = url.searchParams.get('page_token') ?? '';
    if (reply === undefined) {
      if (endpoint === 'token') reply = await issueToken(req);
      else if (endpoint !== undefined) reply = logEndpoint(endpoint, req, withRealToken(url.searchParams, sentToken));
      else reply = { status: 404, body: { code: 404, msg: 'not found' } };
    }
    let mangle: 'malformed' | 'bad-utf8' | undefined = fault?.kind === 'malformed' ? 'malformed' : undefined;
    if (fault === undefined && endpoint !== undefined && endpoint !== 'token') {
      const current = reply;
      const change = faults.take(endpoint, (f) => changesAnswer(f) && canChange(f, current, sentToken));
      if (change !== undefined) reply = changeAnswer(change, reply, sentToken, aliases);
      if (change?.kind === 'bad-utf8') mangle = 'bad-utf8';
    }
    if (reply.body.code === 99991400) stats.rateLimited += 1;
    entry.code = send(res, reply, mangle);
    entry.status = res.headersSent ? res.statusCode : 0;
  };

  /** The query with an `empty-page` alias replaced by the token it stands for. */
  const withRealToken = (query: URLSearchParams, sentToken: string): URLSearchParams => {
    const real = aliases.resolve(sentToken);
    if (real === sentToken) return query;
    const copy = new URLSearchParams(query);
    copy.set('page_token', real);
    return copy;
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const tooLarge = error instanceof BodyTooLargeError;
      send(res, tooLarge ? { status: 400, body: { code: 10003, msg: 'invalid param' } } : { status: 500, body: { code: 500, msg: `sim internal error: ${String(error)}` } });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  const sim: LarkSim = {
    url: `http://127.0.0.1:${port}`,
    stats,
    requests,
    addEvents(events, addOptions = {}) {
      store.add(events, addOptions.visibleAfterSeconds ?? 0);
    },
    generateEvents(generateOptions) {
      const seed = generateOptions.seed ?? seeds.audit++;
      const events = generateAuditItems({ ...generateOptions, seed }, (id) => store.has(id));
      store.add(events, generateOptions.visibleAfterSeconds ?? 0);
      return events;
    },
    addAdminLogs(items, addOptions = {}) {
      admin.add(items, addOptions.visibleAfterSeconds ?? 0);
    },
    addDlpLogs(items, addOptions = {}) {
      dlp.add(items, addOptions.visibleAfterSeconds ?? 0);
    },
    generateAdminLogs({ visibleAfterSeconds, seed, ...range }) {
      return admin.generate({ ...range, seed: seed ?? seeds.admin++ }, visibleAfterSeconds ?? 0);
    },
    generateDlpLogs({ visibleAfterSeconds, seed, ...range }) {
      return dlp.generate({ ...range, seed: seed ?? seeds.dlp++ }, visibleAfterSeconds ?? 0);
    },
    advanceClock(ms) {
      if (!Number.isFinite(ms)) throw new RangeError(`advanceClock needs a finite number of ms, got ${ms}`);
      clockOffsetMs += ms;
    },
    invalidateTokens() {
      tokens.invalidateAll();
    },
    mintedTokens() {
      return tokens.minted();
    },
    inject(fault: LarkSimFault, injectOptions = {}) {
      faults.add(fault, injectOptions.path ?? 'audit_infos');
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        releaseAll();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
  return sim;
}
