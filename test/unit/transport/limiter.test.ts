import { describe, expect, it } from 'vitest';
import { createLimiter } from '../../../src/transport/limiter.ts';
import { createSshdLimits } from '../../../src/transport/sshd-limits.ts';
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

describe('createLimiter(Infinity)', () => {
  it('holds nobody back and still counts the peak; refuses a capacity that is not a count', async () => {
    const limiter = createLimiter(Infinity);
    const releases = await Promise.all(Array.from({ length: 50 }, () => limiter.acquire()));
    expect(limiter.maxInFlight).toBe(50);
    for (const release of releases) release();
    expect(limiter.inFlight).toBe(0);
    expect(() => createLimiter(0)).toThrow(RangeError);
    expect(() => createLimiter(2.5)).toThrow(RangeError);
  });
});

describe('createSshdLimits', () => {
  it('bounds each sshd on its own, by role, and reports the most at any one', async () => {
    const limits = createSshdLimits({ bastion: 2, node: 1 });
    const a = await limits.acquire('node', '10.0.0.1:22 via b:22');
    // another sshd is not held back by the first one's slot
    const b = await limits.acquire('node', '10.0.0.2:22 via b:22');
    // the same address behind another bastion is another sshd
    const c = await limits.acquire('node', '10.0.0.1:22 via other:22');
    const waiting = limits.acquire('node', '10.0.0.1:22 via b:22');
    let granted = false;
    void waiting.then(() => {
      granted = true;
    });
    await sleep(5);
    expect(granted).toBe(false);
    a();
    (await waiting)();
    const logins = await Promise.all([limits.acquire('bastion', 'b:22'), limits.acquire('bastion', 'b:22')]);
    const third = limits.acquire('bastion', 'b:22', AbortSignal.timeout(20));
    await expect(third).rejects.toThrow();
    expect([limits.maxInFlight('node'), limits.maxInFlight('bastion')]).toEqual([1, 2]);
    for (const release of [b, c, ...logins]) release();
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
