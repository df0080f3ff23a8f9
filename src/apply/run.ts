import pLimit from 'p-limit';
import { budgetExceeded, type BatchSize, type FailureBudget } from './batches.ts';
import { domainBatches } from './domains.ts';
import { applyNode, type NodeApplyDeps, type NodeWork } from './node-apply.ts';
import { countsAsFailure, type NodeOutcome } from './types.ts';

export interface FleetApplyOptions {
  readonly batches: readonly BatchSize[];
  /** `--batch-by LABEL`: batches within one value of the label at a time (a zone, then the next). */
  readonly batchBy?: string | undefined;
  readonly budget: FailureBudget;
  readonly concurrency: number;
}

export interface FleetApplyResult {
  readonly outcomes: readonly NodeOutcome[];
  /** Why the run stopped early, if it did. */
  readonly stopped: string | undefined;
}

/**
 * Rolling apply (or rollback, with `act`): batches in order (the first is the canary), nodes within a batch in parallel.
 * After each batch the failure budget is checked; once exceeded, or once a rollback failed, or
 * on Ctrl-C, no further node is touched and the untouched ones are reported `skipped`.
 */
export function applyFleet(work: readonly NodeWork[], options: FleetApplyOptions, deps: NodeApplyDeps): Promise<FleetApplyResult> {
  return runFleet(work, options, deps, applyNode);
}

/** The same rolling loop for any per-node action (apply, rollback): batches, then the failure budget. */
export function runFleet<W extends { readonly host: NodeWork['host'] }>(
  work: readonly W[],
  options: FleetApplyOptions,
  deps: NodeApplyDeps,
  act: (item: W, deps: NodeApplyDeps) => Promise<NodeOutcome>,
): Promise<FleetApplyResult> {
  const by = options.batchBy;
  const batches = domainBatches(work, options.batches, by === undefined ? undefined : (item) => item.host.labels[by]);
  return runGroups(
    {
      groups: batches,
      concurrency: options.concurrency,
      start: (index, batch) => deps.hooks.batchStart?.(index, batches.length, batch.map((item) => item.host)),
      after: (_index, results, outcomes) => {
        const failures = outcomes.filter((outcome) => countsAsFailure(outcome.status)).length;
        if (results.some((outcome) => outcome.status === 'failed')) return 'a rollback failed: stopping the line';
        if (budgetExceeded(options.budget, failures, work.length)) return `failure budget exceeded (${failures} failed)`;
        return undefined;
      },
    },
    deps,
    act,
  );
}

/** How a fleet loop moves from group to group (apply's batches, rollout's waves). */
export interface FleetGroups<W> {
  readonly groups: readonly (readonly W[])[];
  readonly concurrency: number;
  /** Before a group starts (the line still running): a reason to stop it, e.g. the operator said no. */
  readonly before?: ((index: number) => Promise<string | undefined>) | undefined;
  readonly start: (index: number, group: readonly W[]) => void;
  /** After a group: a reason to stop the line, from its results and every outcome so far (which it may replace in place). */
  readonly after: (index: number, results: readonly NodeOutcome[], outcomes: NodeOutcome[]) => string | undefined | Promise<string | undefined>;
}

/**
 * The one fleet loop: groups in order, nodes of a group in parallel (bounded), every node reported
 * through `nodeDone`. Once the line stops (a reason from `before` or `after`, or Ctrl-C) no further
 * node is touched: the rest are reported `skipped` with the reason.
 */
export async function runGroups<W extends { readonly host: NodeWork['host'] }>(
  loop: FleetGroups<W>,
  deps: NodeApplyDeps,
  act: (item: W, deps: NodeApplyDeps) => Promise<NodeOutcome>,
): Promise<FleetApplyResult> {
  const outcomes: NodeOutcome[] = [];
  const limit = pLimit(Math.max(1, loop.concurrency));
  let stopped: string | undefined;
  for (const [index, group] of loop.groups.entries()) {
    if (!stopped && deps.signal?.aborted) stopped = 'interrupted';
    if (!stopped && loop.before) stopped = await loop.before(index);
    if (!stopped && deps.signal?.aborted) stopped = 'interrupted';
    if (stopped) {
      for (const item of group) {
        const outcome: NodeOutcome = { name: item.host.name, status: 'skipped', reason: `not started: ${stopped}`, changes: 0, restarted: [], durationMs: 0 };
        outcomes.push(outcome);
        deps.hooks.nodeDone?.(item.host, outcome);
      }
      continue;
    }
    loop.start(index, group);
    const results = await Promise.all(
      group.map((item) =>
        limit(async () => {
          const outcome = await act(item, deps);
          deps.hooks.nodeDone?.(item.host, outcome);
          return outcome;
        }),
      ),
    );
    outcomes.push(...results);
    stopped = await loop.after(index, results, outcomes);
  }
  return { outcomes, stopped };
}
