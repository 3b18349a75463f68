// The tenant token in a shared state store is sealed under the app secret: the store (or a copy of the
// SQLite file) holds nothing usable, while processes with the same secret still share one token.
import { describe, expect, it } from 'vitest';
import { createTenantTokenManager, type TokenStore } from '../../lib/index.ts';

function sharedStore(): TokenStore & { values: Map<string, unknown> } {
  const values = new Map<string, unknown>();
  return {
    values,
    get: async (key) => values.get(key),
    set: async (key, value) => (values.set(key, value), true),
    delete: async (key) => values.delete(key),
  };
}

const TOKEN = 't-g1044ghJSEPARATEtokenVALUE0000000001';
const manager = (store: TokenStore, secret: string, token = TOKEN) =>
  createTenantTokenManager({ cacheKey: 'lark:tenant_access_token:test', store, sealWith: secret, fetchToken: async () => ({ token, expireSeconds: 7200 }) });

describe('tenant token sealed in the shared store', () => {
  it('the stored entry holds neither the token nor the secret, and a second process with the same secret reuses it', async () => {
    const store = sharedStore();
    expect(await manager(store, 'app-secret-1').getToken()).toBe(TOKEN);
    const stored = JSON.stringify([...store.values]);
    expect(stored).not.toContain(TOKEN);
    expect(stored).not.toContain('app-secret-1');
    expect(stored).toMatch(/"sealed":"aes-256-gcm:/);
    const second = manager(store, 'app-secret-1', 'another-token');
    expect(await second.getToken()).toBe(TOKEN);
    expect(second.fetchCount).toBe(0);
  });

  it('another secret cannot open it and fetches its own; an edited expiry is rejected', async () => {
    const store = sharedStore();
    await manager(store, 'app-secret-1').getToken();
    const rotated = manager(store, 'app-secret-2', 'rotated-token');
    expect(await rotated.getToken()).toBe('rotated-token');
    expect(rotated.fetchCount).toBe(1);

    const [[key, value]] = [...store.values] as [[string, { sealed: string; expiresAt: number; refreshAt: number }]];
    store.values.set(key, { ...value, refreshAt: value.refreshAt + 3_600_000 });
    const tampered = manager(store, 'app-secret-2', 'fresh-token');
    expect(await tampered.getToken()).toBe('fresh-token');
    expect(tampered.fetchCount).toBe(1);
  });

  it('an older version overwriting the entry in clear does not cost a token request per call', async () => {
    const store = sharedStore();
    const m = manager(store, 'app-secret-1');
    expect(await m.getToken()).toBe(TOKEN);
    store.values.set('lark:tenant_access_token:test', { token: 'old-clear-token', expiresAt: Date.now() + 7_000_000, refreshAt: Date.now() + 5_000_000 });
    expect(await m.getToken()).toBe(TOKEN);
    expect(await m.getToken()).toBe(TOKEN);
    expect(m.fetchCount).toBe(1);
    // Deleted from the store (another process was told the token is dead): not used from memory either.
    store.values.clear();
    expect(await m.getToken()).toBe(TOKEN);
    expect(m.fetchCount).toBe(2);
  });

  it('a token stored in clear by an older version is not trusted: a sealed one replaces it', async () => {
    const store = sharedStore();
    store.values.set('lark:tenant_access_token:test', { token: 'old-clear-token', expiresAt: Date.now() + 7_000_000, refreshAt: Date.now() + 5_000_000 });
    const m = manager(store, 'app-secret-1');
    expect(await m.getToken()).toBe(TOKEN);
    expect(JSON.stringify([...store.values])).not.toContain('old-clear-token');
  });
});
