import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NonceMemory, authenticate, parseV2, parseV3 } from './auth.ts';
import { generateEvents } from './data.ts';
import { EventStore, Snapshots } from './event-store.ts';
import { FaultQueue, SecondLimiter, changeAnswer, changesAnswer, faultReply } from './faults.ts';
import { BodyTooLargeError, readBody, send } from './http.ts';
import { lookupEvents } from './lookup-events.ts';
import { resolveOptions } from './options.ts';
import { AUTH_CODES, errors, isSimError, type SimReply } from './replies.ts';
import type { Pairs } from './signing.ts';
import type { ActionTrailSim, ActionTrailSimOptions, ActionTrailSimRequest, ActionTrailSimStats } from './types.ts';
import { createDelays } from '../common/delays.ts';
import { TokenAliases, resetConnection } from '../common/faults.ts';

/** Parameters of a V2 request that are not API parameters. */
const COMMON_V2 = new Set([
  'Action', 'Version', 'Format', 'AccessKeyId', 'SignatureMethod', 'SignatureVersion', 'SignatureNonce',
  'Timestamp', 'Signature', 'SecurityToken', 'RegionId', 'SignatureType',
]);

/** Query parameters plus, for a form-encoded body, its parameters (Alibaba merges both). */
function requestParams(url: URL, req: IncomingMessage, body: Buffer): { query: Pairs; all: Pairs } {
  const query = [...url.searchParams];
  const form = /^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? '')
    ? [...new URLSearchParams(body.toString('utf8'))]
    : [];
  return { query, all: [...query, ...form] };
}

function signatureOf(req: IncomingMessage, params: Pairs): ActionTrailSimRequest['signature'] {
  if (/^ACS3-/.test(req.headers.authorization ?? '')) return 'v3';
  return params.some(([name]) => name === 'Signature' || name === 'AccessKeyId') ? 'v2' : 'none';
}

/**
 * Starts an ActionTrail simulator on 127.0.0.1 answering `LookupEvents` (2020-07-06) at
 * `GET /` and `POST /`, signed with V2 (RPC HMAC-SHA1) or V3 (ACS3-HMAC-SHA256), with Alibaba's
 * parameter, paging and throttling rules. Any other method or path answers 404
 * `InvalidAction.NotFound`.
 * @public
 */
export async function startActionTrailSim(options: ActionTrailSimOptions = {}): Promise<ActionTrailSim> {
  const config = resolveOptions(options);
  let clockOffsetMs = 0;
  const simNow = (): number => config.now() + clockOffsetMs;

  const store = new EventStore();
  const snapshots = new Snapshots();
  const nonces = new NonceMemory();
  const faults = new FaultQueue();
  const aliases = new TokenAliases();
  const limiter = new SecondLimiter(config.throttlePerSecond);
  const stats: ActionTrailSimStats = { requests: 0, signatureFailures: 0, throttled: 0, byVersion: { v2: 0, v3: 0 } };
  const requests: ActionTrailSimRequest[] = [];
  const { delay, releaseAll } = createDelays();
  let nextSeed = 1;

  /** Authenticates, throttles and answers one request to `/`. */
  const answer = (req: IncomingMessage, signature: ActionTrailSimRequest['signature'], params: { query: Pairs; all: Pairs }, body: Buffer): SimReply => {
    const method = req.method ?? '';
    if (signature === 'none') return errors.incompleteSignature('Missing Signature or Authorization.');
    const parsed = signature === 'v3'
      ? parseV3({ method, query: params.query, headers: req.headersDistinct, body })
      : parseV2(method, params.all);
    if ('reply' in parsed) return parsed.reply;
    const auth = authenticate(parsed.claim, { credentials: config.credentials, nonces, nowMs: simNow() });
    if (!auth.ok) return auth.reply;
    const limited = limiter.hit(auth.accessKeyId, simNow());
    if (limited !== undefined) return limited;
    // An `empty-page` alias is signed as sent, then stands for the token it replaced.
    const apiParams = (signature === 'v3' ? params.all : params.all.filter(([name]) => !COMMON_V2.has(name)))
      .map(([name, value]): [string, string] => [name, name === 'NextToken' ? aliases.resolve(value) : value]);
    return lookupEvents(new URLSearchParams(apiParams), {
      store,
      snapshots,
      nowMs: simNow(),
      accessKeyId: auth.accessKeyId,
      maxResults: config.maxResults,
      defaultMaxResults: config.defaultMaxResults,
      retentionDays: config.retentionDays,
      visibilityDelaySeconds: config.visibilityDelaySeconds,
    });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> => {
    const url = new URL(`http://127.0.0.1${req.url ?? '/'}`);
    const method = req.method ?? '';
    const body = await readBody(req);
    const params = requestParams(url, req, body);
    const routed = url.pathname === '/' && (method === 'GET' || method === 'POST');
    const signature = routed ? signatureOf(req, params.all) : 'none';
    const entry: ActionTrailSimRequest = {
      method,
      query: Object.fromEntries([...params.all].reverse()),
      status: 0,
      code: '',
      at: simNow(),
      signature,
    };
    requests.push(entry);
    stats.requests += 1;
    if (signature !== 'none') stats.byVersion[signature] += 1;

    const fault = routed ? faults.take((f) => !changesAnswer(f)) : undefined;
    if (fault?.kind === 'hold' || fault?.kind === 'reset') {
      entry.code = fault.kind === 'hold' ? 'held' : 'reset';
      // A held request is never answered (close() ends the socket).
      if (fault.kind === 'reset') resetConnection(req);
      return;
    }
    await delay(config.latencyMs);
    let reply = (fault === undefined ? undefined : faultReply(fault)) ?? (routed ? answer(req, signature, params, body) : errors.actionNotFound());
    const sentToken = params.all.find(([name]) => name === 'NextToken')?.[1] ?? '';
    if (fault === undefined && routed && !isSimError(reply) && sentToken !== '') {
      const change = faults.take(changesAnswer);
      if (change !== undefined) reply = { ...reply, body: changeAnswer(change, reply.body, sentToken, aliases) };
    }
    if (isSimError(reply) && AUTH_CODES.has(reply.code)) stats.signatureFailures += 1;
    if (isSimError(reply) && reply.code === 'Throttling.User') stats.throttled += 1;
    const malformed = fault?.kind === 'malformed';
    entry.status = send(res, reply, requestId, malformed);
    entry.code = malformed ? 'malformed' : isSimError(reply) ? reply.code : '';
  };

  const server = createServer((req, res) => {
    const requestId = randomUUID().toUpperCase();
    handle(req, res, requestId).catch((error: unknown) => {
      const reply = error instanceof BodyTooLargeError
        ? errors.invalidParameter('body', 'The request body is too large.')
        : errors.custom(500, 'InternalError', `sim internal error: ${String(error)}`);
      send(res, reply, requestId);
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
    addEvents(events, addOptions = {}) {
      store.add(events, addOptions.visibleAfterSeconds ?? 0);
    },
    generateEvents({ visibleAfterSeconds, seed, ...rest }) {
      const events = generateEvents({ ...rest, seed: seed ?? nextSeed++ }, (id) => store.has(id));
      store.add(events, visibleAfterSeconds ?? 0);
      return events;
    },
    advanceClock(ms) {
      if (!Number.isFinite(ms)) throw new RangeError(`advanceClock needs a finite number of ms, got ${ms}`);
      clockOffsetMs += ms;
    },
    inject(fault) {
      faults.add(fault);
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
