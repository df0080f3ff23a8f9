import type { NodeOutcome } from '../apply/types.ts';
import { attribute } from '../check/attribution.ts';
import type { ResourceEntry } from '../config/playbook-types.ts';
import type { HostSpec } from '../config/types.ts';
import type { NodeFacts } from '../facts/types.ts';
import type { NodePlan } from '../plan/types.ts';
import { refusalReason } from '../plan/refusal.ts';
import { compareDrift } from './compare.ts';
import type { NodeHistory } from './history.ts';
import type { DriftItem, DriftNode, DriftRule } from './types.ts';

export interface NodeDriftInput {
  readonly host: HostSpec;
  readonly entries: readonly ResourceEntry[];
  readonly plan: NodePlan;
  readonly facts: NodeFacts | undefined;
  /** Why the node was not judged: another run holds its lock. */
  readonly locked: string | undefined;
  readonly previous: NodeHistory | undefined;
  /** --fix's outcome on the node, when it was fixed. */
  readonly fix: NodeOutcome | undefined;
  readonly sinceLast: boolean;
  readonly runId: string;
  readonly now: string;
}

const NO_COUNTS = { found: 0, new: 0, persisting: 0, fixed: 0, resolved: 0 };

/** One node's drift, and the history to keep for the next run (undefined: keep the old one). Pure. */
export function driftNode(input: NodeDriftInput): { readonly node: DriftNode; readonly history: NodeHistory | undefined } {
  const { host, plan } = input;
  const base = { name: host.name, address: host.address, items: [], counts: NO_COUNTS, resolved: [], rules: [], fix: undefined };
  if (plan.status === 'error' || !input.facts) {
    const unreachable = plan.error?.code.startsWith('connect') === true;
    return { node: { ...base, status: unreachable ? 'unreachable' : 'error', reason: plan.error?.message ?? 'the node was not read' }, history: undefined };
  }
  if (input.locked !== undefined) return { node: { ...base, status: 'locked', reason: input.locked }, history: undefined };

  const attribution = attribute(host, input.entries, input.facts, plan);
  const found = plan.changes.map((change) => {
    const who = attribution.byChange.get(change.id);
    return { id: change.id, kind: change.kind, target: change.target, action: change.action, summary: change.summary, rules: who?.entries ?? change.entries, checks: who?.checks ?? change.checks, restarts: change.restarts, diff: change.diff };
  });
  const compared = compareDrift(input.previous?.items, found, input.now);
  const converged = input.fix !== undefined && (input.fix.status === 'applied' || input.fix.status === 'in-sync');
  const items: DriftItem[] = compared.current.map((item) => ({ ...item, fixed: converged }));
  const counts = {
    found: items.length,
    new: items.filter((i) => i.state === 'new').length,
    persisting: items.filter((i) => i.state === 'persisting').length,
    fixed: converged ? items.length : 0,
    resolved: compared.resolved.length,
  };
  const status = items.length === 0 ? 'in-sync' : input.fix === undefined ? 'drift' : converged ? 'fixed' : 'fix-failed';
  const skipped = new Map(plan.skipped.map((s) => [s.entry, s.reason]));
  const rules = input.entries.map((entry): DriftRule => {
    const reason = skipped.get(entry.id);
    if (reason !== undefined) return { id: entry.id, checks: entry.checks, state: 'not-applicable', reason };
    const drifted = (attribution.byEntry.get(entry.id) ?? []).length > 0;
    return { id: entry.id, checks: entry.checks, state: drifted ? (converged ? 'fixed' : 'drift') : 'in-sync', reason: undefined };
  });
  const refusal = refusalReason(plan);
  const reason =
    input.fix && !converged
      ? `--fix: ${input.fix.status}${input.fix.reason ? `: ${input.fix.reason}` : ''}`
      : input.fix?.status === 'in-sync'
        ? 'in sync by the time --fix came to it'
        : refusal
          ? `apply (and --fix) would refuse it: ${refusal.replace(/^refused by the guards before any change: /, '')}`
          : undefined;
  return {
    node: {
      ...base,
      status,
      reason,
      items: input.sinceLast ? items.filter((item) => item.state === 'new') : items,
      counts,
      resolved: input.sinceLast ? [] : compared.resolved,
      rules,
      fix: input.fix ? { status: input.fix.status, reason: input.fix.reason, restarted: input.fix.restarted } : undefined,
      ...(refusal ? { refusal } : {}),
    },
    history: {
      version: 1,
      node: host.name,
      runId: input.runId,
      at: input.now,
      items: converged ? [] : compared.current.map(({ id, kind, target, summary, rules: r, checks, firstSeen }) => ({ id, kind, target, summary, rules: r, checks, firstSeen })),
    },
  };
}
