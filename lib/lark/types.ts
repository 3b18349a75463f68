import type { components } from './generated/schema.ts';

/**
 * One behaviour audit log (`GET /open-apis/admin/v1/audit_infos` item).
 * @public
 */
export type AuditInfo = components['schemas']['AuditInfo'];

/**
 * The minimal store the token cache needs. A `Keyv` instance satisfies it, so the token can be shared
 * by every service of an input and by several processes (SQLite, Redis, Postgres).
 * @public
 */
export interface TokenStore {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown, ttlMs?: number): Promise<unknown>;
  delete(key: string): Promise<unknown>;
}

/**
 * One page of a paginated list.
 * @public
 */
export interface Page<T> {
  readonly items: readonly T[];
  /** The token for the next page, when there is one. */
  readonly nextPageToken: string | undefined;
  readonly hasMore: boolean;
}

/**
 * One admin log (`GET /open-apis/security_and_compliance/v1/aud_admin_logs` item).
 * @public
 */
export type AdminLog = components['schemas']['AdminLog'];

/**
 * One DLP execution log row (`GET /open-apis/security_and_compliance/v1/dlp_execute_logs` item). No id.
 * @public
 */
export type DlpExecuteLog = components['schemas']['DlpExecuteLog'];
