import { createLimiter } from './limiter.ts';
import type { Limiter } from './limiter.ts';

/** Which side of a connection an sshd is: the bastion nodeward logs in to, or a node behind it. */
export type SshdRole = 'bastion' | 'node';

/**
 * SSH handshakes in flight per sshd. OpenSSH's `MaxStartups` (default 10:30:100) counts the
 * connections one sshd has accepted and not yet authenticated and drops new ones past its
 * first number, so the bound that protects it is per sshd, not per fleet: through the
 * bastion's channels every node's handshake meets a different sshd, and only the bastion
 * logins themselves meet the bastion's. An sshd is known by where it is dialed (its
 * address:port, and for a node the bastion it is reached through: addresses behind two
 * bastions may repeat); one sshd listening on several ports counts as several.
 */
export interface SshdLimits {
  /** Resolves with a release function once `key`'s sshd has a free handshake slot. */
  acquire(role: SshdRole, key: string, signal?: AbortSignal): Promise<() => void>;
  /** The most handshakes that were in flight at any one sshd of that role. */
  maxInFlight(role: SshdRole): number;
}

export function createSshdLimits(capacity: Readonly<Record<SshdRole, number>>): SshdLimits {
  // One small limiter per sshd ever dialed: as many as the fleet has nodes, kept for the counts.
  const limiters = new Map<string, Limiter>();
  const most: Record<SshdRole, number> = { bastion: 0, node: 0 };
  return {
    async acquire(role, key, signal) {
      const id = `${role} ${key}`;
      let limiter = limiters.get(id);
      if (limiter === undefined) {
        limiter = createLimiter(capacity[role]);
        limiters.set(id, limiter);
      }
      const release = await limiter.acquire(signal);
      most[role] = Math.max(most[role], limiter.inFlight);
      return release;
    },
    maxInFlight(role) {
      return most[role];
    },
  };
}
