// The short form of `npm run chaos`'s crash-consistency run: every service killed with SIGKILL at random
// moments of a backfill, restarted each time; nothing may be lost, and duplicates stay within one page per kill.
import { describe, expect, it } from 'vitest';
import { crashConsistency, SERVICES } from '../../chaos/crash.ts';

describe('crash consistency (short form of npm run chaos)', () => {
  for (const service of SERVICES) {
    it(`${service}: SIGKILL at random moments loses nothing and leaks no secret`, async () => {
      const r = await crashConsistency(service, { events: 1500, kills: 4, latencyMs: 40, seed: 3 });
      expect(r.lost).toBe(0);
      expect(r.received).toBeGreaterThanOrEqual(r.events);
      // A kill after the receiver confirmed a page but before its checkpoint was saved resends that page.
      expect(r.duplicates).toBeLessThanOrEqual(r.kills * r.pageSize);
      // Secrets and tenant tokens appear in no log line (debug level), /metrics page, Devo line or state entry.
      expect(r.secretFindings).toEqual([]);
      expect(r.metricsScrapes).toBeGreaterThan(0);
    }, 90_000);
  }
});
