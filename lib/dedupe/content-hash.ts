import { createHash } from 'node:crypto';

// Written as loops rather than sort/filter/map chains: DLP rows are hashed one by one on the hot path.
function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i += 1) out += (i === 0 ? '' : ',') + canonical(value[i]);
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const child = record[key];
    if (child === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(key)}:${canonical(child)}`;
    first = false;
  }
  return `${out}}`;
}

/**
 * A stable id for an item that has none: SHA-256 of its canonical JSON (keys sorted at every depth), so the
 * same row returned twice, in any key order, gets the same id.
 * @public
 */
export function contentHash(item: unknown): string {
  return createHash('sha256').update(canonical(item)).digest('base64url');
}
