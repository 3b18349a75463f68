import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AUDIT_INFOS_PATH, handleAuditInfos } from './audit-infos.ts';
import { generateAuditItems } from './data.ts';
import { EventStore, PageTokens } from './event-store.ts';
import { type Endpoint, FaultQueue, SlidingWindowLimiter, faultReply } from './faults.ts';
import { TokenAuthority } from './tokens.ts';
import type { LarkSim, LarkSimApp, LarkSimFault, LarkSimOptions, LarkSimRequest, LarkSimStats, SimReply } from './types.ts';

/**
 * Path of the tenant_access_token endpoint (`POST`).
 * @public
 */
export const TOKEN_PATH = '/open-apis/auth/v3/tenant_access_token/internal';

/**
 * The app every simulator knows unless {@link LarkSimOptions.apps} says otherwise.
 * @public
 */
export const DEFAULT_LARK_SIM_APP: Readonly<LarkSimApp> = Object.freeze({ appId: 'cli_sim_app', appSecret: 'sim-secret' });

const MAX_BODY_BYTES = 64 * 1024;

class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
}

function positiveInt(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`LarkSimOptions.${name} must be an integer >= ${min}, got ${value}`);
  return value;
}

function resolveOptions(options: LarkSimOptions): Required<LarkSimOptions> {
  const maxPageSize = positiveInt('maxPageSize', options.maxPageSize ?? 200, 1);
  const defaultPageSize = positiveInt('defaultPageSize', options.defaultPageSize ?? 20, 1);
  if (defaultPageSize > maxPageSize) throw new RangeError('LarkSimOptions.defaultPageSize must not exceed maxPageSize');
  return {
    apps: (options.apps ?? [DEFAULT_LARK_SIM_APP]).map((app) => ({ ...app })),
    port: positiveInt('port', options.port ?? 0, 0),
    now: options.now ?? Date.now,
    tokenLifetimeSeconds: positiveInt('tokenLifetimeSeconds', options.tokenLifetimeSeconds ?? 7200, 1),
    refreshWindowSeconds: positiveInt('refreshWindowSeconds', options.refreshWindowSeconds ?? 1800, 0),
    maxPageSize,
    defaultPageSize,
    rateLimitPerMinute: positiveInt('rateLimitPerMinute', options.rateLimitPerMinute ?? 0, 0),
    latencyMs: positiveInt('latencyMs', options.latencyMs ?? 0, 0),
  };
}

