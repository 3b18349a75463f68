/**
 * ActionTrail simulator: a loopback HTTP server implementing `LookupEvents` (2020-07-06) with
 * both Alibaba signature versions (V2 RPC HMAC-SHA1 and V3 ACS3-HMAC-SHA256), for tests and the
 * demo. Independent of `lib/` by design: it is the test oracle, and checks signatures with its
 * own code.
 */
export { startActionTrailSim } from './server.ts';
export { DEFAULT_ACTIONTRAIL_SIM_CREDENTIAL } from './options.ts';
export type {
  ActionTrailSim,
  ActionTrailSimCredential,
  ActionTrailSimFault,
  ActionTrailSimGenerateOptions,
  ActionTrailSimOptions,
  ActionTrailSimRequest,
  ActionTrailSimStats,
} from './types.ts';
