import type { NodeWork } from '../apply/node-apply.ts';
import type { NodeOutcome } from '../apply/types.ts';
import type { ResourceEntry } from '../config/playbook-types.ts';
import type { HostSpec } from '../config/types.ts';
import { refusalReason } from '../plan/refusal.ts';
import { wouldRefuse, type NodePlan } from '../plan/types.ts';

export interface WavesFromPlan {
  readonly waves: NodeWork[][];
  /** Nodes that need nothing (in sync) or cannot be worked on (errors, locked): reported, not rolled out to. */
  readonly early: NodeOutcome[];
}

const outcome = (name: string, status: NodeOutcome['status'], reason?: string): NodeOutcome => ({ name, status, reason, changes: 0, restarted: [], durationMs: 0 });

/** Whether a planned node goes into a wave: it has changes, or (with a lock wait) it is locked and will be re-read. */
export function needsWork(node: NodePlan, lockWait: boolean): boolean {
  if (node.status === 'error') return false;
  if (node.lockedBy) return lockWait;
  return node.status === 'changes' && !wouldRefuse(node);
}

function early(node: NodePlan): NodeOutcome {
  if (node.lockedBy) return outcome(node.name, 'refused', `locked by run ${node.lockedBy.runId} (${node.lockedBy.owner}, pid ${node.lockedBy.pid}): its changes are in flight`);
  if (node.status === 'in-sync') return outcome(node.name, 'in-sync');
  const refused = refusalReason(node);
  if (refused) return outcome(node.name, 'refused', refused);
  return outcome(node.name, node.error?.code.startsWith('connect') ? 'unreachable' : 'refused', node.error?.message);
}

/**
 * Nodes an interrupted attempt of this rollout was working on: still locked by it, or left
 * `pending` in the journal. They go through the node lock again even when they look in sync now,
 * so that what the attempt left (owed restarts, a cordon, its lock) is finished or undone.
 */
export function adoptable(pendingNames: ReadonlySet<string>, deadAttempts: readonly string[]): (node: NodePlan) => boolean {
  return (node) => node.status !== 'error' && !wouldRefuse(node) && (pendingNames.has(node.name) || (node.lockedBy !== undefined && deadAttempts.includes(node.lockedBy.runId)));
}

/**
 * Turns the plan into waves of work along `waveNames` (node names per wave): each node's approved
 * plan is the one just shown; nodes without work leave their wave, and empty waves are dropped.
 */
export function wavesFromPlan(
  waveNames: readonly (readonly string[])[],
  plans: readonly NodePlan[],
  hosts: readonly HostSpec[],
  entriesByHost: ReadonlyMap<string, readonly ResourceEntry[]>,
  include: (node: NodePlan) => boolean,
): WavesFromPlan {
  const planOf = new Map(plans.map((p) => [p.name, p]));
  const hostOf = new Map(hosts.map((h) => [h.name, h]));
  const result: WavesFromPlan = { waves: [], early: [] };
  const placed = new Set<string>();
  for (const names of waveNames) {
    const wave: NodeWork[] = [];
    for (const name of names) {
      placed.add(name);
      const plan = planOf.get(name);
      const host = hostOf.get(name);
      if (!plan || !host) result.early.push(outcome(name, 'skipped', 'no longer in the inventory'));
      else if (include(plan)) wave.push({ host, entries: entriesByHost.get(name) ?? [], approved: plan });
      else result.early.push(early(plan));
    }
    if (wave.length > 0) result.waves.push(wave);
  }
  for (const plan of plans) if (!placed.has(plan.name)) result.early.push(early(plan));
  return result;
}
