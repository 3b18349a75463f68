import { AuditpullError, classifySlsError, isAuditpullError, isSlsDecodeError, isSlsError, type SlsError } from '../lib/index.ts';

/** SLS codes that mean the AccessKey pair (or its signature) is not accepted. */
const CREDENTIAL_CODES = /^(Unauthorized|SignatureNotMatch|InvalidAccessKeyId|SecurityToken|RequestTimeExpired)/;

function describe(error: SlsError): string {
  return [error.status === undefined ? undefined : `HTTP ${error.status}`, error.errorCode, error.message.replace(/^SLS [^(]*\([^)]*\):? ?/, ''), error.requestId ? `RequestId ${error.requestId}` : undefined]
    .filter(Boolean)
    .join(', ');
}

/** Setup (ListShards): 100 credentials refused, 101 no answer, 102 not SLS, 103 refused otherwise (project, logstore, permission), 104 kept failing. */
export function toSlsSetupError(error: unknown): AuditpullError {
  if (isAuditpullError(error)) return error;
  if (!isSlsError(error)) return new AuditpullError(104, `Some error occurred while reading the Log Store. Error details: ${String(error)}`, { cause: error });
  const detail = { status: error.status, code: error.errorCode, requestId: error.requestId };
  if (error.kind === 'network') return new AuditpullError(101, `Alibaba Cloud Log Service could not be reached: ${describe(error)}`, { cause: error, detail });
  if (error.kind === 'malformed') return new AuditpullError(102, `Alibaba Cloud Log Service answered something unexpected: ${describe(error)}`, { cause: error, detail });
  if (classifySlsError(error).kind !== 'fatal') return new AuditpullError(104, `Log Service kept failing: ${describe(error)}`, { cause: error, detail });
  if (error.errorCode && CREDENTIAL_CODES.test(error.errorCode)) {
    return new AuditpullError(100, `Alibaba Cloud refused the credentials (${describe(error)}): check access_key_id and access_key_secret${/TimeExpired/.test(error.errorCode ?? '') ? ', and this machine\'s clock (more than 15 minutes off)' : ''}`, { cause: error, detail });
  }
  return new AuditpullError(103, `Alibaba Cloud Log Service refused the request (${describe(error)}): check project, logstore and the RAM permissions (log:ListShards, log:GetCursorOrData)`, { cause: error, detail });
}

/** A pull: 300 SLS answered with an error, 302 a PullLogs body that stayed corrupt through retries, 301 anything else. */
export function toSlsPullError(error: unknown): AuditpullError {
  if (isAuditpullError(error)) return error;
  if (isSlsDecodeError(error)) {
    return new AuditpullError(302, `A PullLogs answer could not be decoded (${error.message}); the cursor was not moved, the next cycle reads it again`, { cause: error });
  }
  if (isSlsError(error) && error.kind === 'api') {
    if (error.errorCode && CREDENTIAL_CODES.test(error.errorCode)) return toSlsSetupError(error);
    return new AuditpullError(300, `HTTP error occurred while reading the Log Store (${describe(error)})`, { cause: error, detail: { status: error.status, code: error.errorCode, requestId: error.requestId } });
  }
  return new AuditpullError(301, `Some error occurred while reading the Log Store. Error details: ${isSlsError(error) ? describe(error) : String(error)}`, { cause: error });
}
