export { encodeDevoLine, encodeOctetCounted, toDevoJson } from './encoder.ts';
export type { DevoLineOptions } from './encoder.ts';
export { createTcpSender } from './tcp-sender.ts';
export { createTlsSender } from './tls-sender.ts';
export type { ConnectionOptions, GzipOptions, LineSender, TcpSenderOptions, TlsSenderOptions } from './types.ts';
export { gzipMembers } from './gzip.ts';
export { createHttpSender } from './http-sender.ts';
export type { HttpSender, HttpSenderOptions } from './http-sender.ts';
