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

/** The same rolling loop for any per-node action (apply, rollback). */
export async function runFleet<W extends { readonly host: NodeWork['host'] }>(
  work: readonly W[],
  options: FleetApplyOptions,
  deps: NodeApplyDeps,
  act: (item: W, deps: NodeApplyDeps) => Promise<NodeOutcome>,
): Promise<FleetApplyResult> {
  const outcomes: NodeOutcome[] = [];
  const by = options.batchBy;
  const batches = domainBatches(work, options.batches, by === undefined ? undefined : (item) => item.host.labels[by]);
  const limit = pLimit(Math.max(1, options.concurrency));
  let stopped: string | undefined;
  for (const [index, batch] of batches.entries()) {
    if (!stopped && deps.signal?.aborted) stopped = 'interrupted';
    if (stopped) {
      for (const item of batch) {
        const outcome: NodeOutcome = { name: item.host.name, status: 'skipped', reason: `not started: ${stopped}`, changes: 0, restarted: [], durationMs: 0 };
        outcomes.push(outcome);
        deps.hooks.nodeDone?.(item.host, outcome);
      }
      continue;
    }
    deps.hooks.batchStart?.(index, batches.length, batch.map((item) => item.host));
    const results = await Promise.all(
      batch.map((item) =>
        limit(async () => {
          const outcome = await act(item, deps);
          deps.hooks.nodeDone?.(item.host, outcome);
          return outcome;
        }),
      ),
    );
    outcomes.push(...results);
    const failures = outcomes.filter((outcome) => countsAsFailure(outcome.status)).length;
    if (results.some((outcome) => outcome.status === 'failed')) stopped = 'a rollback failed: stopping the line';
    else if (budgetExceeded(options.budget, failures, work.length)) stopped = `failure budget exceeded (${failures} failed)`;
  }
  return { outcomes, stopped };
}
