/**
 * What handlers answer, and every Alibaba error the simulator sends. Codes and messages follow
 * Alibaba's where known (research/alibaba.md §1.4, §2); the ones marked UNVERIFIED are the
 * simulator's best guess.
 */

/** A successful answer; `RequestId` is added when it is sent. */
export interface SimOk {
  status: 200;
  body: Record<string, unknown>;
}

/** An error answer, sent as `{RequestId, HostId, Code, Message, Recommend}`. */
export interface SimError {
  status: number;
  code: string;
  message: string;
  headers?: Record<string, string>;
}

export type SimReply = SimOk | SimError;

export const isSimError = (reply: SimReply): reply is SimError => 'code' in reply;

const error = (status: number, code: string, message: string): SimError => ({ status, code, message });

/** The codes that count as signature failures in the stats. */
export const AUTH_CODES: ReadonlySet<string> = new Set([
  'IncompleteSignature',
  'InvalidTimeStamp.Format',
  'InvalidTimeStamp.Expired',
  'InvalidAccessKeyId.NotFound',
  'SignatureDoesNotMatch',
  'InvalidSecurityToken.MismatchWithAccessKey',
  'SignatureNonceUsed',
]);

export const errors = {
  incompleteSignature: (detail: string) =>
    error(400, 'IncompleteSignature', `The request signature does not conform to Aliyun standards. ${detail}`),
  timestampFormat: () => error(400, 'InvalidTimeStamp.Format', 'Specified time stamp or date value is not well formatted.'),
  timestampExpired: () => error(400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.'),
  accessKeyNotFound: () => error(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.'),
  signatureMismatch: (serverStringToSign: string) =>
    error(400, 'SignatureDoesNotMatch', `Specified signature is not matched with our calculation. server string to sign is:${serverStringToSign}`),
  /** UNVERIFIED: the code Alibaba sends for a missing or wrong STS token. */
  securityTokenMismatch: () =>
    error(400, 'InvalidSecurityToken.MismatchWithAccessKey', 'Specified SecurityToken mismatch with the AccessKey.'),
  nonceUsed: () => error(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.'),
  actionNotFound: () => error(404, 'InvalidAction.NotFound', 'Specified api is not found, please check your url and method.'),
  /** UNVERIFIED code. */
  invalidVersion: () => error(400, 'InvalidVersion', 'Specified parameter Version is not valid.'),
  /** MaxResults, Direction, Format: UNVERIFIED code (the API documents none for these). */
  invalidParameter: (name: string, detail = '') =>
    error(400, 'InvalidParameter', `The specified parameter ${name} is not valid.${detail === '' ? '' : ` ${detail}`}`),
  throttled: (retryAfterMs?: number): SimError => ({
    ...error(400, 'Throttling.User', 'Request was denied due to user flow control.'),
    ...(retryAfterMs === undefined ? {} : { headers: { 'x-acs-retry-after': String(retryAfterMs) } }),
  }),
  startTime: () => error(400, 'InvalidParameterStartTime', 'The parameter StartTime is invalid.'),
  endTime: () => error(400, 'InvalidParameterEndTime', 'The parameter EndTime is invalid.'),
  combination: (detail: string) => error(400, 'InvalidParameterCombination', detail),
  dateOutOfRange: () => error(400, 'InvalidParameterDateOutOfRange', 'Query time range exceeds 30 days.'),
  startTimeOutOfDate: (days: number) =>
    error(400, 'InvalidParameterStartTimeOutOfDate', `The StartTime exceeds the limit of ${days} days.`),
  startTimeExceedsCurrent: () => error(400, 'InvalidParameterStartTimeExceedsCurrent', 'The StartTime exceeds the current time.'),
  nextToken: () => error(400, 'InvalidNextToken', 'The NextToken is invalid.'),
  lookupAttributes: (detail: string) => error(400, 'InvalidLookupAttributesException', `The LookupAttribute is invalid. ${detail}`),
  custom: (status: number, code: string, message?: string) =>
    error(status, code, message ?? 'The request processing has failed due to some unknown error, exception or failure.'),
} as const;
