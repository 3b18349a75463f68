export { parseDevoLine, startLineReceiver } from './receiver.ts';
export type { DevoLine, LineReceiver, LineReceiverOptions } from './receiver.ts';
