import { describe, expect, it } from 'vitest';
import { isAuditpullError } from '../../lib/index.ts';
import { parseConfig } from '../../runner/config.ts';

const base = (services = 'audit_infos: {initial_start_time_in_utc: "2026-01-01T00:00:00Z"}', creds = 'app_id: "${APP}", app_secret: "${SECRET}"') => `
globals:
  name: test
  persistence: {type: sqlite, path: state/s.sqlite}
outputs:
  out: {type: file, config: {path: out/events.log}}
  relay: {type: devo_platform, config: {address: 127.0.0.1, port: 13003, type: TCP}}
inputs:
  lark:
    id: 7
    credentials: {${creds}}
    override_base_url: http://127.0.0.1:9
    services:
      ${services}
`;
const env = { APP: 'cli_x', SECRET: 'very-secret-value' };
const idOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (isAuditpullError(error)) return { id: error.id, text: error.toString() };
    throw error;
  }
  return undefined;
};

describe('config', () => {
  it('parses the DESIGN.md shape with ${ENV} substitution and documented defaults', () => {
    const config = parseConfig(base(), { baseDir: '/tmp/x', env, now: Date.parse('2026-11-22T00:00:00Z') });
    const lark = config.inputs.lark[0]!;
    expect(lark.credentials).toEqual({ app_id: 'cli_x', app_secret: 'very-secret-value' });
    expect(lark.id).toBe(7);
    expect(lark.services.audit_infos).toMatchObject({ request_period_in_seconds: 15, lag_seconds: 60, max_window_seconds: 3600, page_size: 100, enabled: true });
    expect(config.outputs['relay']).toMatchObject({ type: 'devo_platform', config: { port: 13003, type: 'TCP', verify_server: true } });
  });

  it('gives coded errors and never prints a secret', () => {
    const now = Date.parse('2026-11-22T00:00:00Z');
    const cases: Array<[string, Record<string, string>, number]> = [
      [base(), { APP: 'cli_x' }, 12],
      [base(undefined, 'app_id: "${APP}"'), env, 13],
      [base('audit_infos: {initial_start_time_in_utc: "2026/01/01"}'), env, 1],
      [base('audit_infos: {initial_start_time_in_utc: "2027-01-01T00:00:00Z"}'), env, 2],
      [base('audit_infos: {page_size: 500}'), env, 13],
      [base('audit_infos: {max_window_seconds: 9999999}'), env, 13],
      [base('unknown_service: {}'), env, 13],
      ['globals: [unclosed', env, 11],
      ['just a string', env, 13],
    ];
    for (const [text, vars, id] of cases) {
      const result = idOf(() => parseConfig(text, { baseDir: '/tmp', env: vars, now }));
      expect(result?.id, text).toBe(id);
      expect(result?.text).not.toContain('very-secret-value');
      expect(result?.text).toMatch(/^\[(ConfigError|InitVariablesError) \d+\] /);
    }
  });
});

describe('config strictness', () => {
  const now = Date.parse('2026-11-22T00:00:00Z');
  it('rejects an impossible date, names unknown keys, checks persistence URLs', () => {
    expect(idOf(() => parseConfig(base('audit_infos: {initial_start_time_in_utc: "2026-02-30T00:00:00Z"}'), { baseDir: '/tmp', env, now }))?.id).toBe(1);
    const typo = parseConfig(base('audit_infos: {initial_start_time_utc: "2026-01-01T00:00:00Z"}'), { baseDir: '/tmp', env, now });
    expect(typo.warnings).toEqual(['Unknown config key inputs.lark.services.audit_infos.initial_start_time_utc is ignored (check its spelling against the README)']);
    const redis = parseConfig(base().replace('{type: sqlite, path: state/s.sqlite}', '{type: redis, url: "redis://127.0.0.1:6379"}'), { baseDir: '/tmp', env, now });
    expect(redis.globals.persistence).toEqual({ type: 'redis', url: 'redis://127.0.0.1:6379' });
    expect(idOf(() => parseConfig(base().replace('{type: sqlite, path: state/s.sqlite}', '{type: redis, url: "http://x"}'), { baseDir: '/tmp', env, now }))?.id).toBe(13);
    expect(idOf(() => parseConfig(base('audit_infos: {overlap_seconds: 3600}'), { baseDir: '/tmp', env, now }))?.id).toBe(13);
  });
});
