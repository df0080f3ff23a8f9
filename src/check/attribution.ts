import type { ResourceEntry } from '../config/playbook-types.ts';
import type { HostSpec } from '../config/types.ts';
import type { NodeFacts } from '../facts/types.ts';
import { buildNodePlan } from '../planner/build.ts';
import type { Change, NodePlan } from '../plan/types.ts';

export interface Attribution {
  /** Per entry id: what that entry alone needs on the node (as the node's plan would make it). */
  readonly byEntry: ReadonlyMap<string, readonly Change[]>;
  /** Per change id of the node's plan: the entries, and their checks, that need it. */
  readonly byChange: ReadonlyMap<string, { readonly entries: readonly string[]; readonly checks: readonly string[] }>;
}

/**
 * Which entry needs which change. A plan merges entries per target (every kubelet key in one
 * write, a permissions constraint folded into it), so a change's `entries` and `checks` name all
 * of them; planning each entry alone on the same facts says which of them are out of sync and
 * how. Only targets the node's plan changes count: an entry planned alone may render a shared
 * file (sysctl.d) differently from the merged plan. Pure, and kind-agnostic.
 */
/**
 * The node's change for the target, told as this entry's part of it: the summary lines the entry
 * alone would cause, when the merged change has them; else (a shared file rendered differently
 * from the entry alone) the merged change as it is.
 */
function narrowed(alone: Change, full: Change): Change {
  const lines = alone.summary.filter((line) => full.summary.includes(line));
  return lines.length > 0 ? { ...full, summary: lines, restarts: alone.restarts } : full;
}

export function attribute(host: HostSpec, entries: readonly ResourceEntry[], facts: NodeFacts, plan: NodePlan): Attribution {
  const byEntry = new Map<string, Change[]>();
  const byChange = new Map<string, { entries: Set<string>; checks: Set<string> }>();
  const byTarget = new Map(plan.changes.map((change) => [change.target, change]));
  // a change that says which entry each of its lines is owed to is charged by those lines, not by
  // planning entries alone (an entry alone would rewrite the shared file, touching every line)
  const owned = plan.changes.filter((change) => change.summaryEntries !== undefined);
  for (const change of owned) {
    const lines = change.summaryEntries ?? [];
    const slot = byChange.get(change.id) ?? { entries: new Set<string>(), checks: new Set<string>() };
    for (const entry of entries) {
      const mine = change.summary.filter((_, index) => lines[index]?.includes(entry.id));
      if (mine.length === 0) continue;
      byEntry.set(entry.id, [...(byEntry.get(entry.id) ?? []), { ...change, summary: mine, summaryEntries: mine.map(() => [entry.id]) }]);
      slot.entries.add(entry.id);
      for (const check of entry.checks) slot.checks.add(check);
    }
    byChange.set(change.id, slot);
  }
  if (plan.status === 'changes') {
    for (const entry of entries) {
      const alone = buildNodePlan(host, [entry], facts);
      const changes = (
        alone.status === 'error' ? plan.changes.filter((c) => c.entries.includes(entry.id)) : alone.changes.filter((c) => byTarget.has(c.target))
      ).filter((c) => byTarget.get(c.target)?.summaryEntries === undefined);
      byEntry.set(entry.id, [...(byEntry.get(entry.id) ?? []), ...changes.map((change) => narrowed(change, byTarget.get(change.target) ?? change))]);
      for (const change of changes) {
        const full = byTarget.get(change.target) ?? change;
        const slot = byChange.get(full.id) ?? { entries: new Set<string>(), checks: new Set<string>() };
        slot.entries.add(entry.id);
        for (const check of entry.checks) slot.checks.add(check);
        byChange.set(full.id, slot);
      }
    }
  }
  for (const change of plan.changes) {
    if (!byChange.has(change.id)) byChange.set(change.id, { entries: new Set(change.entries), checks: new Set(change.checks) });
  }
  return {
    byEntry,
    byChange: new Map([...byChange].map(([id, slot]) => [id, { entries: [...slot.entries], checks: [...slot.checks] }])),
  };
}
