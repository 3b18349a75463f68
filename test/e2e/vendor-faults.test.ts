// Vendor faults injected by the simulators during a `run --once` backfill (chaos/faults.ts): each is
// survived with every event delivered exactly once, or ends in its coded error — never a hang. Scenarios
// marked chaosOnly (a 30 s request timeout) run in `npm run chaos` only.
import { describe, expect, it } from 'vitest';
import { runScenario, SCENARIOS } from '../../chaos/faults.ts';

describe('vendor faults (npm run chaos, part 2)', () => {
  for (const scenario of SCENARIOS) {
    it.skipIf(scenario.chaosOnly === true)(`${scenario.name}: ${scenario.expect === 'survive' ? 'survived, every event once' : scenario.expect}`, async () => {
      const result = await runScenario(scenario, 300, 60_000);
      expect(result.outcome).toBe(scenario.expect === 'survive' ? 'survived' : scenario.expect);
      expect(result.secretFindings).toEqual([]);
      expect(result.ok, JSON.stringify(result)).toBe(true);
    }, 90_000);
  }
});
