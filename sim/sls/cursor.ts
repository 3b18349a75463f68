/**
 * Opaque cursors. Real SLS cursors are base64 of a 19-digit decimal (`MTQ0NzI5OTYwNjg5NjYzMjM1Ng==`);
 * ours look the same and carry (shard, offset in log groups), so a cursor from one shard is
 * refused on another.
 */
const BASE = 1_500_000_000_000_000_000n;
const SHARD_STRIDE = 1_000_000_000_000n;

export function encodeCursor(shard: number, offset: number): string {
  return Buffer.from(String(BASE + BigInt(shard) * SHARD_STRIDE + BigInt(offset)), 'utf8').toString('base64');
}

/** The (shard, offset) a cursor names, or undefined when it is not one of ours. */
export function decodeCursor(cursor: string): { shard: number; offset: number } | undefined {
  const text = Buffer.from(cursor, 'base64').toString('utf8');
  if (!/^\d{19,}$/.test(text)) return undefined;
  const value = BigInt(text) - BASE;
  if (value < 0n || encodeCursor(Number(value / SHARD_STRIDE), Number(value % SHARD_STRIDE)) !== cursor) return undefined;
  return { shard: Number(value / SHARD_STRIDE), offset: Number(value % SHARD_STRIDE) };
}
