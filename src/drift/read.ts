import pLimit from 'p-limit';
import type { ResourceEntry } from '../config/playbook-types.ts';
import type { HostSpec } from '../config/types.ts';
import type { NodePlan } from '../plan/types.ts';
import type { PlanHooks } from '../run/hooks.ts';
import { planNode, type NodeRead } from '../run/plan-fleet.ts';
import { sleep } from '../transport/retry.ts';
import type { Connector } from '../transport/types.ts';

export type LockMode = 'wait' | 'skip';

export interface DriftRead extends NodeRead {
  readonly host: HostSpec;
  /** Set when another nodeward run held the node's lock (and, with `wait`, kept it past the timeout). */
  readonly locked: string | undefined;
}

export interface DriftReadOptions {
  readonly concurrency: number;
  readonly signal: AbortSignal | undefined;
  readonly lock: { readonly mode: LockMode; readonly timeoutMs: number; readonly pollMs: number };
}

export function describeHolder(lock: NonNullable<NodePlan['lockedBy']>): string {
  return `locked by run ${lock.runId} (${lock.owner}, pid ${lock.pid}: ${lock.command}) until ${new Date(lock.expires * 1000).toISOString()}`;
}

/**
 * Plans every node (one exec each) for a drift run. A node whose lock another run holds is not
 * judged mid-change: with `skip` it is reported locked at once; with `wait` it is read again
 * every pollMs until the lock is gone or the timeout passes.
 */
export async function readForDrift(
  hosts: readonly HostSpec[],
  entriesByHost: ReadonlyMap<string, readonly ResourceEntry[]>,
  connector: Connector,
  options: DriftReadOptions,
  hooks: PlanHooks = {},
): Promise<DriftRead[]> {
  const limit = pLimit(Math.max(1, options.concurrency));
  return Promise.all(
    hosts.map((host) =>
      limit(async (): Promise<DriftRead> => {
        const entries = entriesByHost.get(host.name) ?? [];
        const deadline = Date.now() + (options.lock.mode === 'wait' ? options.lock.timeoutMs : 0);
        let read = await planNode(host, entries, connector, hooks, options.signal);
        while (read.plan.lockedBy && Date.now() < deadline && !options.signal?.aborted) {
          const interrupted = await sleep(Math.min(options.lock.pollMs, Math.max(0, deadline - Date.now())), options.signal).then(
            () => false,
            () => true,
          );
          if (interrupted) break;
          read = await planNode(host, entries, connector, hooks, options.signal);
        }
        hooks.nodeDone?.(host, read.plan);
        const lock = read.plan.lockedBy;
        const waited = options.lock.mode === 'wait' ? ` (waited ${Math.round(options.lock.timeoutMs / 1000)}s)` : '';
        return { ...read, host, locked: lock ? `${describeHolder(lock)}${waited}` : undefined };
      }),
    ),
  );
}
