import type { HostSpec } from '../config/types.ts';
import type { ResourceEntry } from '../config/playbook-types.ts';
import type { RunAttempt, RunJournal, RunRecord } from '../journal/run-journal.ts';
import type { Plan } from '../plan/types.ts';
import type { WavesFromPlan } from './prepare.ts';
import type { RolloutSettings } from './record.ts';

/** What a rollout needs of the loaded inputs (the CLI's, with its full inventory, fit it). */
export interface RolloutInputs {
  readonly inventory: { readonly file: string; readonly kubeconfig?: string | undefined };
  readonly hosts: readonly HostSpec[];
  readonly playbooks: readonly { readonly file: string }[];
  readonly entriesByHost: ReadonlyMap<string, readonly ResourceEntry[]>;
  readonly sources: { readonly playbooks: readonly { readonly file: string; readonly sha256: string }[] };
}

/** Plans the given playbooks for the given nodes (the CLI's plan, with its flags). */
export type PlanRollout<I extends RolloutInputs> = (playbooks: readonly string[], overrides: PlanOverrides) => Promise<{ readonly inputs: I; readonly plan: Plan }>;

export interface PlanOverrides {
  readonly inventory?: string | undefined;
  readonly limit?: readonly string[] | undefined;
  /** Runs on the loaded inputs before any node is contacted: a refusal here touches nothing. */
  readonly beforeContact?: ((inputs: RolloutInputs) => void) | undefined;
}

/** A rollout ready to run: a new one, or the rest of an interrupted one (`--resume`). */
export interface PreparedRollout<I extends RolloutInputs> {
  readonly inputs: I | undefined;
  readonly plan: Plan | undefined;
  readonly work: WavesFromPlan;
  readonly canaryFirst: boolean;
  readonly fleet: number;
  readonly doneBefore: number;
  readonly settings: RolloutSettings;
  /** The health gate's and the lock's tunings for this attempt: a resumed run keeps its own unless given anew. */
  readonly gate: { readonly healthTimeout: string; readonly lockTtl: string };
  readonly reason: string;
  readonly runId: string;
  readonly attemptId: string;
  readonly takeOverFrom: readonly string[];
  readonly openJournal: (attempt: RunAttempt) => Promise<RunJournal>;
  /** The journal as the interrupted attempts left it (`--resume`). */
  readonly previous?: RunRecord | undefined;
}
