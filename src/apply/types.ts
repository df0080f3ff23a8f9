import type { HostSpec } from '../config/types.ts';
import type { ServiceToRestart } from '../resources/schema-parts.ts';

/**
 * How a node ended. Only `applied` and `in-sync` count as success; every other outcome leaves
 * the node as it was (`rolled-back`, `refused`, `skipped`, `unreachable`) or needs a human (`failed`).
 */
export type NodeOutcomeStatus = 'applied' | 'in-sync' | 'rolled-back' | 'refused' | 'skipped' | 'failed' | 'unreachable';

export interface NodeOutcome {
  readonly name: string;
  readonly status: NodeOutcomeStatus;
  /** Why, for anything but applied/in-sync. */
  readonly reason: string | undefined;
  readonly changes: number;
  readonly restarted: readonly ServiceToRestart[];
  readonly durationMs: number;
}

export function isSuccess(status: NodeOutcomeStatus): boolean {
  return status === 'applied' || status === 'in-sync';
}

/** Outcomes that spend the failure budget. */
export function countsAsFailure(status: NodeOutcomeStatus): boolean {
  return status === 'rolled-back' || status === 'failed' || status === 'refused' || status === 'unreachable';
}

export type ApplyStep = 'lock' | 'recover' | 'facts' | 'guard' | 'backup' | 'write' | 'restart' | 'gate' | 'rollback' | 'unlock';

/** The executor reports through these; only ui/ implements them. */
export interface ApplyHooks {
  readonly batchStart?: (index: number, total: number, hosts: readonly HostSpec[]) => void;
  readonly nodeStep?: (host: HostSpec, step: ApplyStep, detail?: string) => void;
  readonly nodeDone?: (host: HostSpec, outcome: NodeOutcome) => void;
  readonly warn?: (host: HostSpec | undefined, message: string) => void;
}
