/**
 * What handlers answer, and every SLS error the simulator sends as `{errorCode, errorMessage}`.
 * Codes follow research/alibaba.md §3 where known; the ones marked UNVERIFIED are guesses.
 */

/** A successful answer: JSON, raw bytes (PullLogs) or nothing. */
export interface SlsOk {
  status: 200;
  json?: unknown;
  body?: Buffer;
  headers?: Record<string, string>;
}

export interface SlsError {
  status: number;
  errorCode: string;
  errorMessage: string;
}

export type SlsReply = SlsOk | SlsError;

export const isSlsError = (reply: SlsReply): reply is SlsError => 'errorCode' in reply;

const error = (status: number, errorCode: string, errorMessage: string): SlsError => ({ status, errorCode, errorMessage });

/** The codes counted as signature failures. */
export const AUTH_CODES: ReadonlySet<string> = new Set(['Unauthorized', 'SignatureNotMatch', 'RequestTimeExpired']);

export const errors = {
  /** Missing or malformed auth parts, unknown AccessKey, STS token mismatch (one code for all: UNVERIFIED). */
  unauthorized: (message: string) => error(401, 'Unauthorized', message),
  signatureNotMatch: (serverStringToSign: string) =>
    error(401, 'SignatureNotMatch', `signature is not matched, server string to sign is:${serverStringToSign}`),
  timeExpired: () => error(400, 'RequestTimeExpired', 'Request time is expired, more than 15 minutes from server time.'),
  /** UNVERIFIED: code for a wrong `x-log-apiversion`. */
  apiVersion: (value: string) => error(400, 'InvalidAPIVersion', `x-log-apiversion ${value} is not supported, use 0.6.0`),
  projectNotExist: (project: string) => error(404, 'ProjectNotExist', `The Project does not exist : ${project}`),
  logStoreNotExist: (logstore: string) => error(404, 'LogStoreNotExist', `logstore ${logstore} does not exist`),
  shardNotExist: (shard: string) => error(404, 'ShardNotExist', `shard ${shard} does not exist`),
  invalidCursor: (detail: string) => error(400, 'InvalidCursor', `cursor is invalid: ${detail}`),
  parameterInvalid: (message: string) => error(400, 'ParameterInvalid', message),
  /** UNVERIFIED: research names `ShardReadQuotaExceed` and a project 403 "Read QPS Exceed"; we send this. */
  readQuota: () => error(403, 'ReadQuotaExceed', 'shard read quota exceed'),
  notFound: (method: string, path: string) => error(404, 'RequestNotSupported', `${method} ${path} is not supported`),
  consumerGroupExist: (name: string) => error(400, 'ConsumerGroupAlreadyExist', `consumer group ${name} already exists`),
  consumerGroupNotExist: (name: string) => error(404, 'ConsumerGroupNotExist', `consumer group ${name} does not exist`),
  /** UNVERIFIED: updating a checkpoint of a shard the consumer does not hold. */
  consumerNotMatch: (consumer: string, shard: number) =>
    error(400, 'ConsumerNotMatch', `consumer ${consumer} does not hold shard ${shard}`),
  custom: (status: number, errorCode: string, errorMessage?: string) =>
    error(status, errorCode, errorMessage ?? 'internal server error'),
} as const;
