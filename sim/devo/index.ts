export { parseDevoLine, startLineReceiver } from './receiver.ts';
export type { DevoLine, LineReceiver, LineReceiverOptions } from './receiver.ts';
export { startDevoHttpReceiver } from './http-receiver.ts';
export type { DevoHttpEvent, DevoHttpReceiver } from './http-receiver.ts';
export { startInflatingRelay } from './relay.ts';
export type { InflatingRelay, InflatingRelayOptions } from './relay.ts';
export { startTlsWatch } from './tls-watch.ts';
export type { TlsWatch } from './tls-watch.ts';
