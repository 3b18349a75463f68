/**
 * The package version, sent in the User-Agent.
 * @public
 */
export const VERSION = '0.1.0';
