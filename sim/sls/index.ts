/**
 * Simple Log Service (SLS) simulator: a loopback HTTP server implementing ListShards, GetCursor,
 * GetCursorTime, PullLogs and consumer groups for one project and logstore, with SLS signature
 * v1 and v4, for tests and the demo. Independent of `lib/` by design: it is the test oracle,
 * and checks signatures and encodes protobuf with its own code.
 */
export { startSlsSim } from './server.ts';
export { DEFAULT_SLS_SIM_CREDENTIAL } from './options.ts';
export type {
  SlsSim,
  SlsSimActionTrailOptions,
  SlsSimCredential,
  SlsSimFault,
  SlsSimFaultApi,
  SlsSimLog,
  SlsSimLogGroup,
  SlsSimOptions,
  SlsSimRequest,
  SlsSimStats,
} from './types.ts';
