/**
 * A counting semaphore: `--max-unavailable`'s cap on the nodes cordoned or restarting at once,
 * shared by every node of a run whatever its batch or wave.
 */
export interface Slots {
  readonly limit: number;
  /** Resolves once a slot is free; the function gives it back (once). */
  acquire(): Promise<() => void>;
}

export function createSlots(limit: number): Slots {
  let free = Math.max(1, limit);
  const waiting: (() => void)[] = [];
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else free++;
  };
  return {
    limit: Math.max(1, limit),
    acquire() {
      return new Promise((resolve) => {
        const grant = (): void => {
          let given = false;
          resolve(() => {
            if (given) return;
            given = true;
            release();
          });
        };
        if (free > 0) {
          free--;
          grant();
        } else waiting.push(grant);
      });
    },
  };
}
