import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLargeError, readBodyBytes } from '../common/body.ts';
import { BAD_UTF8 } from './faults.ts';
import type { SimReply } from './types.ts';

const MAX_BODY_BYTES = 64 * 1024;

export { BodyTooLargeError };

/** Reads a request body as text; rejects bodies over {@link MAX_BODY_BYTES}. */
export async function readBody(req: IncomingMessage): Promise<string> {
  return (await readBodyBytes(req, MAX_BODY_BYTES)).toString('utf8');
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Writes a reply; `malformed` sends HTTP 200 with the JSON cut in half, `bad-utf8` turns the
 * {@link BAD_UTF8} placeholders into their invalid bytes. Returns the code logged.
 */
export function send(res: ServerResponse, reply: SimReply, mangle?: 'malformed' | 'bad-utf8'): number {
  if (res.destroyed || res.writableEnded || res.socket === null || res.socket.destroyed) return -1;
  const malformed = mangle === 'malformed';
  const json = JSON.stringify(reply.body);
  let body = Buffer.from(malformed ? json.slice(0, Math.ceil(json.length / 2)) : json, 'utf8');
  if (mangle === 'bad-utf8') {
    for (const [placeholder, bytes] of BAD_UTF8) {
      const at = body.indexOf(placeholder);
      if (at >= 0) body = Buffer.concat([body.subarray(0, at), bytes, body.subarray(at + placeholder.length)]);
    }
  }
  res.writeHead(malformed ? 200 : reply.status, {
    ...reply.headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(body.length),
    'x-tt-logid': randomBytes(16).toString('hex'),
  });
  res.end(body);
  return malformed ? -1 : reply.body.code;
}
