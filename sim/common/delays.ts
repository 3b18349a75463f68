/**
 * Answer delays (`latencyMs`) that `close()` can cut short, so a closing simulator never waits on a timer.
 * Shared by the simulators (sim-to-sim only: nothing here comes from lib/).
 */
export function createDelays(): { delay(ms: number): Promise<void>; releaseAll(): void } {
  const pending = new Set<() => void>();
  return {
    delay: (ms) =>
      ms <= 0
        ? Promise.resolve()
        : new Promise((resolve) => {
            const done = (): void => {
              clearTimeout(timer);
              pending.delete(done);
              resolve();
            };
            const timer = setTimeout(done, ms);
            pending.add(done);
          }),
    releaseAll() {
      for (const release of [...pending]) release();
    },
  };
}
