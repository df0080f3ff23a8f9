import type { GuardFailure, NodePlan } from './types.ts';

/** How a guard's refusal reads in one line: `guard: message (to apply it: fix)`. */
export function describeGuard(failure: GuardFailure): string {
  return `${failure.guard}: ${failure.message} (to apply it: ${failure.fix})`;
}

/** Why apply would refuse the node, in one line; undefined when it would not. */
export function refusalReason(node: NodePlan): string | undefined {
  if (node.status !== 'changes' || !node.refusal || node.refusal.length === 0) return undefined;
  return `refused by the guards before any change: ${node.refusal.map(describeGuard).join('; ')}`;
}
