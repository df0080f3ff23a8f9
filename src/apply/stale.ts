import { canonicalJson } from '../plan/fingerprint.ts';
import type { NodePlan } from '../plan/types.ts';

export type StaleKind = 'gone' | 'changed' | 'wanted' | 'new';

export interface StaleDifference {
  readonly kind: StaleKind;
  readonly target: string;
}

/**
 * What differs between the plan an operator approved (or saved) and the plan computed from the
 * node's facts now. Any difference refuses the node: applying something other than what was
 * shown is never done silently.
 */
export function staleDifferences(approved: NodePlan, fresh: NodePlan): StaleDifference[] {
  const now = new Map(fresh.changes.map((change) => [change.id, change]));
  const then = new Map(approved.changes.map((change) => [change.id, change]));
  const differences: StaleDifference[] = [];
  for (const [id, change] of then) {
    const current = now.get(id);
    if (!current) differences.push({ kind: 'gone', target: change.target });
    else if (current.fingerprint !== change.fingerprint) differences.push({ kind: 'changed', target: change.target });
    else if (canonicalJson(current.after) !== canonicalJson(change.after)) differences.push({ kind: 'wanted', target: change.target });
  }
  for (const [id, change] of now) {
    if (!then.has(id)) differences.push({ kind: 'new', target: change.target });
  }
  return differences;
}

const WORDS: Record<StaleKind, (n: number) => string> = {
  gone: (n) => `${n === 1 ? 'its change is' : `${n} of its changes are`} no longer needed (applied since the plan was made?)`,
  changed: (n) => `${n === 1 ? '1 target' : `${n} targets`} changed on the node since the plan`,
  wanted: (n) => `${n === 1 ? '1 target is' : `${n} targets are`} wanted otherwise than the plan says (playbook edited?)`,
  new: (n) => `${n === 1 ? '1 change is' : `${n} changes are`} needed now that the plan does not have`,
};

/** Once per kind of difference, with a count and the first few targets: a re-applied plan is one short line. */
export function describeStale(differences: readonly StaleDifference[], shown = 3): string {
  const parts = (['gone', 'changed', 'wanted', 'new'] as const).flatMap((kind) => {
    const targets = differences.filter((d) => d.kind === kind).map((d) => d.target);
    if (targets.length === 0) return [];
    const named = targets.slice(0, shown).join(', ') + (targets.length > shown ? ` and ${targets.length - shown} more` : '');
    return [`${WORDS[kind](targets.length)}: ${named}`];
  });
  return parts.join('; ');
}
