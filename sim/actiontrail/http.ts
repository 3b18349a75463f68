import type { IncomingMessage, ServerResponse } from 'node:http';
import { isSimError, type SimReply } from './replies.ts';

/** The region the simulator pretends to be, as shown in `HostId`. */
export const SIM_REGION = 'cn-hangzhou';
const HOST_ID = `actiontrail.${SIM_REGION}.aliyuncs.com`;
const MAX_BODY_BYTES = 64 * 1024;

export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
}

/** Reads a request body as bytes (the V3 payload hash is over bytes); rejects large bodies. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLargeError('request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The JSON body of a reply, with the request id first as Alibaba sends it. */
function bodyOf(reply: SimReply, requestId: string): Record<string, unknown> {
  if (!isSimError(reply)) return { RequestId: requestId, ...reply.body };
  return {
    RequestId: requestId,
    HostId: HOST_ID,
    Code: reply.code,
    Message: reply.message,
    Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(reply.code)}&product=Actiontrail&requestId=${requestId}`,
  };
}

/**
 * Writes a reply with `x-acs-request-id`; `malformed` sends HTTP 200 with the JSON cut in half.
 * Returns the status sent, or 0 when the socket was already gone.
 */
export function send(res: ServerResponse, reply: SimReply, requestId: string, malformed = false): number {
  if (res.destroyed || res.writableEnded || res.socket === null || res.socket.destroyed) return 0;
  const json = JSON.stringify(bodyOf(reply, requestId));
  const body = Buffer.from(malformed ? json.slice(0, Math.ceil(json.length / 2)) : json, 'utf8');
  const status = malformed ? 200 : reply.status;
  res.writeHead(status, {
    ...(isSimError(reply) ? reply.headers : {}),
    'content-type': 'application/json;charset=utf-8',
    'content-length': String(body.length),
    'x-acs-request-id': requestId,
  });
  res.end(body);
  return status;
}
