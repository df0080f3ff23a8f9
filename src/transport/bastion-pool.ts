import { watchAbort } from './abort-watch.ts';
import type { SshSession } from './ssh-session.ts';

export interface BastionPool {
  /** A live authenticated bastion session, dialing one if needed (single-flight per slot). */
  acquire(signal?: AbortSignal): Promise<SshSession>;
  /** Count a node that will be carried, which sizes the pool when no size was given. */
  noteNodeRequested(): void;
  closeAll(): Promise<void>;
  readonly sessions: readonly SshSession[];
}

export interface BastionPoolSettings {
  /** Fixed pool size; undefined sizes it from the nodes requested so far. */
  readonly size: number | undefined;
  readonly dial: () => Promise<SshSession>;
}

interface Slot {
  session: SshSession | undefined;
  pending: Promise<SshSession> | undefined;
}

const NODES_PER_CONNECTION = 100;
const MAX_AUTO_CONNECTIONS = 4;

/**
 * A few authenticated bastion connections, handed out round-robin. One connection carries
 * any number of nodes as direct-tcpip channels, which sshd's MaxStartups and MaxSessions do
 * not count; more than one only spreads the crypto and flow-control load of a large fleet.
 * A dead connection is replaced by the next acquire of its slot.
 */
export function createBastionPool(settings: BastionPoolSettings): BastionPool {
  const slots: Slot[] = [];
  let requested = 0;
  let next = 0;
  let closed = false;

  const desiredSize = (): number =>
    settings.size ?? Math.min(MAX_AUTO_CONNECTIONS, Math.max(1, Math.ceil(requested / NODES_PER_CONNECTION)));

  const fill = (slot: Slot): Promise<SshSession> => {
    if (slot.session?.alive) return Promise.resolve(slot.session);
    if (slot.pending === undefined) {
      slot.session = undefined;
      const pending = settings.dial().then(
        (session) => {
          slot.pending = undefined;
          if (closed) {
            void session.end();
            throw new Error('the connector was closed');
          }
          slot.session = session;
          return session;
        },
        (error: unknown) => {
          slot.pending = undefined;
          throw error;
        },
      );
      slot.pending = pending;
    }
    return slot.pending;
  };

  return {
    get sessions() {
      return slots.flatMap((slot) => (slot.session === undefined ? [] : [slot.session]));
    },
    noteNodeRequested() {
      requested++;
    },
    acquire(signal) {
      if (closed) return Promise.reject(new Error('the connector was closed'));
      let slot: Slot | undefined;
      if (slots.length < desiredSize()) {
        slot = { session: undefined, pending: undefined };
        slots.push(slot);
      } else {
        slot = slots[next++ % slots.length];
      }
      if (slot === undefined) return Promise.reject(new Error('bastion pool has no slot'));
      return raceAbort(fill(slot), signal);
    },
    async closeAll() {
      closed = true;
      const sessions = slots.flatMap((slot) => (slot.session === undefined ? [] : [slot.session]));
      await Promise.all(sessions.map((session) => session.end()));
    },
  };
}

/** Wait for a shared promise without letting one caller's abort cancel it for the others. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const unwatch = watchAbort(signal, () => reject(signal.reason));
    promise.then(
      (value) => {
        unwatch();
        resolve(value);
      },
      (error: unknown) => {
        unwatch();
        reject(error);
      },
    );
  });
}
