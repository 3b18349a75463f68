import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLargeError, readBodyBytes } from '../common/body.ts';
import { isSlsError, type SlsReply } from './replies.ts';

const MAX_BODY_BYTES = 1024 * 1024;

export { BodyTooLargeError };

/** Reads a request body as bytes (payload hashes are over bytes); rejects bodies over MAX_BODY_BYTES. */
export const readBody = (req: IncomingMessage): Promise<Buffer> => readBodyBytes(req, MAX_BODY_BYTES);

/** Request headers with lowercase names, repeated ones joined by `,`. */
export function headerRecord(req: IncomingMessage): Record<string, string> {
  return Object.fromEntries(Object.entries(req.headersDistinct).map(([name, values]) => [name, (values ?? []).join(',')]));
}

/** The bytes and headers of a reply; errors are `{errorCode, errorMessage}` JSON. */
export function render(reply: SlsReply): { status: number; body: Buffer; headers: Record<string, string> } {
  if (isSlsError(reply)) {
    const body = Buffer.from(JSON.stringify({ errorCode: reply.errorCode, errorMessage: reply.errorMessage }), 'utf8');
    return { status: reply.status, body, headers: { 'content-type': 'application/json' } };
  }
  if (reply.body !== undefined) return { status: 200, body: reply.body, headers: reply.headers ?? {} };
  const body = reply.json === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(reply.json), 'utf8');
  return { status: 200, body, headers: { ...(reply.json === undefined ? {} : { 'content-type': 'application/json' }), ...reply.headers } };
}

/** Writes a rendered reply with `x-log-requestid`; returns the status sent, or 0 when the socket was gone. */
export function send(res: ServerResponse, status: number, body: Buffer, headers: Record<string, string>, requestId: string): number {
  if (res.destroyed || res.writableEnded || res.socket === null || res.socket.destroyed) return 0;
  res.writeHead(status, { ...headers, 'content-length': String(body.length), 'x-log-requestid': requestId });
  res.end(body);
  return status;
}
