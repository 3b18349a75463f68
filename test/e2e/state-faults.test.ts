// State faults (chaos/state.ts, part 4 of `npm run chaos`): the SQLite file corrupt, read-only or deleted
// under the collector, a disk that fills up, a Redis restart. Each is a coded StateError with nothing sent on
// a state that cannot be trusted and no checkpoint past undelivered events — and, once mended, a run that
// finishes without loss — or is survived outright.
import { afterAll, describe, expect, it } from 'vitest';
import { corruptSqlite, deletedSqlite, diskFull, readOnlySqlite, serverRestart, stateSecretFindings, type StateFaultResult } from '../../chaos/state.ts';

// No secret or tenant token in any of these runs' logs or states.
afterAll(() => {
  expect(stateSecretFindings()).toEqual([]);
});

function expectOk(result: StateFaultResult): void {
  expect(result.ok, `${JSON.stringify({ ...result, details: undefined })}\n${result.details}`).toBe(true);
}

describe('state faults', () => {
  it('a corrupt SQLite file is StateError 500, exit 1, and nothing is sent', async () => {
    const r = await corruptSqlite();
    expect(r.outcome).toMatch(/StateError 50[01]/);
    expectOk(r);
  });

  it('a read-only SQLite file is StateError 500 naming it read-only, nothing pulled or sent; writable again, no loss', async () => {
    const r = await readOnlySqlite();
    expect(r.outcome).toBe('StateError 500');
    expectOk(r);
    expect(r.lost).toBe(0);
  }, 60_000);

  it('the SQLite file deleted while the collector runs stops the service with StateError 502 instead of checkpointing into a file that is gone', async () => {
    const r = await deletedSqlite();
    expect(r.outcome).toBe('StateError 502');
    expectOk(r);
  }, 60_000);

  it('a disk that fills up mid-backfill is StateError 502; once there is room, the next run finishes without loss and at most one page again', async () => {
    const r = await diskFull();
    expect(r.outcome).toBe('StateError 502');
    expectOk(r);
    expect(r.lost).toBe(0);
  }, 90_000);

  it.each(['redis', 'postgres'] as const)('the backfill survives a %s restart: a warning while it is down, then every event once, no StateError', async (kind) => {
    const r = await serverRestart(kind, 1500);
    expectOk(r);
    expect(r.lost).toBe(0);
    expect(r.received).toBe(r.distinct);
  }, 120_000);
});
