import type { NodeOutcome } from '../apply/types.ts';
import type { ResourceEntry } from '../config/playbook-types.ts';
import type { NodeHistory } from './history.ts';
import { driftNode } from './node-drift.ts';
import type { DriftRead } from './read.ts';
import type { DriftNode } from './types.ts';

export interface AssembleInput {
  readonly reads: readonly DriftRead[];
  readonly entriesByHost: ReadonlyMap<string, readonly ResourceEntry[]>;
  readonly previous: ReadonlyMap<string, NodeHistory>;
  readonly outcomes: ReadonlyMap<string, NodeOutcome>;
  readonly sinceLast: boolean;
  readonly runId: string;
  readonly now: string;
}

/** Every node's drift and the histories to keep. Pure. */
export function assembleNodes(input: AssembleInput): { nodes: DriftNode[]; histories: NodeHistory[] } {
  const results = input.reads.map((read) =>
    driftNode({
      host: read.host,
      entries: input.entriesByHost.get(read.host.name) ?? [],
      plan: read.plan,
      facts: read.facts,
      locked: read.locked,
      previous: input.previous.get(read.host.name),
      fix: input.outcomes.get(read.host.name),
      sinceLast: input.sinceLast,
      runId: input.runId,
      now: input.now,
    }),
  );
  return { nodes: results.map((r) => r.node), histories: results.flatMap((r) => (r.history ? [r.history] : [])) };
}

/** A --fix refused because another run holds the node: not an error of this run, the drift stays. */
export function lockRefusal(outcome: NodeOutcome | undefined): boolean {
  return outcome?.status === 'refused' && /^locked by run /.test(outcome.reason ?? '');
}

export type DriftVerdict = 'rollback-failed' | 'rolled-back' | 'error' | 'drift-and-unreachable' | 'unreachable' | 'drift' | 'clean';

/** The worst thing that happened, in the order a scheduler should act on it. */
export function driftVerdict(nodes: readonly DriftNode[], outcomes: ReadonlyMap<string, NodeOutcome>): DriftVerdict {
  const fixes = [...outcomes.values()];
  if (fixes.some((o) => o.status === 'failed')) return 'rollback-failed';
  if (fixes.some((o) => o.status === 'rolled-back')) return 'rolled-back';
  const fixError = fixes.some((o) => (o.status === 'refused' || o.status === 'skipped' || o.status === 'unreachable') && !lockRefusal(o));
  if (fixError || nodes.some((n) => n.status === 'error')) return 'error';
  const unreachable = nodes.some((n) => n.status === 'unreachable');
  const drift = nodes.some((n) => n.items.length > 0);
  if (unreachable && drift) return 'drift-and-unreachable';
  if (unreachable) return 'unreachable';
  if (drift) return 'drift';
  return 'clean';
}
