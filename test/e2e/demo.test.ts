import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentHash } from '../../lib/index.ts';
import { runCli } from '../helpers/cli.ts';

describe('CLI', () => {
  it('prints help naming the commands', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/run \[options\]/);
    expect(result.stdout).toMatch(/demo \[options\]/);
  });

  it('rejects an unknown command with exit 2', async () => {
    expect((await runCli(['frobnicate'])).code).toBe(2);
  });

  it('`demo` collects every simulated event exactly once into the file and the console', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'auditpull-demo-')), 'demo');
    const result = await runCli(['demo', '--dir', dir, '--events', '120', '--cycles', '2']);
    expect(result.code, result.stderr).toBe(0);
    const lines = readFileSync(join(dir, 'events.log'), 'utf8').split('\n').filter(Boolean);
    expect(lines).toHaveLength(120);
    const tags = new Map<string, number>();
    const keys = lines.map((line) => {
      const match = /^<14>\S+ \S+ (\S+): (.*)$/s.exec(line);
      expect(match, line).not.toBeNull();
      tags.set(match![1]!, (tags.get(match![1]!) ?? 0) + 1);
      const { ['@devo_pulling_id']: _, ...event } = JSON.parse(match![2]!) as Record<string, unknown>;
      return `${match![1]}:${contentHash(event)}`;
    });
    expect(new Set(keys).size).toBe(120);
    expect([...tags.keys()].sort()).toEqual(['app.lark.admin.log', 'app.lark.audit.event', 'app.lark.dlp.log', 'cloud.alibaba.actiontrail.events', 'cloud.alibaba.log_service.events']);
    expect(result.stdout.split('\n').filter(Boolean)).toHaveLength(120);
    expect(result.stderr).toContain('auditpull demo finished.');
    expect(result.stderr).toContain('Statistics for this pull cycle');
  });
});
