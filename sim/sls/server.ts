import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { isIP, type AddressInfo } from 'node:net';
import { writeActionTrailEvents } from './actiontrail-logs.ts';
import { authenticate } from './auth.ts';
import { ConsumerGroups } from './consumer-groups.ts';
import { FaultQueue, SecondLimiter, corruptBody, truncateBody } from './faults.ts';
import { BodyTooLargeError, headerRecord, readBody, render, send } from './http.ts';
import { resolveOptions } from './options.ts';
import { AUTH_CODES, errors, isSlsError, type SlsReply } from './replies.ts';
import { handle, route, type Route } from './routes.ts';
import { ShardStore } from './shard-store.ts';
import type { SlsSim, SlsSimFault, SlsSimOptions, SlsSimRequest, SlsSimStats } from './types.ts';
import { createDelays } from '../common/delays.ts';
import { resetConnection } from '../common/faults.ts';

/**
 * The project a Host names: its first label, or undefined for a bare IP or `localhost`
 * (tests reach the sim as `127.0.0.1:PORT`).
 */
function projectOfHost(host: string): string | undefined {
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '');
  if (name === '' || name === 'localhost' || isIP(name) !== 0) return undefined;
  return name.split('.')[0];
}

/**
 * Starts an SLS simulator on 127.0.0.1 serving one project and logstore: ListShards, GetCursor,
 * GetCursorTime, PullLogs (LZ4 / deflate / plain protobuf) and consumer groups, signed with SLS
 * signature v1 or v4 and checked by the simulator's own code.
 * @public
 */
export async function startSlsSim(options: SlsSimOptions = {}): Promise<SlsSim> {
  const config = resolveOptions(options);
  let clockOffsetMs = 0;
  const simNow = (): number => config.now() + clockOffsetMs;
  const nowSeconds = (): number => Math.floor(simNow() / 1000);

  const store = new ShardStore(config.shards, nowSeconds(), `${config.project}/${config.logstore}`);
  const groups = new ConsumerGroups();
  const faults = new FaultQueue();
  const limiter = new SecondLimiter(config.readQpsPerShard);
  const stats: SlsSimStats = { requests: 0, pulls: 0, signatureFailures: 0, throttled: 0, byVersion: { v1: 0, v4: 0 } };
  const requests: SlsSimRequest[] = [];
  const { delay, releaseAll } = createDelays();
  let nextSeed = 1;

  const answer = (req: IncomingMessage, url: URL, body: Buffer, target: Route | undefined): SlsReply => {
    const method = req.method ?? '';
    if (target === undefined) return errors.notFound(method, url.pathname);
    const headers = headerRecord(req);
    const hostProject = projectOfHost(headers['host'] ?? '');
    if (hostProject !== undefined && hostProject !== config.project) return errors.projectNotExist(hostProject);
    const auth = authenticate({
      method,
      path: url.pathname,
      query: [...url.searchParams],
      headers,
      body,
      nowMs: simNow(),
      credentials: config.credentials,
      region: config.region,
    });
    if (auth.version !== undefined) stats.byVersion[auth.version] += 1;
    if (!auth.ok) return auth.reply;
    if (target.logstore !== config.logstore) return errors.logStoreNotExist(target.logstore);
    return handle(target, {
      store,
      groups,
      query: url.searchParams,
      body,
      acceptEncoding: headers['accept-encoding'] ?? '',
      maxCount: config.maxCount,
      nowMs: simNow(),
      readAllowed: (shard) => limiter.hit(shard, simNow()),
    });
  };

  const handleRequest = async (req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> => {
    const url = new URL(`http://127.0.0.1${req.url ?? '/'}`);
    const method = req.method ?? '';
    const entry: SlsSimRequest = {
      method,
      path: url.pathname,
      query: Object.fromEntries([...url.searchParams].reverse()),
      status: 0,
      errorCode: '',
      at: simNow(),
    };
    requests.push(entry);
    stats.requests += 1;
    const body = await readBody(req);

    const target = route(method, url.pathname, url.searchParams);
    const api = target?.api;
    const shardOfRequest = /\/shards\/(\d+)$/.exec(url.pathname)?.[1];
    const fault: SlsSimFault | undefined = api === undefined ? undefined : faults.take(api, shardOfRequest === undefined ? undefined : Number(shardOfRequest));
    if (fault?.kind === 'hold' || fault?.kind === 'reset') {
      entry.errorCode = fault.kind === 'hold' ? 'held' : 'reset';
      // A held request is never answered (close() ends the socket).
      if (fault.kind === 'reset') resetConnection(req);
      return;
    }
    await delay(config.latencyMs);
    const reply = fault?.kind === 'throttle'
      ? errors.readQuota()
      : fault?.kind === 'error'
        ? errors.custom(fault.status, fault.errorCode, fault.errorMessage)
        : answer(req, url, body, target);
    if (isSlsError(reply)) {
      if (AUTH_CODES.has(reply.errorCode)) stats.signatureFailures += 1;
      if (reply.errorCode === 'ReadQuotaExceed') stats.throttled += 1;
    } else if (api === 'PullLogs') {
      stats.pulls += 1;
    }
    const rendered = render(reply);
    const mangled = fault?.kind === 'corrupt' ? corruptBody(rendered.body) : fault?.kind === 'truncate' ? truncateBody(rendered.body) : rendered.body;
    entry.status = send(res, rendered.status, mangled, rendered.headers, requestId);
    entry.errorCode = fault?.kind === 'corrupt' || fault?.kind === 'truncate' ? fault.kind : isSlsError(reply) ? reply.errorCode : '';
  };

  const server = createServer((req, res) => {
    const requestId = randomBytes(12).toString('hex').toUpperCase();
    handleRequest(req, res, requestId).catch((error: unknown) => {
      const reply = error instanceof BodyTooLargeError
        ? errors.parameterInvalid('The request body is too large.')
        : errors.custom(500, 'InternalServerError', `sim internal error: ${String(error)}`);
      const rendered = render(reply);
      send(res, rendered.status, rendered.body, rendered.headers, requestId);
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
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    requests,
    write(shard, logGroups) {
      store.write(shard, logGroups, nowSeconds());
    },
    writeActionTrailEvents({ seed, ...rest }) {
      return writeActionTrailEvents(store, { ...rest, seed: seed ?? nextSeed++ });
    },
    splitShard(shard) {
      return store.split(shard, nowSeconds());
    },
    mergeShards(a, b) {
      return store.merge(a, b, nowSeconds());
    },
    advanceClock(ms) {
      if (!Number.isFinite(ms)) throw new RangeError(`advanceClock needs a finite number of ms, got ${ms}`);
      clockOffsetMs += ms;
    },
    inject(fault, injectOptions = {}) {
      faults.add(fault, injectOptions.api, injectOptions.shard);
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
}
