import type { HostSpec } from '../config/types.ts';
import type { ServiceToRestart } from '../spec/schema-parts.ts';
import type { CordonRecord, NodeOutcomeStatus } from '../journal/records.ts';

export type { CordonRecord, NodeOutcomeStatus };

export interface NodeOutcome {
  readonly name: string;
  readonly status: NodeOutcomeStatus;
  /** Why, for anything but applied/in-sync. */
  readonly reason: string | undefined;
  /** Changes in effect on the node because of this run. */
  readonly changes: number;
  readonly restarted: readonly ServiceToRestart[];
  readonly durationMs: number;
  /** The run may have changed something on the node, even if it was undone since: never reported as untouched. */
  readonly touched?: boolean | undefined;
  /** What the run had changed and then undid (`rolled-back`): "file /etc/…", "sysctl net.…", "unit …". */
  readonly undone?: readonly string[] | undefined;
  /** A node left part-way (`failed`): the run's state there, and the one command that finishes the job. */
  readonly left?: { readonly state: string; readonly finish: string } | undefined;
}

/** Something this run changed is still in effect, or may be, on some node: there is something to undo. */
export function leftChanges(outcomes: readonly NodeOutcome[]): boolean {
  return outcomes.some((o) => (o.status === 'applied' && o.changes > 0) || (o.status === 'failed' && o.touched === true));
}

export function isSuccess(status: NodeOutcomeStatus): boolean {
  return status === 'applied' || status === 'in-sync';
}

/** Outcomes that spend the failure budget. */
export function countsAsFailure(status: NodeOutcomeStatus): boolean {
  return status === 'rolled-back' || status === 'failed' || status === 'refused' || status === 'unreachable';
}

export type ApplyStep = 'lock' | 'recover' | 'facts' | 'guard' | 'backup' | 'write' | 'restart' | 'gate' | 'rollback' | 'unlock' | 'wait-unavailable';

/** A rollout wave about to start: the first one of a rollout is the canary. */
export interface WaveInfo {
  /** 0 for the canary, then 1…total (a resumed rollout numbers its remaining waves from 1). */
  readonly index: number;
  /** Waves after the canary. */
  readonly total: number;
  readonly canary: boolean;
  readonly hosts: readonly HostSpec[];
  /** Nodes of the rollout done before this wave starts (earlier waves and earlier attempts). */
  readonly doneBefore: number;
  /** Nodes the rollout patches in all. */
  readonly fleet: number;
}

/** The hold after a wave, while its nodes are watched. */
export type SoakEvent =
  | { readonly kind: 'start'; readonly hosts: readonly HostSpec[]; readonly seconds: number }
  | { readonly kind: 'check'; readonly remainingMs: number; readonly healthy: number; readonly total: number }
  | { readonly kind: 'unhealthy'; readonly host: HostSpec; readonly reason: string }
  | { readonly kind: 'end'; readonly ok: boolean };

/** Kubernetes-side steps around a node's change (`--drain`), and the repair of a cordon an earlier run left. */
export type DrainStep = 'cordon' | 'evict' | 'wait' | 'blocked' | 'uncordon' | 'keep-cordoned' | 'recover';

/** The executor reports through these; only ui/ implements them. */
export interface ApplyHooks {
  readonly batchStart?: (index: number, total: number, hosts: readonly HostSpec[]) => void;
  readonly nodeStep?: (host: HostSpec, step: ApplyStep, detail?: string) => void;
  readonly nodeDone?: (host: HostSpec, outcome: NodeOutcome) => void;
  readonly warn?: (host: HostSpec | undefined, message: string) => void;
  readonly waveStart?: (wave: WaveInfo) => void;
  readonly soak?: (event: SoakEvent) => void;
  readonly drainStep?: (host: HostSpec, step: DrainStep, detail?: string) => void;
}


export type DrainResult =
  | { readonly ok: true; readonly record: CordonRecord; readonly evicted: readonly string[] }
  /** The drain failed and the node's schedulability is already restored (`restoreFailed` says if not). */
  | { readonly ok: false; readonly reason: string; readonly record: CordonRecord | undefined; readonly restoreFailed: string | undefined };

/** Cordon and drain a node before its change, restore it after (`--drain`). Implemented in drain/. */
export interface NodeDrainer {
  drain(host: HostSpec, signal: AbortSignal | undefined): Promise<DrainResult>;
  /** Puts back the node's prior schedulability; returns why it could not, or undefined. */
  restore(host: HostSpec): Promise<string | undefined>;
}

/** Under the node lock: undoes a cordon an earlier run (now gone) left on the node. */
export interface CordonRecovery {
  recover(host: HostSpec): Promise<string | undefined>;
}
