import { groupsByDomain } from '../apply/domains.ts';
import { createRunJournal } from '../journal/run-journal.ts';
import { newRunId } from '../node/run-state.ts';
import { needsWork, wavesFromPlan } from './prepare.ts';
import type { PlanRollout, PreparedRollout, RolloutInputs } from './prepared.ts';
import type { RolloutSettings } from './record.ts';
import { toWaves, type WaveTarget } from './waves.ts';
import { UsageError } from '../util/errors.ts';

export interface NewRollout {
  readonly playbooks: readonly string[];
  readonly reason: string;
  readonly waves: { readonly spec: string; readonly targets: readonly WaveTarget[] };
  readonly soakSeconds: number;
  readonly drain: boolean;
  readonly drainTimeoutSeconds: number;
  readonly maxFailures: string;
  /** `--waves-by LABEL`: the canary in the first value of the label, then one value (a zone) at a time, `--waves` within each. */
  readonly wavesBy?: string | undefined;
  /** `--max-unavailable`: recorded for `--resume`. */
  readonly maxUnavailable?: string | undefined;
  readonly healthTimeout: string;
  readonly lockTtl: string;
  readonly limit: readonly string[];
  /** `--lock-wait`: a node locked by another run goes into its wave and is waited for. */
  readonly lockWait: boolean;
}

/**
 * A new rollout: plan, cut the nodes that need work into waves, and record what `--resume` needs
 * to continue it exactly (waves by name, options, the playbooks' digests).
 */
export async function startRollout<I extends RolloutInputs>(request: NewRollout, planRollout: PlanRollout<I>): Promise<PreparedRollout<I>> {
  const { inputs, plan } = await planRollout(request.playbooks, {
    beforeContact: (loaded) => {
      if (request.drain && !loaded.inventory.kubeconfig) throw new UsageError('--drain needs the Kubernetes API: set `kubeconfig:` in the inventory');
    },
  });
  const include = (node: Parameters<typeof needsWork>[0]): boolean => needsWork(node, request.lockWait);
  const names = plan.nodes.filter(include).map((node) => node.name);
  const by = request.wavesBy;
  const labelsOf = new Map(inputs.hosts.map((host) => [host.name, host.labels]));
  // by failure domain: the canary in the first domain, then the domain's waves, then the next domain's
  const waveNames = by ? groupsByDomain(names, (name) => labelsOf.get(name)?.[by], (group) => toWaves(group, request.waves.targets)).map((g) => g.items) : toWaves(names, request.waves.targets);
  const runId = newRunId();
  const settings: RolloutSettings = {
    waves: request.waves.spec,
    plan: waveNames,
    soakSeconds: request.soakSeconds,
    drain: request.drain,
    drainTimeoutSeconds: request.drainTimeoutSeconds,
    maxFailures: request.maxFailures,
    ...(by ? { wavesBy: by } : {}),
    ...(request.maxUnavailable ? { maxUnavailable: request.maxUnavailable } : {}),
    healthTimeout: request.healthTimeout,
    lockTtl: request.lockTtl,
    limit: [...request.limit],
    playbookDigests: Object.fromEntries(inputs.sources.playbooks.map((p) => [p.file, p.sha256])),
  };
  return {
    inputs,
    plan,
    work: wavesFromPlan(waveNames, plan.nodes, inputs.hosts, inputs.entriesByHost, include),
    canaryFirst: true,
    fleet: names.length,
    doneBefore: 0,
    settings,
    gate: { healthTimeout: request.healthTimeout, lockTtl: request.lockTtl },
    reason: request.reason,
    runId,
    attemptId: runId,
    takeOverFrom: [],
    openJournal: (attempt) =>
      createRunJournal({
        runId,
        command: 'rollout',
        operator: attempt.operator,
        reason: request.reason,
        startedAt: attempt.startedAt,
        inventory: inputs.inventory.file,
        playbooks: inputs.playbooks.map((p) => p.file),
        options: settings,
        attempts: [attempt],
      }),
  };
}
