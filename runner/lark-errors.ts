import { AuditpullError, classifyLarkError, isAuditpullError, isLarkError, type LarkError } from '../lib/index.ts';

function describe(error: LarkError): string {
  const parts = [error.status === undefined ? undefined : `HTTP ${error.status}`, error.code === undefined ? undefined : `Lark code ${error.code}`, error.msg, error.logId ? `log_id ${error.logId}` : undefined];
  return parts.filter(Boolean).join(', ');
}

/** Lark refused the request for a reason a retry cannot fix (credentials, scope, parameters). */
const refused = (error: LarkError) => error.kind === 'api' && classifyLarkError(error).kind === 'fatal';

/**
 * Map an error from the setup phase to the Devo collector's ids. Token: 100 (Lark refused the credentials),
 * 101 (no answer, or an error that retries did not clear: 5xx, rate limit), 102 (not a token response).
 * First fetch: 103 (Lark refused it), 104 (anything that may clear). Only 100, 102 and 103 are fatal.
 */
export function toLarkSetupError(error: unknown, what: string): AuditpullError {
  if (isAuditpullError(error)) return error;
  if (!isLarkError(error)) return new AuditpullError(104, `Some error occurred while fetching ${what} from Lark server. Error details: ${String(error)}`, { cause: error });
  const detail = { status: error.status, code: error.code, logId: error.logId };
  if (error.operation === 'tenant_access_token') {
    if (refused(error)) return new AuditpullError(100, `HTTP error occurred while generating auth token from Lark server (${describe(error)}): check app_id and app_secret`, { cause: error, detail });
    if (error.kind === 'malformed') return new AuditpullError(102, `Unable to generate auth token with status code as ${error.status ?? 'unknown'} (${describe(error)})`, { cause: error, detail });
    return new AuditpullError(101, `Some error occurred while generating auth token from Lark server. Error details: ${describe(error)}`, { cause: error, detail });
  }
  if (refused(error)) return new AuditpullError(103, `HTTP Error occurred while fetching ${what} from Lark server (${describe(error)})`, { cause: error, detail });
  return new AuditpullError(104, `Some error occurred while fetching ${what} from Lark server. Error details: ${describe(error)}`, { cause: error, detail });
}

/**
 * Map an error of a pull to PullError 300 (Lark answered with an error) or 301 (anything else). A token
 * refused mid-run (credentials revoked) keeps its setup id 100.
 */
export function toLarkPullError(error: unknown, what: string): AuditpullError {
  if (isAuditpullError(error)) return error;
  if (isLarkError(error) && error.operation === 'tenant_access_token' && refused(error)) return toLarkSetupError(error, what);
  if (isLarkError(error) && error.kind === 'api') {
    return new AuditpullError(300, `HTTP error occurred while fetching ${what} from Lark server (${describe(error)})`, { cause: error, detail: { status: error.status, code: error.code, logId: error.logId } });
  }
  const details = isLarkError(error) ? describe(error) : String(error);
  return new AuditpullError(301, `Some error occurred while fetching ${what} from Lark server. Error details: ${details}`, { cause: error });
}
