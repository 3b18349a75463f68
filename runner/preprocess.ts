/**
 * Optional per-service preprocessing before events reach the outputs, as the Devo collectors offer:
 * masking fields (user emails, IPs) by dotted path, and flattening nested objects into dotted keys.
 * Paths are walked through arrays (each element gets the rest of the path), `*` matches every key,
 * and only own properties are followed, so keys like `__proto__` in vendor data are plain data.
 */
import { createHmac } from 'node:crypto';
import type { Outputs } from './delivery.ts';

export interface PreprocessConfig {
  readonly obfuscate?: { readonly fields: readonly string[]; readonly mode: 'mask' | 'hash'; readonly salt?: string | undefined } | undefined;
  readonly flatten?: boolean | undefined;
  readonly flatten_separator?: string | undefined;
}

export const MASK = '***';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Replace = (value: Json) => Json;

function isObject(value: unknown): value is Record<string, Json> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Replaces, in place, every value `path` reaches below `node`. */
function replaceAt(node: Json, path: readonly string[], replace: Replace): void {
  if (Array.isArray(node)) {
    for (const item of node) replaceAt(item, path, replace);
    return;
  }
  if (!isObject(node) || path.length === 0) return;
  const [head, ...rest] = path as [string, ...string[]];
  const keys = head === '*' ? Object.keys(node) : Object.hasOwn(node, head) ? [head] : [];
  for (const key of keys) {
    const value = node[key]!;
    if (rest.length > 0) replaceAt(value, rest, replace);
    else if (value !== null) Object.defineProperty(node, key, { value: Array.isArray(value) ? value.map(replace) : replace(value), enumerable: true, writable: true, configurable: true });
  }
}

/** Nested objects become dotted keys; arrays and empty objects stay values. */
function flattenInto(out: Record<string, Json>, prefix: string, value: Json, separator: string): void {
  if (isObject(value) && Object.keys(value).length > 0) {
    for (const [key, child] of Object.entries(value)) flattenInto(out, prefix === '' ? key : `${prefix}${separator}${key}`, child, separator);
  } else {
    // defineProperty: a key named `__proto__` must become data, not the result's prototype.
    Object.defineProperty(out, prefix, { value, enumerable: true, writable: true, configurable: true });
  }
}

/**
 * The event transform of one service, or undefined when it has none (then events pass untouched).
 * Obfuscation runs first, so its paths name fields as the vendor sends them.
 */
export function createPreprocessor(config: PreprocessConfig): ((event: object) => object) | undefined {
  const steps: Array<(event: Json) => Json> = [];
  const obfuscate = config.obfuscate;
  if (obfuscate && obfuscate.fields.length > 0) {
    const paths = obfuscate.fields.map((field) => field.split('.'));
    const salt = obfuscate.salt ?? '';
    // A keyed hash keeps values correlatable in Devo without a dictionary attack on, say, emails.
    const replace: Replace = obfuscate.mode === 'hash' ? (value) => createHmac('sha256', salt).update(JSON.stringify(value)).digest('hex') : () => MASK;
    steps.push((event) => {
      const copy = structuredClone(event);
      for (const path of paths) replaceAt(copy, path, replace);
      return copy;
    });
  }
  if (config.flatten) {
    const separator = config.flatten_separator ?? '.';
    steps.push((event) => {
      const out: Record<string, Json> = {};
      flattenInto(out, '', event, separator);
      return out;
    });
  }
  if (steps.length === 0) return undefined;
  return (event) => steps.reduce<Json>((value, step) => step(value), event as Json) as object;
}

/** `outputs` with `transform` applied to every event a service delivers. */
export function withPreprocessing(outputs: Outputs, transform: ((event: object) => object) | undefined): Outputs {
  if (transform === undefined) return outputs;
  return { ...outputs, deliver: (tag, events) => outputs.deliver(tag, events.map(transform)) };
}
