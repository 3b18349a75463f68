import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLargeError, readBodyBytes } from '../common/body.ts';
import { isSimError, type SimReply } from './replies.ts';

/** The region the simulator pretends to be, as shown in `HostId`. */
export const SIM_REGION = 'cn-hangzhou';
const HOST_ID = `actiontrail.${SIM_REGION}.aliyuncs.com`;
const MAX_BODY_BYTES = 64 * 1024;

export { BodyTooLargeError };

/** Reads a request body as bytes (payload hashes are over bytes); rejects bodies over MAX_BODY_BYTES. */
export const readBody = (req: IncomingMessage): Promise<Buffer> => readBodyBytes(req, MAX_BODY_BYTES);

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
