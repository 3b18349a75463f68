import { describe, expect, it } from 'vitest';
import { createPreprocessor, MASK } from '../../runner/preprocess.ts';

const event = () => ({
  event_name: 'login',
  operator_name: { type: 1, value: 'alice@example.com' },
  audit_context: { ip: '10.0.0.1', terminal_type: 2, ip_list: ['10.0.0.2', '10.0.0.3'] },
  objects: [
    { object_type: 1, object_name: 'doc-a', object_owner: 'bob@example.com' },
    { object_type: 2, object_name: 'doc-b', object_owner: 'carol@example.com' },
  ],
  recipients: [],
  '@devo_pulling_id': '1732257000000',
});

describe('createPreprocessor', () => {
  it('passes events untouched (same object) when nothing is configured', () => {
    expect(createPreprocessor({})).toBeUndefined();
    expect(createPreprocessor({ obfuscate: { fields: [], mode: 'mask' }, flatten: false })).toBeUndefined();
  });

  it('masks dotted paths, through arrays, with * for every key, and leaves the source event unchanged', () => {
    const transform = createPreprocessor({ obfuscate: { fields: ['operator_name.value', 'audit_context.ip', 'audit_context.ip_list', 'objects.object_owner', 'missing.path', 'objects.*.nothing'], mode: 'mask' } })!;
    const source = event();
    const out = transform(source) as ReturnType<typeof event>;
    expect(out.operator_name).toEqual({ type: 1, value: MASK });
    expect(out.audit_context).toEqual({ ip: MASK, terminal_type: 2, ip_list: [MASK, MASK] });
    expect(out.objects.map((o) => o.object_owner)).toEqual([MASK, MASK]);
    expect(out.objects.map((o) => o.object_name)).toEqual(['doc-a', 'doc-b']);
    expect(source).toEqual(event());
    const star = createPreprocessor({ obfuscate: { fields: ['audit_context.*'], mode: 'mask' } })!(event()) as ReturnType<typeof event>;
    expect(star.audit_context).toEqual({ ip: MASK, terminal_type: MASK, ip_list: [MASK, MASK] });
  });

  it('hash mode keeps equal values equal and different values different, keyed by the salt', () => {
    const a = createPreprocessor({ obfuscate: { fields: ['objects.object_owner', 'operator_name.value'], mode: 'hash', salt: 's1' } })!;
    const b = createPreprocessor({ obfuscate: { fields: ['operator_name.value'], mode: 'hash', salt: 's2' } })!;
    const one = a(event()) as ReturnType<typeof event>;
    const two = a(event()) as ReturnType<typeof event>;
    expect(one.operator_name.value).toMatch(/^[0-9a-f]{64}$/);
    expect(one.operator_name.value).toBe(two.operator_name.value);
    expect(one.objects[0]!.object_owner).not.toBe(one.objects[1]!.object_owner);
    expect((b(event()) as ReturnType<typeof event>).operator_name.value).not.toBe(one.operator_name.value);
    expect(JSON.stringify(one)).not.toContain('example.com');
  });

  it('flattens nested objects into dotted keys (or another separator), keeping arrays and empty objects', () => {
    const out = createPreprocessor({ flatten: true })!(event());
    expect(out).toEqual({
      event_name: 'login',
      'operator_name.type': 1,
      'operator_name.value': 'alice@example.com',
      'audit_context.ip': '10.0.0.1',
      'audit_context.terminal_type': 2,
      'audit_context.ip_list': ['10.0.0.2', '10.0.0.3'],
      objects: event().objects,
      recipients: [],
      '@devo_pulling_id': '1732257000000',
    });
    expect(Object.keys(createPreprocessor({ flatten: true, flatten_separator: '_' })!({ a: { b: { c: 1 } }, d: {} }))).toEqual(['a_b_c', 'd']);
  });

  it('masks before flattening, and treats __proto__ / constructor keys as data', () => {
    const hostile = JSON.parse('{"__proto__":{"polluted":"yes","email":"x@y.z"},"constructor":{"prototype":{"p":1}},"user":{"email":"x@y.z"}}') as object;
    const out = createPreprocessor({ obfuscate: { fields: ['user.email', '__proto__.email'], mode: 'mask' }, flatten: true })!(hostile) as Record<string, unknown>;
    expect(out['user.email']).toBe(MASK);
    expect(out['__proto__.email']).toBe(MASK);
    expect(out['__proto__.polluted']).toBe('yes');
    expect(out['constructor.prototype.p']).toBe(1);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });
});
