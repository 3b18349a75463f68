import { AuditpullError, classifyActionTrailError, isActionTrailError, isAuditpullError, type ActionTrailError } from '../lib/index.ts';

/** POP codes that mean the AccessKey pair (or its signature) is not accepted. */
const CREDENTIAL_CODES = /^(InvalidAccessKeyId|SignatureDoesNotMatch|IncompleteSignature|InvalidSecurityToken|InvalidTimeStamp|Forbidden\.AccessKeyDisabled)/;

function describe(error: ActionTrailError): string {
  const parts = [error.status === undefined ? undefined : `HTTP ${error.status}`, error.code, error.message.replace(/^ActionTrail LookupEvents failed \([^)]*\):? ?/, ''), error.requestId ? `RequestId ${error.requestId}` : undefined];
  return parts.filter(Boolean).join(', ');
}

/**
 * Setup (first LookupEvents): 100 Alibaba refused the AccessKey or its signature, 101 no answer,
 * 102 an answer that is not ActionTrail's, 103 refused for another reason (RAM permission, parameters),
 * 104 a failure retries did not clear (throttling, 5xx). 100, 102 and 103 are fatal.
 */
export function toActionTrailSetupError(error: unknown): AuditpullError {
  if (isAuditpullError(error)) return error;
  if (!isActionTrailError(error)) return new AuditpullError(104, `Some error occurred while fetching actiontrail logs from Alibaba Cloud. Error details: ${String(error)}`, { cause: error });
  const detail = { status: error.status, code: error.code, requestId: error.requestId };
  if (error.kind === 'network') return new AuditpullError(101, `Alibaba Cloud ActionTrail could not be reached: ${describe(error)}`, { cause: error, detail });
  if (error.kind === 'malformed') return new AuditpullError(102, `Alibaba Cloud ActionTrail answered something that is not a LookupEvents response: ${describe(error)}`, { cause: error, detail });
  if (classifyActionTrailError(error).kind !== 'fatal') return new AuditpullError(104, `ActionTrail kept failing: ${describe(error)}`, { cause: error, detail });
  if (error.code && CREDENTIAL_CODES.test(error.code)) {
    return new AuditpullError(100, `Alibaba Cloud refused the credentials (${describe(error)}): check access_key_id and access_key_secret${/Time(Stamp|Expired)/.test(error.code ?? '') ? ', and this machine\'s clock (more than 15 minutes off)' : ''}`, { cause: error, detail });
  }
  return new AuditpullError(103, `Alibaba Cloud refused LookupEvents (${describe(error)}): the RAM user needs actiontrail:LookupEvents`, { cause: error, detail });
}

/** A pull: 300 ActionTrail answered with an error, 301 anything else; refused credentials stay 100. */
export function toActionTrailPullError(error: unknown): AuditpullError {
  if (isAuditpullError(error)) return error;
  if (isActionTrailError(error) && error.kind === 'api') {
    if (classifyActionTrailError(error).kind === 'fatal' && error.code && CREDENTIAL_CODES.test(error.code)) return toActionTrailSetupError(error);
    return new AuditpullError(300, `HTTP error occurred while fetching actiontrail logs from Alibaba Cloud (${describe(error)})`, { cause: error, detail: { status: error.status, code: error.code, requestId: error.requestId } });
  }
  const details = isActionTrailError(error) ? describe(error) : String(error);
  return new AuditpullError(301, `Some error occurred while fetching actiontrail logs from Alibaba Cloud. Error details: ${details}`, { cause: error });
}
