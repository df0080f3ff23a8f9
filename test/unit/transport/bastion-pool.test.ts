import { describe, expect, it } from 'vitest';
import { createBastionPool } from '../../../src/transport/bastion-pool.ts';
import type { SshSession } from '../../../src/transport/ssh-session.ts';

interface FakeSession extends SshSession {
  readonly id: number;
  kill(): void;
}

function fakeDialer() {
  let dials = 0;
  const dial = async (): Promise<SshSession> => {
    const id = ++dials;
    await new Promise((resolve) => setTimeout(resolve, 5));
    let alive = true;
    const session = {
      id,
      client: undefined,
      get alive() {
        return alive;
      },
      closeError: undefined,
      onClose: () => undefined,
      end: async () => {
        alive = false;
      },
      kill: () => {
        alive = false;
      },
    };
    return session as unknown as FakeSession;
  };
  return {
    dial,
    get dials() {
      return dials;
    },
  };
}

const idOf = (session: SshSession): number => (session as FakeSession).id;

describe('createBastionPool', () => {
  it('dials once for many concurrent acquires (single-flight)', async () => {
    const dialer = fakeDialer();
    const pool = createBastionPool({ size: undefined, dial: dialer.dial });
    for (let i = 0; i < 50; i++) pool.noteNodeRequested();
    const sessions = await Promise.all(Array.from({ length: 50 }, () => pool.acquire()));
    expect(dialer.dials).toBe(1);
    expect(new Set(sessions.map(idOf)).size).toBe(1);
  });

  it('grows one connection per 100 nodes requested, at most 4, handed out round-robin', async () => {
    const dialer = fakeDialer();
    const pool = createBastionPool({ size: undefined, dial: dialer.dial });
    for (let i = 0; i < 250; i++) pool.noteNodeRequested();
    const sessions = await Promise.all(Array.from({ length: 9 }, () => pool.acquire()));
    expect(dialer.dials).toBe(3);
    expect(sessions.map(idOf)).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 3]);
    for (let i = 0; i < 1000; i++) pool.noteNodeRequested();
    await Promise.all(Array.from({ length: 8 }, () => pool.acquire()));
    expect(dialer.dials).toBe(4);
  });

  it('honours a fixed size and replaces a dead connection on its next use', async () => {
    const dialer = fakeDialer();
    const pool = createBastionPool({ size: 2, dial: dialer.dial });
    const [a, b] = await Promise.all([pool.acquire(), pool.acquire()]);
    expect([a, b].map((s) => s && idOf(s))).toEqual([1, 2]);
    (a as FakeSession).kill();
    const c = await pool.acquire();
    expect(idOf(c)).toBe(3);
    expect(idOf(await pool.acquire())).toBe(2);
    expect(dialer.dials).toBe(3);
  });

  it('lets a failed dial be retried by the next acquire, and refuses after closeAll', async () => {
    let fail = true;
    const dialer = fakeDialer();
    const pool = createBastionPool({
      size: 1,
      dial: () => (fail ? Promise.reject(new Error('no route')) : dialer.dial()),
    });
    await expect(pool.acquire()).rejects.toThrow('no route');
    fail = false;
    expect(idOf(await pool.acquire())).toBe(1);
    await pool.closeAll();
    await expect(pool.acquire()).rejects.toThrow(/closed/);
  });
});
