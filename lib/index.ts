/**
 * auditpull: typed clients for the Lark and Alibaba Cloud audit-log APIs, dedupe and checkpoint helpers,
 * and Devo senders.
 * @packageDocumentation
 */

export { VERSION } from './version.ts';
export { noopLogger } from './log.ts';
export type { Logger, LogFields } from './log.ts';

export { AuditpullError, isAuditpullError } from './errors/auditpull-error.ts';
export { ERROR_TABLE } from './errors/codes.ts';
export type { ErrorFamily, ErrorId, ErrorInfo } from './errors/codes.ts';

export { withRetry, rateLimitDelayMs } from './http/retry.ts';
export type { RetryDecision, RetryInfo, RetryOptions } from './http/retry.ts';

export { createLarkClient } from './lark/client.ts';
export type { LarkClient, LarkClientOptions, RawResult } from './lark/client.ts';
export { createTenantTokenManager } from './lark/token-manager.ts';
export type { CachedTenantToken, TenantTokenManager, TenantTokenManagerOptions } from './lark/token-manager.ts';
export { paginateAuditInfos, paginateAdminLogs, paginateDlpExecuteLogs } from './lark/paginate.ts';
export type { AuditInfosQuery, AdminLogsQuery, DlpExecuteLogsQuery } from './lark/paginate.ts';
export { LarkError, isLarkError, classifyLarkError, LARK_INVALID_TOKEN_CODES } from './lark/errors.ts';
export type { LarkErrorKind } from './lark/errors.ts';
export type { AuditInfo, AdminLog, DlpExecuteLog, Page, TokenStore } from './lark/types.ts';
export type { paths as LarkPaths, components as LarkComponents, operations as LarkOperations } from './lark/generated/schema.ts';

export { createCheckpoint } from './checkpoint/checkpoint.ts';
export type { Checkpoint } from './checkpoint/checkpoint.ts';
export { createSqliteStore, SqliteStore } from './checkpoint/sqlite-store.ts';
export type { SqliteStoreOptions } from './checkpoint/sqlite-store.ts';
export { openStateStore } from './checkpoint/store.ts';
export type { StateStoreOptions } from './checkpoint/store.ts';
export type { StateStoreRetryOptions } from './checkpoint/transient-retry.ts';
export { createWindowedCheckpoint, loadOrInitWindowedState } from './checkpoint/windowed-state.ts';
export type { WindowedState } from './checkpoint/windowed-state.ts';
export { pullWindows } from './checkpoint/windowed-pull.ts';
export type { PullWindowsOptions, PullStats, TimeWindow } from './checkpoint/windowed-pull.ts';
export { createChunkedSeenSet } from './dedupe/seen-set.ts';
export type { ChunkedSeenSet } from './dedupe/seen-set.ts';
export { contentHash } from './dedupe/content-hash.ts';

export { encodeDevoLine, encodeOctetCounted, toDevoJson, createTcpSender, createTlsSender, createHttpSender, gzipMembers } from './devo/index.ts';
export type { HttpSender, HttpSenderOptions } from './devo/index.ts';
export type { DevoLineOptions, ConnectionOptions, GzipOptions, LineSender, TcpSenderOptions, TlsSenderOptions } from './devo/index.ts';

export type { AlibabaCredentials, SignatureVersion } from './alibaba/sign.ts';
export { percentEncode, canonicalQueryString } from './alibaba/encode.ts';
export { signRpcRequest, rpcStringToSign, rpcSignature } from './alibaba/rpc-sign.ts';
export type { RpcSignInput } from './alibaba/rpc-sign.ts';
export { signV3Request, v3CanonicalRequest, v3StringToSign, v3Signature, v3SignedHeaders } from './alibaba/v3-sign.ts';
export type { V3SignInput, V3CanonicalRequestInput } from './alibaba/v3-sign.ts';

export { createActionTrailClient } from './actiontrail/client.ts';
export type { ActionTrailClient, ActionTrailClientOptions } from './actiontrail/client.ts';
export { paginateLookupEvents } from './actiontrail/paginate.ts';
export type { LookupEventsQuery } from './actiontrail/paginate.ts';
export { ActionTrailError, isActionTrailError, classifyActionTrailError } from './actiontrail/errors.ts';
export type { ActionTrailErrorKind } from './actiontrail/errors.ts';
export type { ActionTrailEvent, LookupAttribute } from './actiontrail/types.ts';
export type { paths as ActionTrailPaths, components as ActionTrailComponents } from './actiontrail/generated/schema.ts';

export { createShardCursorCheckpoint } from './checkpoint/shard-state.ts';
export type { ShardCursor, ShardCursorState } from './checkpoint/shard-state.ts';
export { createSlsClient, SlsError, isSlsError, classifySlsError } from './sls/client.ts';
export type { SlsClient, SlsClientOptions, SlsShard, PullLogsResult } from './sls/client.ts';
export { decodePullLogsBody, flattenLogGroups, SLS_MAX_RAW_SIZE } from './sls/decode.ts';
export type { SlsLog, SlsLogGroup, SlsCompressType } from './sls/decode.ts';
export { SlsDecodeError, isSlsDecodeError } from './sls/errors.ts';
export { signSlsV1 } from './sls/sign-v1.ts';
export { signSlsV4 } from './sls/sign-v4.ts';
export type { paths as SlsPaths, components as SlsComponents } from './sls/generated/schema.ts';
