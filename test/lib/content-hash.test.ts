import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { contentHash } from '../../lib/index.ts';

describe('contentHash', () => {
  it('is stable across key order at every depth and differs on any value change', () => {
    const a = { b: 1, a: { y: [1, { q: 'x', p: null }], x: 'é' } };
    const b = { a: { x: 'é', y: [1, { p: null, q: 'x' }] }, b: 1 };
    expect(contentHash(a)).toBe(contentHash(b));
    expect(contentHash({ ...a, b: 2 })).not.toBe(contentHash(a));
    expect(contentHash({ a: [1, 2] })).not.toBe(contentHash({ a: [2, 1] }));
    expect(contentHash({ a: '1' })).not.toBe(contentHash({ a: 1 }));
  });

  it('hashes the canonical JSON: keys sorted at every depth, undefined members dropped, undefined array items as null', () => {
    const item = { z: undefined, b: [undefined, { d: 1, c: 'x"y' }], a: { '\u2028k': true, e: null } };
    const canonical = '{"a":{"e":null,"\u2028k":true},"b":[null,{"c":"x\\"y","d":1}]}';
    expect(contentHash(item)).toBe(createHash('sha256').update(canonical).digest('base64url'));
  });
});
