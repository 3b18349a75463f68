const UTC_SECOND = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;

/** `YYYY-MM-DDThh:mm:ssZ` as epoch ms, or undefined when malformed or not a real date. */
export function parseUtcSecond(text: string): number | undefined {
  const m = UTC_SECOND.exec(text);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  return new Date(ms).toISOString() === `${text.slice(0, -1)}.000Z` ? ms : undefined;
}

/** Epoch seconds as `YYYY-MM-DDThh:mm:ssZ`. */
export function formatUtcSecond(second: number): string {
  return new Date(second * 1000).toISOString().replace('.000Z', 'Z');
}
