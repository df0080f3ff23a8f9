import { z } from 'zod';
import { isSuccess, type NodeOutcomeStatus } from '../apply/types.ts';
import type { RunAttempt, RunRecord } from '../journal/run-journal.ts';
import { NodewardError } from '../util/errors.ts';

/** What a rollout records in its journal's `options`, so that `--resume` continues it exactly. */
const settingsSchema = z.object({
  waves: z.string(),
  /** Node names per wave, in order; the first wave is the canary. */
  plan: z.array(z.array(z.string()).min(1)).min(1),
  soakSeconds: z.number().int().min(0),
  drain: z.boolean(),
  drainTimeoutSeconds: z.number().int().positive(),
  maxFailures: z.string(),
  /** `--waves-by LABEL`: the waves in `plan` go one value of the label (a zone) at a time. */
  wavesBy: z.string().optional(),
  /** `--max-unavailable N|%` (of the rollout's nodes). */
  maxUnavailable: z.string().optional(),
  healthTimeout: z.string(),
  lockTtl: z.string(),
  limit: z.array(z.string()),
  /** sha256 per playbook file: a playbook edited since is a different patch, not a resume. */
  playbookDigests: z.record(z.string(), z.string()),
});

export type RolloutSettings = z.infer<typeof settingsSchema>;

export function rolloutSettings(record: RunRecord): RolloutSettings {
  if (record.command !== 'rollout') throw new NodewardError('journal', `run ${record.runId} is a \`${record.command}\`, not a rollout: only rollouts can be resumed`);
  const parsed = settingsSchema.safeParse(record.options);
  if (!parsed.success) throw new NodewardError('journal', `the journal of run ${record.runId} does not describe a rollout nodeward can resume: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

export interface RemainingWork {
  /** Waves still to do, each without its done nodes; empty waves dropped. */
  readonly waves: readonly (readonly string[])[];
  /** The canary wave is among them: it did not finish. */
  readonly canaryFirst: boolean;
  readonly done: readonly string[];
}

const done = (status: NodeOutcomeStatus | 'pending' | undefined): boolean => status !== undefined && status !== 'pending' && isSuccess(status);

/** Where a rollout stopped: every planned node not applied or in sync is still to do, in its wave. */
export function remainingWork(settings: RolloutSettings, record: RunRecord): RemainingWork {
  const isDone = (name: string): boolean => done(record.nodes[name]?.status);
  const waves = settings.plan.map((wave) => wave.filter((name) => !isDone(name)));
  return {
    waves: waves.filter((wave) => wave.length > 0),
    canaryFirst: (waves[0]?.length ?? 0) > 0,
    done: settings.plan.flat().filter(isDone),
  };
}

export interface AttemptCheck {
  /** An earlier attempt still running on this machine: resuming now would race it. */
  readonly live: RunAttempt | undefined;
  /** Earlier attempts' run ids whose node locks may be taken over (they are known to be over). */
  readonly takeOverFrom: readonly string[];
}

/**
 * Whether the earlier attempts are over. Only a process on this machine can be checked: one on
 * another machine is trusted to be over only once the journal says the run finished; otherwise its
 * locks are left to expire (or to `--lock-wait`).
 */
export function checkAttempts(record: RunRecord, here: { readonly hostname: string; readonly alive: (pid: number) => boolean }): AttemptCheck {
  const attempts = record.attempts ?? [];
  const last = attempts.at(-1);
  const ids = attempts.map((a) => a.runId);
  if (record.finishedAt !== undefined || !last) return { live: undefined, takeOverFrom: ids };
  if (last.hostname !== here.hostname) return { live: undefined, takeOverFrom: ids.slice(0, -1) };
  if (here.alive(last.pid)) return { live: last, takeOverFrom: [] };
  return { live: undefined, takeOverFrom: ids };
}
