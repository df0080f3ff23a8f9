import type { NodeOutcomeStatus } from '../apply/types.ts';
import type { HistoryItem } from './history.ts';
import type { ItemState } from './compare.ts';
import type { Shard } from './shard.ts';

/**
 * A node after the run. `fixed`: drift found and --fix converged it; `fix-failed`: --fix did
 * not (rolled back, refused, …); `locked`: another nodeward run held it (skipped, or waited in vain).
 */
export type DriftNodeStatus = 'in-sync' | 'drift' | 'fixed' | 'fix-failed' | 'error' | 'unreachable' | 'locked';

export interface DriftItem {
  readonly id: string;
  readonly kind: string;
  readonly target: string;
  readonly action: string;
  readonly summary: readonly string[];
  /** Playbook entries (`playbook/entry`) that need this change. */
  readonly rules: readonly string[];
  /** Their catalogue ids (CIS or guide). */
  readonly checks: readonly string[];
  readonly restarts: readonly string[];
  /** The same diff `plan` shows for the change (hashes only for sensitive files). */
  readonly diff?: string | undefined;
  readonly state: ItemState;
  readonly firstSeen: string;
  readonly fixed: boolean;
}

/** A playbook entry on a node. */
export interface DriftRule {
  readonly id: string;
  readonly checks: readonly string[];
  readonly state: 'in-sync' | 'drift' | 'fixed' | 'not-applicable';
  readonly reason: string | undefined;
}

export interface DriftNode {
  readonly name: string;
  readonly address: string;
  readonly status: DriftNodeStatus;
  readonly reason: string | undefined;
  /** Drift found by this run (only the new items with --since-last). */
  readonly items: readonly DriftItem[];
  /** Counted before --since-last filtering. */
  readonly counts: { readonly found: number; readonly new: number; readonly persisting: number; readonly fixed: number; readonly resolved: number };
  /** Drift the previous run found that is gone. */
  readonly resolved: readonly HistoryItem[];
  readonly rules: readonly DriftRule[];
  readonly fix: { readonly status: NodeOutcomeStatus; readonly reason: string | undefined; readonly restarted: readonly string[] } | undefined;
  /** Apply's guards would refuse these changes (so would --fix), and why. */
  readonly refusal?: string | undefined;
}

export interface DriftReport {
  readonly version: 1;
  readonly runId: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationSeconds: number;
  readonly inventory: string;
  readonly playbooks: readonly string[];
  readonly shard: Shard | undefined;
  readonly fix: boolean;
  readonly sinceLast: boolean;
  /** When the previous run that covered these nodes ran (the newest of their records). */
  readonly previousRunAt: string | undefined;
  readonly lastSuccessAt: string | undefined;
  readonly nodes: readonly DriftNode[];
  readonly exitCode: number;
  /** Run-level problems (a fix run that stopped early, …). */
  readonly notes: readonly string[];
}
