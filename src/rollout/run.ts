import { budgetExceeded, type FailureBudget } from '../apply/batches.ts';
import { applyNode, undoNode, type NodeApplyDeps, type NodeWork } from '../apply/node-apply.ts';
import { runGroups } from '../apply/run.ts';
import { countsAsFailure, isSuccess, type NodeOutcome, type WaveInfo } from '../apply/types.ts';
import type { ServiceToRestart } from '../spec/schema-parts.ts';
import type { HealthCheck } from './node-health.ts';
import { soakWave } from './soak.ts';

export interface RolloutOptions {
  readonly waves: readonly (readonly NodeWork[])[];
  /** The first wave is the canary (false when a resumed rollout is past it). */
  readonly canaryFirst: boolean;
  /** Nodes of the whole rollout and how many were done before this attempt. */
  readonly fleet: number;
  readonly doneBefore: number;
  readonly budget: FailureBudget;
  readonly concurrency: number;
  readonly soak: { readonly durationMs: number; readonly intervalMs: number; readonly strikes: number };
  readonly health: HealthCheck;
  /** `--pause`: asked before every wave but the first (the initial confirmation covers it); false stops the line. */
  readonly confirmWave: ((wave: WaveInfo) => Promise<boolean>) | undefined;
}

/** The node operations a rollout drives; tests replace them. */
export interface NodeOps {
  readonly apply: typeof applyNode;
  readonly undo: typeof undoNode;
}

export interface RolloutResult {
  readonly outcomes: readonly NodeOutcome[];
  /** Why the line stopped, if it did. */
  readonly stopped: string | undefined;
}

/** How wave `index` is numbered and shown: the canary is wave 0, the waves after it 1…total. */
export function waveInfo(waves: readonly (readonly NodeWork[])[], index: number, canaryFirst: boolean, doneBefore: number, fleet: number): WaveInfo {
  return {
    index: canaryFirst ? index : index + 1,
    total: canaryFirst ? waves.length - 1 : waves.length,
    canary: canaryFirst && index === 0,
    hosts: (waves[index] ?? []).map((w) => w.host),
    doneBefore,
    fleet,
  };
}

/** The waves as they will run if every node succeeds, for the confirmation. */
export function previewWaves(waves: readonly (readonly NodeWork[])[], canaryFirst: boolean, doneBefore: number, fleet: number): WaveInfo[] {
  let done = doneBefore;
  return waves.map((wave, index) => {
    const info = waveInfo(waves, index, canaryFirst, done, fleet);
    done += wave.length;
    return info;
  });
}

/**
 * The emergency rollout: waves in order, the first the canary, nodes of a wave in parallel. After a
 * wave the line stops on a failed rollback, on any canary node not taking the patch, or once the
 * failure budget is spent; otherwise the wave soaks (its nodes watched) before the next one starts,
 * and a node unhealthy during the soak is rolled back and stops the line.
 */
export async function rolloutFleet(options: RolloutOptions, deps: NodeApplyDeps, ops: NodeOps = { apply: applyNode, undo: undoNode }): Promise<RolloutResult> {
  let done = options.doneBefore;
  const info = (index: number): WaveInfo => waveInfo(options.waves, index, options.canaryFirst, done, options.fleet);
  const { confirmWave } = options;
  return runGroups(
    {
      groups: options.waves,
      concurrency: options.concurrency,
      before: async (index) => (index > 0 && confirmWave && !(await confirmWave(info(index))) ? 'stopped by the operator' : undefined),
      start: (index) => deps.hooks.waveStart?.(info(index)),
      after: async (index, results, outcomes) => {
        const wave = info(index);
        done += results.filter((o) => isSuccess(o.status)).length;
        const stopped = verdict(results, outcomes, wave, options);
        if (stopped || index === options.waves.length - 1 || options.soak.durationMs <= 0) return stopped;
        return soakAndUndo(options.waves[index] ?? [], results, outcomes, options, deps, ops);
      },
    },
    deps,
    (item, d) => ops.apply(item, d),
  );
}

function verdict(results: readonly NodeOutcome[], all: readonly NodeOutcome[], wave: WaveInfo, options: RolloutOptions): string | undefined {
  if (results.some((o) => o.status === 'failed')) return 'a rollback failed: stopping the line';
  const bad = results.filter((o) => !isSuccess(o.status) && o.status !== 'skipped');
  if (wave.canary && bad.length > 0) return `the canary did not take the patch (${bad.map((o) => `${o.name} ${o.status}`).join(', ')})`;
  const failures = all.filter((o) => countsAsFailure(o.status)).length;
  if (budgetExceeded(options.budget, failures, options.fleet)) return `failure budget exceeded (${failures} failed)`;
  return undefined;
}

/** Soaks the wave's changed nodes; rolls back each one found unhealthy, replacing its outcome. */
async function soakAndUndo(
  wave: readonly NodeWork[],
  results: readonly NodeOutcome[],
  outcomes: NodeOutcome[],
  options: RolloutOptions,
  deps: NodeApplyDeps,
  ops: NodeOps,
): Promise<string | undefined> {
  const targets = wave.flatMap((item, i) => {
    const outcome = results[i];
    return outcome?.status === 'applied' ? [{ host: item.host, services: outcome.restarted }] : [];
  });
  if (targets.length === 0) return undefined;
  const soaked = await soakWave(targets, { ...options.soak, concurrency: options.concurrency, check: options.health, hooks: deps.hooks, signal: deps.signal });
  if (soaked.unhealthy.length === 0) return soaked.interrupted ? 'interrupted' : undefined;
  await Promise.all(
    soaked.unhealthy.map(async ({ host, reason }) => {
      const at = outcomes.findIndex((o) => o.name === host.name);
      const before = outcomes[at];
      const services: readonly ServiceToRestart[] = before?.restarted ?? [];
      const changes = deps.journal?.record().nodes[host.name]?.changes ?? [];
      const outcome = await ops.undo(host, `unhealthy during the soak: ${reason}`, services, changes, deps);
      deps.hooks.nodeDone?.(host, outcome);
      if (at >= 0) outcomes[at] = outcome;
    }),
  );
  return `${soaked.unhealthy.map((u) => u.host.name).join(', ')} went unhealthy during the soak`;
}