/** Reads a request body; rejects bodies over {@link MAX_BODY_BYTES}. */
async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLargeError('request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Writes a reply; `malformed` sends HTTP 200 with the JSON cut in half. Returns the code logged. */
function send(res: ServerResponse, reply: SimReply, malformed = false): number {
  if (res.destroyed || res.writableEnded || res.socket === null || res.socket.destroyed) return -1;
  const json = JSON.stringify(reply.body);
  const body = Buffer.from(malformed ? json.slice(0, Math.ceil(json.length / 2)) : json, 'utf8');
  res.writeHead(malformed ? 200 : reply.status, {
    ...reply.headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(body.length),
    'x-tt-logid': randomBytes(16).toString('hex'),
  });
  res.end(body);
  return malformed ? -1 : reply.body.code;
}

/**
 * Starts a Lark simulator on 127.0.0.1: the tenant_access_token endpoint and
 * `GET /open-apis/admin/v1/audit_infos`, with Lark's auth, paging, time-range and rate-limit
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
  const faults = new FaultQueue();
  const limiter = new SlidingWindowLimiter(config.rateLimitPerMinute);
  const stats: LarkSimStats = { tokenRequests: 0, tokensIssued: 0, auditRequests: 0, rejectedRequests: 0, rateLimited: 0, pageSizes: [] };
  const requests: LarkSimRequest[] = [];
  const pendingDelays = new Set<() => void>();
  let nextSeed = 1;

  const delay = (ms: number): Promise<void> =>
    ms <= 0
      ? Promise.resolve()
      : new Promise((resolve) => {
          const done = (): void => {
            clearTimeout(timer);
            pendingDelays.delete(done);
            resolve();
          };
          const timer = setTimeout(done, ms);
          pendingDelays.add(done);
        });

  const issueToken = async (req: IncomingMessage): Promise<SimReply> => {
    const check = tokens.checkCredentials(parseJson(await readBody(req)));
    if (!check.ok) {
      stats.rejectedRequests += 1;
      return check.reply;
    }
    const limited = limiter.hit(`${check.appId} token`, simNow());
    if (limited !== undefined) return limited;
    const { token, expireSeconds, minted } = tokens.obtain(check.appId, simNow());
    if (minted) stats.tokensIssued += 1;
    return { status: 200, body: { code: 0, msg: 'ok', tenant_access_token: token, expire: expireSeconds } };
  };

  const auditInfos = (req: IncomingMessage, query: URLSearchParams): SimReply => {
    const auth = tokens.authenticate(req.headers.authorization, simNow());
    if (!auth.ok) {
      stats.rejectedRequests += 1;
      return auth.reply;
    }
    const limited = limiter.hit(`${auth.appId} audit_infos`, simNow());
    if (limited !== undefined) return limited;
    const { reply, pageSize } = handleAuditInfos(query, {
      store,
      pages,
      nowMs: simNow(),
      maxPageSize: config.maxPageSize,
      defaultPageSize: config.defaultPageSize,
    });
    if (pageSize !== undefined) stats.pageSizes.push(pageSize);
    return reply;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(`http://127.0.0.1${req.url ?? '/'}`);
    const firstValues = new Map<string, string>();
    for (const [name, value] of url.searchParams) if (!firstValues.has(name)) firstValues.set(name, value);
    const query: Record<string, string> = Object.fromEntries(firstValues);
    const entry: LarkSimRequest = { method: req.method ?? '', path: url.pathname, query, status: 0, code: -1, at: simNow() };
    requests.push(entry);

    const endpoint: Endpoint | undefined =
      req.method === 'POST' && url.pathname === TOKEN_PATH ? 'token'
        : req.method === 'GET' && url.pathname === AUDIT_INFOS_PATH ? 'audit_infos'
          : undefined;
    if (endpoint === 'token') stats.tokenRequests += 1;
    if (endpoint === 'audit_infos') stats.auditRequests += 1;
    const fault = endpoint === undefined ? undefined : faults.take(endpoint);
    if (fault?.kind === 'hold') return; // never answered; close() ends the socket

    await delay(config.latencyMs);
    let reply = fault === undefined ? undefined : faultReply(fault, config.rateLimitPerMinute);
    if (reply === undefined) {
      if (endpoint === 'token') reply = await issueToken(req);
      else if (endpoint === 'audit_infos') reply = auditInfos(req, url.searchParams);
      else reply = { status: 404, body: { code: 404, msg: 'not found' } };
    }
    if (reply.body.code === 99991400) stats.rateLimited += 1;
    entry.code = send(res, reply, fault?.kind === 'malformed');
    entry.status = res.headersSent ? res.statusCode : 0;
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
      const seed = generateOptions.seed ?? nextSeed++;
      const events = generateAuditItems({ ...generateOptions, seed }, (id) => store.has(id));
      store.add(events, generateOptions.visibleAfterSeconds ?? 0);
      return events;
    },
    advanceClock(ms) {
      if (!Number.isFinite(ms)) throw new RangeError(`advanceClock needs a finite number of ms, got ${ms}`);
      clockOffsetMs += ms;
    },
    invalidateTokens() {
      tokens.invalidateAll();
    },
    inject(fault: LarkSimFault, injectOptions = {}) {
      faults.add(fault, injectOptions.path ?? 'audit_infos');
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const release of [...pendingDelays]) release();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
  return sim;
}
