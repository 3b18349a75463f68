/**
 * Lark simulator: a loopback HTTP server implementing the tenant_access_token and audit_infos
 * rules, for tests and the demo. Independent of `lib/` by design (it is the test oracle).
 */
export { startLarkSim, DEFAULT_LARK_SIM_APP, TOKEN_PATH } from './server.ts';
export { AUDIT_INFOS_PATH } from './audit-infos.ts';
export type {
  LarkSim,
  LarkSimApp,
  LarkSimEvent,
  LarkSimFault,
  LarkSimOptions,
  LarkSimRequest,
  LarkSimStats,
} from './types.ts';
