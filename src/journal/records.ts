/**
 * How a node ended. Only `applied` and `in-sync` count as success; every other outcome leaves
 * the node as it was (`rolled-back`, `refused`, `skipped`, `unreachable`) or needs a human (`failed`).
 * The journal's own vocabulary, so the journal sits below apply, which produces it (apply/types.ts
 * re-exports it).
 */
export type NodeOutcomeStatus = 'applied' | 'in-sync' | 'rolled-back' | 'refused' | 'skipped' | 'failed' | 'unreachable';

/** What a drain recorded about a node, kept in the journal (and on the Node, as annotations). */
export interface CordonRecord {
  /** The node's schedulability before we cordoned it: restored afterwards, never assumed. */
  readonly wasUnschedulable: boolean;
  readonly cordonedAt: string;
  readonly restoredAt?: string | undefined;
}
