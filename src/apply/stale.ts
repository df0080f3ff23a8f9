import { canonicalJson } from '../plan/fingerprint.ts';
import type { NodePlan } from '../plan/types.ts';

/**
 * What differs between the plan an operator approved (or saved) and the plan computed from the
 * node's facts now. Any difference refuses the node: applying something other than what was
 * shown is never done silently.
 */
export function staleDifferences(approved: NodePlan, fresh: NodePlan): string[] {
  const now = new Map(fresh.changes.map((change) => [change.id, change]));
  const then = new Map(approved.changes.map((change) => [change.id, change]));
  const differences: string[] = [];
  for (const [id, change] of then) {
    const current = now.get(id);
    if (!current) differences.push(`${change.target} no longer needs this change`);
    else if (current.fingerprint !== change.fingerprint) differences.push(`${change.target} changed since the plan`);
    else if (canonicalJson(current.after) !== canonicalJson(change.after)) differences.push(`${change.target}: the wanted state differs from the plan's (playbook edited?)`);
  }
  for (const [id, change] of now) {
    if (!then.has(id)) differences.push(`${change.target} now needs a change that is not in the plan`);
  }
  return differences;
}
