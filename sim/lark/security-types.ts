/**
 * Public types of the simulated security_and_compliance log APIs (aud_admin_logs and
 * dlp_execute_logs). Both are known only from a reverted node-sdk code-gen commit, so every rule
 * the simulator applies beyond that typing is its own documented choice.
 */

/**
 * Unit of a log API's time parameters and item times: epoch seconds or epoch milliseconds,
 * always sent as integer strings.
 * @public
 */
export type LarkSimTimeUnit = 's' | 'ms';

/**
 * The endpoints faults and rate limits are counted by (see {@link LarkSim.inject}).
 * @public
 */
export type LarkSimEndpoint = 'audit_infos' | 'admin_log' | 'dlp_execute_log' | 'token';

/**
 * One admin log item as `GET /open-apis/security_and_compliance/v1/aud_admin_logs` returns it.
 * Items given to {@link LarkSim.addAdminLogs} may carry other fields; they are returned as given.
 * @public
 */
export interface LarkSimAdminLog {
  /** Unique, a 19-digit numeric string; the dedupe key. */
  unique_id: string;
  /** The administrator. */
  user_id: string;
  /** Top-level category of the admin console, e.g. `Member management`. */
  category_name: string;
  event_name: string;
  /** IPv4 or IPv6. */
  ip_address: string;
  /** Integer string in {@link LarkSimOptions.adminTimeUnit}. */
  create_time: string;
  /** Event detail: usually a JSON document in a string, sometimes plain text. */
  content: string;
  /** The simulator's choice (the real enum is unknown): 1 succeeded, 2 failed. */
  operation_status: number;
  [field: string]: unknown;
}

/**
 * An id-like DLP field: the Python SDK types these as int, the Go and node SDKs as string, so the
 * simulator sends numbers in some rows and strings in others (an empty id is always `''`).
 * @public
 */
export type LarkSimDlpId = string | number;

/**
 * One row as `GET /open-apis/security_and_compliance/v1/dlp_execute_logs` returns it. Rows have
 * no id; the API repeats rows (see {@link LarkSimOptions.dlpDuplicateRate}). Fields that do not
 * apply to a row are `''` (or `[]`).
 * @public
 */
export interface LarkSimDlpLog {
  /** `Messenger`, `Docs` or `Drive` (apply_module 1, 2, 3). */
  applicable_service: string;
  user_name: string;
  /** `''` in system rows. */
  user_id: LarkSimDlpId;
  trigger: string;
  /** Integer string in {@link LarkSimOptions.dlpTimeUnit}. */
  time: string;
  /** The name of the `actions` code: 0 `Allow`, 1 `Block`, … 6 `Record only (error)`. */
  system_action: string;
  sender_name: string;
  sender_id: LarkSimDlpId;
  recipient_name: string;
  recipient_id: string;
  chat_name: string;
  chat_id: LarkSimDlpId;
  /** `p2p`, `group` or `''`. */
  chat_type: string;
  group_owner_name: string;
  group_owner_id: string;
  message_id: LarkSimDlpId;
  message_content: string;
  alias_ingroup: string;
  group_description: string;
  group_tab_content: string;
  file_name: string;
  file_key: string;
  file_token: string;
  document_owner_name: string;
  document_owner_id: string;
  document_name: string;
  document_type: string;
  document_link: string;
  /** `system_scan` marks a system row, returned only with `include_system_log=true`. */
  trigger_event_type: string;
  hit_policies: Array<{ policy_id: string; policy_name: string }>;
  evidence_detail: {
    keyword_hits: string[];
    regular_hits: string[];
    sensitive_hits: string[];
    file_size_hits: string[];
    file_type_hits: string[];
    file_name_ext_hits: string[];
    secure_label_hits: string[];
    trigger_snippets: Array<{
      policy_id: string;
      detect_mode_proof_contexts: Array<{
        detect_mode: number;
        detect_name: string;
        proof_contexts: Array<{ hit_content: string; context_snippet: string }>;
        hit_count: number;
      }>;
    }>;
  };
  [field: string]: unknown;
}

/**
 * Options of the admin-log and DLP generators.
 * @public
 */
export interface LarkSimGenerateOptions {
  count: number;
  /** First second of the range (epoch seconds), used by the first item when count ≥ 1. */
  fromSeconds: number;
  /**
   * Last second of the range, used by the last item when count ≥ 2. In milliseconds, items of
   * this second are at its first millisecond, so a query ending at `toSeconds * 1000` sees them.
   */
  toSeconds: number;
  /** Default: 1, 2, 3… in turn per generator. */
  seed?: number;
  /** Makes the items late: invisible until sim time reaches their time plus this. */
  visibleAfterSeconds?: number;
}
