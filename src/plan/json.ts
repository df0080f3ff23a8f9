import { planTotals } from './summary.ts';
import { wouldRefuse, type Change, type NodePlan, type Plan } from './types.ts';

/**
 * The plan as JSON for `--json` and `--out`. Operations (which carry new file content) are left
 * out: a saved plan is re-derived from the playbooks at apply time, so no secret is ever stored.
 */
export function planToJson(plan: Plan): unknown {
  return {
    version: plan.version,
    createdAt: plan.createdAt,
    inventory: plan.inventory,
    playbooks: plan.playbooks,
    limit: plan.limit,
    summary: summarize(plan.nodes),
    nodes: plan.nodes.map(nodeToJson),
  };
}

/** Nodes per status (as before), and the footer's totals: nodes locked by another run, changes and restarts. */
function summarize(nodes: readonly NodePlan[]): Record<string, number> {
  const totals = planTotals(nodes);
  return {
    nodes: nodes.length,
    inSync: nodes.filter((n) => n.status === 'in-sync').length,
    changes: nodes.filter((n) => n.status === 'changes' && !wouldRefuse(n)).length,
    refused: totals.byDisposition.refused,
    errors: nodes.filter((n) => n.status === 'error').length,
    locked: totals.byDisposition.locked,
    changeCount: totals.changes,
    restartCount: totals.restarts,
  };
}

function nodeToJson(node: NodePlan): unknown {
  return {
    name: node.name,
    address: node.address,
    // a node with changes the guards refuse has a status of its own: apply would not touch it
    status: wouldRefuse(node) ? 'refused' : node.status,
    error: node.error ?? null,
    refusal: node.refusal ?? [],
    restarts: node.restarts,
    skipped: node.skipped,
    lockedBy: node.lockedBy ?? null,
    kubernetes: node.kubernetes ?? null,
    pendingRuns: node.pendingRuns ?? [],
    changes: node.changes.map(changeToJson),
  };
}

function changeToJson(change: Change): unknown {
  return {
    id: change.id,
    resource: change.kind,
    target: change.target,
    action: change.action,
    entries: change.entries,
    checks: change.checks,
    summary: change.summary,
    before: change.before,
    after: change.after,
    diff: change.diff ?? null,
    sensitive: change.sensitive,
    restarts: change.restarts,
    notes: change.notes,
    fingerprint: change.fingerprint,
  };
}
