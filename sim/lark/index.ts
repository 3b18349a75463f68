/**
 * Lark simulator: a loopback HTTP server implementing the tenant_access_token, audit_infos,
 * aud_admin_logs and dlp_execute_logs rules, for tests and the demo. Independent of `lib/` by
 * design (it is the test oracle).
 */
export { startLarkSim, DEFAULT_LARK_SIM_APP, TOKEN_PATH } from './server.ts';
export { AUDIT_INFOS_PATH } from './audit-infos.ts';
export { ADMIN_LOGS_PATH } from './admin-logs.ts';
export { DLP_EXECUTE_LOGS_PATH } from './dlp-logs.ts';
export type {
  LarkSim,
  LarkSimApp,
  LarkSimEvent,
  LarkSimFault,
  LarkSimOptions,
  LarkSimRequest,
  LarkSimStats,
} from './types.ts';
export type {
  LarkSimAdminLog,
  LarkSimDlpId,
  LarkSimDlpLog,
  LarkSimEndpoint,
  LarkSimGenerateOptions,
  LarkSimTimeUnit,
} from './security-types.ts';
