import { describe, expect, it } from 'vitest';
import { createLimiter } from '../../../src/transport/limiter.ts';
import { backoffDelayMs, sleep } from '../../../src/transport/retry.ts';

describe('createLimiter', () => {
  it('never holds more than its capacity and records the peak', async () => {
    const limiter = createLimiter(3);
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        const release = await limiter.acquire();
        running++;
        peak = Math.max(peak, running);
        await sleep(2);
        running--;
        release();
      }),
    );
    expect(peak).toBe(3);
    expect(limiter.maxInFlight).toBe(3);
    expect(limiter.inFlight).toBe(0);
  });

  it('lets waiters give up without losing permits', async () => {
    const limiter = createLimiter(1);
    const release = await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    controller.abort(new Error('gave up'));
    await expect(waiting).rejects.toThrow('gave up');
    release();
    release();
    const again = await limiter.acquire();
    expect(limiter.inFlight).toBe(1);
    again();
  });
});

describe('backoffDelayMs', () => {
  it('grows exponentially up to the cap, with jitter', () => {
    expect(backoffDelayMs(0, 100, 5000, () => 0)).toBe(50);
    expect(backoffDelayMs(0, 100, 5000, () => 1)).toBe(150);
    expect(backoffDelayMs(3, 100, 5000, () => 1)).toBe(850);
    expect(backoffDelayMs(10, 100, 5000, () => 1)).toBe(5050);
  });
});
