import { wouldRefuse, type NodePlan } from './types.ts';

/**
 * What a node's plan amounts to for the operator, derived from its plan data alone: the status
 * shown in the grouped plan, counted in its footer and in `plan --json`'s summary. A new kind of
 * per-node outcome (a refusal the guards would give, …) is a new entry here, decided before the
 * ones it overrides.
 */
export type PlanDisposition = 'changes' | 'refused' | 'in-sync' | 'locked' | 'error';

/** In the order the footer counts them. */
export const DISPOSITIONS: readonly PlanDisposition[] = ['changes', 'in-sync', 'refused', 'locked', 'error'];

export function planDisposition(node: NodePlan): PlanDisposition {
  if (node.status === 'error') return 'error';
  // another live run is changing it: apply refuses it (or waits with --lock-wait)
  if (node.lockedBy) return 'locked';
  // changes the pre-flight guards refuse: apply would not touch the node
  if (wouldRefuse(node)) return 'refused';
  return node.status;
}

export interface PlanTotals {
  readonly nodes: number;
  readonly changes: number;
  readonly restarts: number;
  readonly byDisposition: Readonly<Record<PlanDisposition, number>>;
}

export function planTotals(nodes: readonly NodePlan[]): PlanTotals {
  const byDisposition = Object.fromEntries(DISPOSITIONS.map((d) => [d, 0])) as Record<PlanDisposition, number>;
  let changes = 0;
  let restarts = 0;
  for (const node of nodes) {
    byDisposition[planDisposition(node)]++;
    changes += node.changes.length;
    restarts += node.restarts.length;
  }
  return { nodes: nodes.length, changes, restarts, byDisposition };
}
