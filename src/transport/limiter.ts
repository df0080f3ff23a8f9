import { watchAbort } from './abort-watch.ts';

/**
 * A counting semaphore whose waiters can give up (AbortSignal), recording the most permits
 * held at once. Used for handshakes in flight per sshd and across the fleet, and for channels per host.
 */
export interface Limiter {
  /** Resolves with a release function once a permit is held. */
  acquire(signal?: AbortSignal): Promise<() => void>;
  readonly inFlight: number;
  readonly maxInFlight: number;
}

/** `capacity` Infinity: no bound, only the counts. */
export function createLimiter(capacity: number): Limiter {
  if (capacity !== Infinity && (!Number.isInteger(capacity) || capacity < 1)) {
    throw new RangeError(`limiter capacity must be a positive integer or Infinity, got ${capacity}`);
  }
  let inFlight = 0;
  let maxInFlight = 0;
  const waiters: Array<() => void> = [];

  const grant = (): (() => void) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      inFlight--;
      const next = waiters.shift();
      if (next) next();
    };
  };

  return {
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    acquire(signal) {
      signal?.throwIfAborted();
      if (inFlight < capacity && waiters.length === 0) return Promise.resolve(grant());
      return new Promise((resolve, reject) => {
        const wake = (): void => {
          unwatch();
          resolve(grant());
        };
        waiters.push(wake);
        const unwatch = watchAbort(signal, () => {
          const index = waiters.indexOf(wake);
          if (index >= 0) waiters.splice(index, 1);
          reject(signal?.reason);
        });
      });
    },
  };
}
