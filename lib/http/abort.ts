/**
 * `promise`, or a rejection with `signal.reason` as soon as `signal` aborts, whichever comes first. For
 * waits a caller cannot cancel itself (a shared token fetch, a throttle slot): the wait is given up, the
 * work behind it goes on for whoever else waits for it.
 * @internal
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
