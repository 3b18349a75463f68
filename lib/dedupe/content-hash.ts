import { createHash } from 'node:crypto';

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * A stable id for an item that has none: SHA-256 of its canonical JSON (keys sorted at every depth), so the
 * same row returned twice, in any key order, gets the same id.
 * @public
 */
export function contentHash(item: unknown): string {
  return createHash('sha256').update(canonical(item)).digest('base64url');
}
