import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/**
 * One event received by the HTTP receiver, with the tag, host and domain from its URL.
 * @public
 */
export interface DevoHttpEvent {
  readonly domain: string;
  readonly host: string;
  readonly tag: string;
  readonly message: string;
  /** `message` parsed, when it is JSON. */
  readonly json?: unknown;
}

/**
 * A loopback stand-in for Devo's HTTP ingestion endpoint in `stream` mode:
 * `POST /stream/{domain}/token!{token}/{host}/{tag}`, newline-separated events, optional gzip body.
 * @public
 */
export interface DevoHttpReceiver {
  readonly url: string;
  readonly events: DevoHttpEvent[];
  readonly requests: number;
  /** Answer the next `count` requests with `status` (e.g. 503) without keeping their events. */
  fail(count: number, status: number): void;
  close(): Promise<void>;
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Start the receiver on 127.0.0.1. Requests with another token get 401.
 * @public
 */
export async function startDevoHttpReceiver(options: { token: string; port?: number }): Promise<DevoHttpReceiver> {
  const events: DevoHttpEvent[] = [];
  let requests = 0;
  let failures: { count: number; status: number } | undefined;
  const answer = (res: ServerResponse, status: number, text: string) => {
    res.writeHead(status, { 'Content-Type': 'text/plain' }).end(text);
  };
  const server = createServer(async (req, res) => {
    requests += 1;
    const body = await readAll(req);
    const match = /^\/stream\/([^/]+)\/token!([^/]+)\/([^/]+)\/([^/?]+)$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !match) return answer(res, 404, 'not found');
    const [, domain = '', token = '', host = '', tag = ''] = match;
    if (token !== options.token) return answer(res, 401, 'invalid token');
    if (failures && failures.count > 0) {
      failures.count -= 1;
      return answer(res, failures.status, 'injected failure');
    }
    let text: string;
    try {
      text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString('utf8');
    } catch {
      return answer(res, 400, 'bad gzip body');
    }
    for (const message of text.split('\n')) {
      if (message === '') continue;
      let json: unknown;
      try {
        json = JSON.parse(message);
      } catch {
        json = undefined;
      }
      events.push({ domain: decodeURIComponent(domain), host: decodeURIComponent(host), tag: decodeURIComponent(tag), message, ...(json === undefined ? {} : { json }) });
    }
    answer(res, 200, 'ok');
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    events,
    get requests() {
      return requests;
    },
    fail(count, status) {
      failures = { count, status };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
