import { randomBytes } from 'node:crypto';
import type { LarkSimApp, SimReply } from './types.ts';

/**
 * tenant_access_token rules as Lark documents them: a token lives `lifetimeMs`; asking again
 * while at least `refreshWindowMs` remains returns the same token (with its remaining life),
 * asking below that mints a new one while the old one stays valid until it expires. Hence at
 * most two valid tokens per app at any time.
 */
export interface TokenRules {
  lifetimeMs: number;
  refreshWindowMs: number;
}

interface IssuedToken {
  value: string;
  appId: string;
  expiresAtMs: number;
  revoked: boolean;
}

/** What a bearer token was when a request carried it. */
export type TokenState = 'none' | 'unknown' | 'valid' | 'expired' | 'revoked';

export type CredentialCheck = { ok: true; appId: string } | { ok: false; reply: SimReply };
export type AuthCheck = { ok: true; appId: string } | { ok: false; reply: SimReply };

const MSG_INVALID_TOKEN = 'Invalid access token for authorization. Please make a request with token attached.';

function fail(code: number, msg: string): { ok: false; reply: SimReply } {
  return { ok: false, reply: { status: 400, body: { code, msg } } };
}

export class TokenAuthority {
  readonly #secrets: Map<string, string>;
  readonly #rules: TokenRules;
  readonly #byValue = new Map<string, IssuedToken>();
  readonly #newestByApp = new Map<string, IssuedToken>();
  /** Every token ever minted, kept after expiry so a stale token can be told from a made-up one. */
  readonly #history = new Map<string, IssuedToken>();

  constructor(apps: readonly LarkSimApp[], rules: TokenRules) {
    this.#secrets = new Map(apps.map((app) => [app.appId, app.appSecret]));
    this.#rules = rules;
  }

  /** Validates a token request body (already JSON-parsed, or undefined when it was not JSON). */
  checkCredentials(body: unknown): CredentialCheck {
    if (typeof body !== 'object' || body === null) return fail(10003, 'invalid param');
    const { app_id: appId, app_secret: appSecret } = body as Record<string, unknown>;
    if (typeof appId !== 'string' || appId === '' || typeof appSecret !== 'string' || appSecret === '') {
      return fail(10003, 'invalid param');
    }
    const expected = this.#secrets.get(appId);
    if (expected === undefined) return fail(10003, 'invalid param');
    if (expected !== appSecret) return fail(10014, 'app secret invalid');
    return { ok: true, appId };
  }

  /** Returns the token to hand out and whether it was minted by this call. */
  obtain(appId: string, nowMs: number): { token: string; expireSeconds: number; minted: boolean } {
    this.#forgetExpired(nowMs);
    const newest = this.#newestByApp.get(appId);
    if (newest !== undefined && !newest.revoked && newest.expiresAtMs - nowMs >= this.#rules.refreshWindowMs) {
      return { token: newest.value, expireSeconds: Math.floor((newest.expiresAtMs - nowMs) / 1000), minted: false };
    }
    const issued: IssuedToken = {
      value: `t-${randomBytes(20).toString('hex')}`,
      appId,
      expiresAtMs: nowMs + this.#rules.lifetimeMs,
      revoked: false,
    };
    this.#byValue.set(issued.value, issued);
    this.#history.set(issued.value, issued);
    this.#newestByApp.set(appId, issued);
    return { token: issued.value, expireSeconds: Math.floor(this.#rules.lifetimeMs / 1000), minted: true };
  }

  /** Checks an `Authorization` header value. */
  authenticate(header: string | undefined, nowMs: number): AuthCheck {
    const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
    const token = match?.[1];
    if (token === undefined) {
      return fail(99991661, 'Missing access token for authorization. Please make a request with token attached.');
    }
    if (!token.startsWith('t-')) return fail(99991671, 'Invalid token: must start with t-');
    const issued = this.#byValue.get(token);
    if (issued === undefined || issued.revoked || nowMs >= issued.expiresAtMs) return fail(99991663, MSG_INVALID_TOKEN);
    return { ok: true, appId: issued.appId };
  }

  /** Classifies the token of an `Authorization` header without judging the header's syntax. */
  classify(header: string | undefined, nowMs: number): TokenState {
    const token = header === undefined ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    if (token === undefined) return 'none';
    const issued = this.#history.get(token);
    if (issued === undefined) return 'unknown';
    if (nowMs >= issued.expiresAtMs) return 'expired';
    return issued.revoked ? 'revoked' : 'valid';
  }

  /** Every token minted so far (a secret scan looks for them in logs and state). */
  minted(): string[] {
    return [...this.#history.keys()];
  }

  invalidateAll(): void {
    for (const issued of this.#byValue.values()) issued.revoked = true;
  }

  #forgetExpired(nowMs: number): void {
    for (const [value, issued] of this.#byValue) {
      if (nowMs >= issued.expiresAtMs && this.#newestByApp.get(issued.appId) !== issued) this.#byValue.delete(value);
    }
  }
}
