/**
 * Alibaba's signature errors (ActionTrail `SignatureDoesNotMatch`, SLS `SignatureNotMatch`) echo the
 * server's string to sign. It holds the signed headers and parameters, the STS security token among
 * them, so it is cut from every message before it can reach a log line or an error.
 */
const STRING_TO_SIGN = /(string\s*to\s*sign\s*(is)?\s*:?)[\s\S]*$/i;

/** `message` without an echoed string to sign. */
export function redactVendorMessage(message: string): string {
  return message.replace(STRING_TO_SIGN, '$1 [omitted: it may hold the security token]');
}
