import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Keyv from 'keyv';
import { describe, expect, it } from 'vitest';
import { createSqliteStore, createWindowedCheckpoint, isAuditpullError, loadOrInitWindowedState, noopLogger, openStateStore } from '../../lib/index.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'auditpull-ckpt-'));

describe('SQLite state store', () => {
  it('persists values across re-opens and keeps namespaces apart', async () => {
    const path = join(dir(), 'nested', 'state.sqlite');
    const a = await openStateStore({ type: 'sqlite', path });
    await a.set('state:x', { version: 1, n: 1 });
    await a.disconnect();
    const b = await openStateStore({ type: 'sqlite', path });
    expect(await b.get('state:x')).toEqual({ version: 1, n: 1 });
    const other = new Keyv({ store: createSqliteStore({ path }), namespace: 'other' });
    expect(await other.get('state:x')).toBeUndefined();
    await other.set('k', 'v');
    await b.clear();
    expect(await other.get('k')).toBe('v');
    expect(await b.get('state:x')).toBeUndefined();
  });

  it('refuses a corrupt file with StateError 500', async () => {
    const path = join(dir(), 'corrupt.sqlite');
    writeFileSync(path, 'this is not a database'.repeat(100));
    const error = await openStateStore({ type: 'sqlite', path }).catch((e: unknown) => e);
    expect(isAuditpullError(error) && error.id).toBe(500);
  });
});

describe('windowed checkpoint', () => {
  it('initialises, keeps, and resets with a log line when initial_start_time_in_utc changes', async () => {
    const store = await openStateStore({ type: 'sqlite', path: join(dir(), 's.sqlite') });
    const checkpoint = createWindowedCheckpoint(store, 'state:lark:1:audit_infos');
    const lines: string[] = [];
    const logger = { ...noopLogger, info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m) };
    const first = await loadOrInitWindowedState(checkpoint, '2026-01-01T00:00:00Z', '2026-11-01T00:00:00Z', logger);
    expect(first.last_run_datetime).toBe('2026-01-01T00:00:00Z');
    await checkpoint.save({ ...first, last_run_datetime: '2026-02-01T00:00:00Z', last_ids: ['a'] });
    const kept = await loadOrInitWindowedState(checkpoint, '2026-01-01T00:00:00Z', '2026-11-01T00:00:00Z', logger);
    expect(kept.last_ids).toEqual(['a']);
    // Without a configured start, the stored one is kept whatever it was.
    expect((await loadOrInitWindowedState(checkpoint, undefined, '2026-11-01T00:00:00Z', logger)).last_run_datetime).toBe('2026-02-01T00:00:00Z');
    const reset = await loadOrInitWindowedState(checkpoint, '2026-03-01T00:00:00Z', '2026-11-01T00:00:00Z', logger);
    expect(reset).toEqual({ version: 1, initial_start_time_in_utc: '2026-03-01T00:00:00Z', last_run_datetime: '2026-03-01T00:00:00Z', last_ids: [] });
    expect(lines.some((l) => l.includes('changed from 2026-01-01T00:00:00Z to 2026-03-01T00:00:00Z'))).toBe(true);
  });

  it('never resets a corrupt or unknown-version state silently (StateError 501)', async () => {
    const store = await openStateStore({ type: 'memory' });
    const checkpoint = createWindowedCheckpoint(store, 'k');
    await store.set('k', { version: 9, last_run_datetime: 'x' });
    expect(await checkpoint.load().catch((e: unknown) => isAuditpullError(e) && e.id)).toBe(501);
    await store.set('k', { version: 1, initial_start_time_in_utc: 'a', last_run_datetime: 'not a date', last_ids: [] });
    expect(await checkpoint.load().catch((e: unknown) => isAuditpullError(e) && e.id)).toBe(501);
    await store.set('k', 'garbage');
    expect(await checkpoint.load().catch((e: unknown) => isAuditpullError(e) && e.id)).toBe(501);
  });

  it('reports a failed write as StateError 502', async () => {
    const path = join(dir(), 'w.sqlite');
    const store = await openStateStore({ type: 'sqlite', path });
    const checkpoint = createWindowedCheckpoint(store, 'k');
    await store.disconnect();
    const error = await checkpoint.save({ version: 1, initial_start_time_in_utc: 'a', last_run_datetime: '2026-01-01T00:00:00Z', last_ids: [] }).catch((e: unknown) => e);
    expect(isAuditpullError(error) && error.id).toBe(502);
  });
});
