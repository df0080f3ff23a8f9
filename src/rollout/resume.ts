import { hostname } from 'node:os';
import { loadInventoryFile } from '../run/inventory.ts';
import { readRunJournal, reopenRunJournal, type RunAttempt, type RunJournal } from '../journal/run-journal.ts';
import { newRunId } from '../node/run-state.ts';
import { UsageError } from '../util/errors.ts';
import { rolloutProcessAlive } from './alive.ts';
import { adoptable, needsWork, wavesFromPlan } from './prepare.ts';
import type { PlanRollout, PreparedRollout, RolloutInputs } from './prepared.ts';
import { checkAttempts, remainingWork, rolloutSettings, type RolloutSettings } from './record.ts';

export interface ResumeRequest {
  readonly runId: string;
  /** The inventory to use, given the one the run recorded (`-i` or $NODEWARD_INVENTORY may override it). */
  readonly inventoryFor: (recorded: string) => string;
  /** `--ssh-config FILE`, as the rest of the run was given it. */
  readonly sshConfig?: string | undefined;
  /** Gate tunings given anew on the command line; the run's own otherwise. */
  readonly tuning: { readonly healthTimeout?: string | undefined; readonly lockTtl?: string | undefined };
  readonly lockWait: boolean;
}

/**
 * The rest of an interrupted rollout, exactly as it was started: its waves by name without the
 * nodes already done, its playbooks (refused if edited since: that is another patch), and the
 * locks and pending runs of its dead attempts taken over or adopted.
 */
export async function resumeRollout<I extends RolloutInputs>(request: ResumeRequest, planRollout: PlanRollout<I>): Promise<PreparedRollout<I>> {
  const { runId } = request;
  const record = await readRunJournal(runId);
  const settings: RolloutSettings = rolloutSettings(record);
  const attempts = checkAttempts(record, { hostname: hostname(), alive: rolloutProcessAlive });
  if (attempts.live) throw new UsageError(`run ${runId} is still running (pid ${attempts.live.pid}, since ${attempts.live.startedAt}): interrupt it first`);
  const remaining = remainingWork(settings, record);
  const inventory = await loadInventoryFile(request.inventoryFor(record.inventory), { sshConfig: request.sshConfig });
  const known = new Set(inventory.nodes.map((node) => node.name));
  const present = remaining.waves.flat().filter((name) => known.has(name));
  const gate = { healthTimeout: request.tuning.healthTimeout ?? settings.healthTimeout, lockTtl: request.tuning.lockTtl ?? settings.lockTtl };
  const base = { settings, gate, reason: record.reason ?? '', runId, attemptId: newRunId(), takeOverFrom: attempts.takeOverFrom, fleet: settings.plan.flat().length, doneBefore: remaining.done.length, previous: record };
  const openJournal = (attempt: RunAttempt): Promise<RunJournal> => reopenRunJournal(runId, attempt);
  if (present.length === 0) {
    return { ...base, openJournal, inputs: undefined, plan: undefined, canaryFirst: false, work: wavesFromPlan(remaining.waves, [], [], new Map(), () => false) };
  }
  const { inputs, plan } = await planRollout(record.playbooks, { inventory: inventory.file, limit: present });
  const changed = inputs.sources.playbooks.filter((p) => settings.playbookDigests[p.file] !== p.sha256).map((p) => p.file);
  if (changed.length > 0) throw new UsageError(`${changed.join(', ')} changed since run ${runId} started: that is another patch, so start a new rollout`);
  const pending = new Set(present.filter((name) => record.nodes[name]?.status === 'pending'));
  const adopt = adoptable(pending, attempts.takeOverFrom);
  const work = wavesFromPlan(remaining.waves, plan.nodes, inputs.hosts, inputs.entriesByHost, (node) => needsWork(node, request.lockWait) || adopt(node));
  const canaryNodes = new Set(settings.plan[0] ?? []);
  const canaryFirst = remaining.canaryFirst && (work.waves[0]?.some((item) => canaryNodes.has(item.host.name)) ?? false);
  return { ...base, openJournal, inputs, plan, work, canaryFirst };
}
