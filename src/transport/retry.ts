import { watchAbort } from './abort-watch.ts';

/**
 * Jittered exponential backoff (base/2 plus a random share of min(cap, base·2^attempt)): when sshd
 * has dropped a burst of connections, spreading the retries is what lets them through.
 */
export function backoffDelayMs(
  attempt: number,
  baseMs: number,
  capMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** attempt);
  return Math.round(baseMs / 2 + random() * ceiling);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      unwatch();
      resolve();
    }, ms);
    const unwatch = watchAbort(signal, () => {
      clearTimeout(timer);
      reject(signal?.reason);
    });
  });
}
