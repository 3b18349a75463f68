/** The SLS data-plane API version both signatures send. @internal */
export const SLS_API_VERSION = '0.6.0';

/**
 * Header names lowercased, so a caller's `Accept` and the signer's `accept` cannot both reach the
 * wire and the canonical forms look values up by one spelling.
 * @internal
 */
export function lowerCaseHeaders(headers: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers) for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value;
  return out;
}

/** Code-unit order, which is byte order for the ASCII names SLS signs; `localeCompare` is not. @internal */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether a lowercased header name is one SLS signs as a "log header". @internal */
export function isLogHeader(name: string): boolean {
  return name.startsWith('x-log-') || name.startsWith('x-acs-');
}
