import { describe, expect, it } from 'vitest';
import { encodeDevoLine, encodeOctetCounted } from '../../lib/devo/index.ts';
import { parseDevoLine } from '../../sim/devo/index.ts';

const at = new Date('2026-11-22T06:32:47.123Z');

describe('encodeDevoLine', () => {
  it('writes <PRI>ISO-timestamp hostname tag: json and a newline', () => {
    const line = encodeDevoLine('app.lark.audit.event', { unique_id: 'u1', n: 1 }, { hostname: 'collector-1', timestamp: at });
    expect(line).toBe('<14>2026-11-22T06:32:47.123Z collector-1 app.lark.audit.event: {"unique_id":"u1","n":1}\n');
  });

  it('takes the priority and defaults the timestamp to now, in UTC with milliseconds', () => {
    const before = Date.now();
    const line = encodeDevoLine('my.app.test', 'x', { hostname: 'h', priority: 13 });
    const parsed = parseDevoLine(line.slice(0, -1));
    expect(parsed.priority).toBe(13);
    expect(parsed.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Date.parse(parsed.timestamp)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(parsed.timestamp)).toBeLessThanOrEqual(Date.now());
  });

  it('keeps one event on one line when JSON values hold newlines, and the receiver reads the value back', () => {
    const event = { message: 'first\nsecond\r\nthird', nested: { list: ['a\nb', '\u2028'] }, quote: '"\\' };
    const line = encodeDevoLine('my.app.test', event, { hostname: 'h', timestamp: at });
    expect(line.indexOf('\n')).toBe(line.length - 1);
    expect(line).not.toContain('\r');
    expect(parseDevoLine(line.slice(0, -1)).json).toEqual(event);
  });

  it('sends a string event as is, with CR and LF escaped', () => {
    expect(encodeDevoLine('t.a.g', 'plain text: with colon', { hostname: 'h', timestamp: at })).toBe('<14>2026-11-22T06:32:47.123Z h t.a.g: plain text: with colon\n');
    const line = encodeDevoLine('t.a.g', 'line1\nline2\r\nline3\r', { hostname: 'h', timestamp: at });
    expect(line).toBe('<14>2026-11-22T06:32:47.123Z h t.a.g: line1\\nline2\\r\\nline3\\r\n');
    expect(parseDevoLine(line.slice(0, -1)).message).toBe('line1\\nline2\\r\\nline3\\r');
  });

  it('encodes a pre-serialised JSON string unchanged', () => {
    const json = JSON.stringify({ a: 'x\ny' });
    const line = encodeDevoLine('t.a.g', json, { hostname: 'h', timestamp: at });
    expect(parseDevoLine(line.slice(0, -1)).json).toEqual({ a: 'x\ny' });
  });

  it('rejects bad tags, hostnames, priorities, timestamps and events', () => {
    const ok = { hostname: 'h' };
    expect(() => encodeDevoLine('', {}, ok)).toThrow(TypeError);
    expect(() => encodeDevoLine('my tag', {}, ok)).toThrow(TypeError);
    expect(() => encodeDevoLine('my.tag\n', {}, ok)).toThrow(TypeError);
    expect(() => encodeDevoLine('my.tag', {}, { hostname: 'my host' })).toThrow(TypeError);
    expect(() => encodeDevoLine('my.tag', {}, { hostname: '' })).toThrow(TypeError);
    expect(() => encodeDevoLine('my.tag', undefined, ok)).toThrow(TypeError);
    expect(() => encodeDevoLine('my.tag', () => 1, ok)).toThrow(TypeError);
    expect(() => encodeDevoLine('my.tag', {}, { hostname: 'h', priority: 192 })).toThrow(RangeError);
    expect(() => encodeDevoLine('my.tag', {}, { hostname: 'h', priority: 1.5 })).toThrow(RangeError);
    expect(() => encodeDevoLine('my.tag', {}, { hostname: 'h', timestamp: new Date(Number.NaN) })).toThrow(RangeError);
    // A bad value after a good one is still caught (validation results are cached).
    encodeDevoLine('good.tag', {}, ok);
    expect(() => encodeDevoLine('bad tag', {}, ok)).toThrow(TypeError);
  });

  it('gives each line its own timestamp', () => {
    const a = encodeDevoLine('t', 1, { hostname: 'h', timestamp: new Date(0) });
    const b = encodeDevoLine('t', 1, { hostname: 'h', timestamp: new Date(1) });
    expect(a).toBe('<14>1970-01-01T00:00:00.000Z h t: 1\n');
    expect(b).toBe('<14>1970-01-01T00:00:00.001Z h t: 1\n');
  });

  it('encodes 100,000 events in well under a second', () => {
    const event = { unique_id: '7123456789', event_name: 'login', operator: { type: 1, value: 'ou_1' }, ip: '10.0.0.1' };
    const started = performance.now();
    let bytes = 0;
    for (let i = 0; i < 100_000; i += 1) bytes += encodeDevoLine('app.lark.audit.event', event, { hostname: 'collector-1' }).length;
    expect(bytes).toBeGreaterThan(0);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('encodeOctetCounted', () => {
  it('prefixes the UTF-8 byte length of the whole line, newline included', () => {
    const line = encodeDevoLine('t.a.g', { city: 'Zürich', emoji: '🙂' }, { hostname: 'h', timestamp: at });
    const framed = encodeOctetCounted(line);
    const [count, ...rest] = framed.split(' ');
    expect(Number(count)).toBe(Buffer.byteLength(line));
    expect(Number(count)).toBeGreaterThan(line.length); // multi-byte characters count as bytes
    expect(rest.join(' ')).toBe(line);
    expect(encodeOctetCounted('<14>x h t: a\n')).toBe('13 <14>x h t: a\n');
  });
});

describe('toDevoJson', () => {
  it('writes U+2028 and U+2029 as JSON escapes, losslessly, every time', async () => {
    const { toDevoJson } = await import('../../lib/index.ts');
    for (let i = 0; i < 3; i += 1) {
      const json = toDevoJson({ a: 'x\u2028y', b: ['\u2029'] });
      expect(json).toBe('{"a":"x\\u2028y","b":["\\u2029"]}');
      expect(JSON.parse(json)).toEqual({ a: 'x\u2028y', b: ['\u2029'] });
    }
    expect(toDevoJson({ plain: 1 })).toBe('{"plain":1}');
  });
});
