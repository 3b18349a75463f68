import { createHash } from 'node:crypto';

/**
 * The sorted order of one list of keys, with each key already written as `"key":`. Rows of one API share
 * a handful of shapes, so sorting and quoting the keys is done once per shape instead of once per object.
 */
interface Shape {
  readonly keys: readonly string[];
  /** Indexes into `keys`, in sorted key order. */
  readonly order: readonly number[];
  /** `"key":` for each key, in sorted order. */
  readonly quoted: readonly string[];
}

/** Shapes by their first key; bounded, so arbitrary input cannot grow it without limit. */
const shapes = new Map<string, Shape[]>();
const MAX_SHAPES = 512;
let shapeCount = 0;

function shapeOf(keys: readonly string[]): Shape {
  const first = keys[0] ?? '';
  const known = shapes.get(first);
  if (known !== undefined) {
    candidates: for (const shape of known) {
      if (shape.keys.length !== keys.length) continue;
      for (let i = 0; i < keys.length; i += 1) if (shape.keys[i] !== keys[i]) continue candidates;
      return shape;
    }
  }
  const sorted = [...keys].sort();
  const position = new Map(keys.map((key, index) => [key, index]));
  const shape: Shape = { keys, order: sorted.map((key) => position.get(key)!), quoted: sorted.map((key) => `${JSON.stringify(key)}:`) };
  if (shapeCount < MAX_SHAPES) {
    shapeCount += 1;
    if (known === undefined) shapes.set(first, [shape]);
    else known.push(shape);
  }
  return shape;
}

// Written as loops rather than sort/filter/map chains: DLP rows are hashed one by one on the hot path.
function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i += 1) out += (i === 0 ? '' : ',') + canonical(value[i]);
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  const { order, quoted } = shapeOf(keys);
  let out = '{';
  let first = true;
  for (let i = 0; i < order.length; i += 1) {
    const child = record[keys[order[i]!]!];
    if (child === undefined) continue;
    out += (first ? '' : ',') + quoted[i]! + canonical(child);
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
