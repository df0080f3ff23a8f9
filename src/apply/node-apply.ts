import type { HostSpec } from '../config/types.ts';
import type { FactRequest, NodeFacts } from '../facts/types.ts';
import { factRequests } from '../planner/build.ts';
import type { ServiceToRestart } from '../spec/schema-parts.ts';
import { ConnectError, errorMessage } from '../util/errors.ts';
import { applyPlan } from './node/change.ts';
import { boundsOf, contextFor, factsReader, leftPartWay, newLedger, outcome, record, summarizeUndone, type Ledger, type NodeApplyDeps, type NodeContext, type NodeWork } from './node/context.ts';
import { drained, recoverCordon } from './node/drain.ts';
import { release, takeLock } from './node/lock.ts';
import { recoverPendingRuns } from './node/recover.ts';
import { rollBack } from './node/rollback.ts';
import { NodeLink } from './node-link.ts';
import { parsePendingRuns } from './scripts/rollback.ts';
import type { NodeOutcome } from './types.ts';

export type { NodeApplyDeps, NodeHints, NodeWork } from './node/context.ts';
export { summarizeUndone };

/**
 * One node's run, step by step (`apply/node/`): connect, take the node lock (`lock.ts`), undo a
 * cordon a dead run left (`drain.ts`), finish or roll back what crashed runs left (`recover.ts`),
 * then the body: re-read, stale check, guards, drain, write (`change.ts`), confirm and restart
 * behind gates (`written.ts`, `restarts.ts`), roll back on failure (`rollback.ts`), read a lost
 * step back from the node (`lost.ts`); then release the lock and record the outcome, whatever
 * happened in between.
 */
async function locked(work: NodeWork, deps: NodeApplyDeps, body: (ctx: NodeContext, early: (() => NodeFacts) | undefined) => Promise<NodeOutcome>, recover: boolean, facts?: readonly FactRequest[]): Promise<NodeOutcome> {
  const ledger = newLedger();
  const early = { work, ledger };
  const finish = async (result: NodeOutcome): Promise<NodeOutcome> => {
    await record({ work, deps, ledger }, result.status, result.reason);
    return result;
  };
  if (deps.signal?.aborted) return finish(outcome(early, 'skipped', 'interrupted before this node started'));
  let ctx: NodeContext;
  try {
    deps.hooks.nodeStep?.(work.host, 'lock');
    ctx = contextFor(work, deps, new NodeLink(deps.connector, work.host, await deps.connector.connect(work.host, deps.signal), boundsOf(deps).reconnect * 1000), ledger);
  } catch (error) {
    if (deps.signal?.aborted) return finish(outcome(early, 'skipped', 'interrupted before this node started'));
    return finish(outcome(early, 'unreachable', errorMessage(error)));
  }
  let result: NodeOutcome;
  try {
    // the body's facts come in the lock's exec when the node has no earlier run to recover
    const lock = await takeLock(ctx, facts ? factsReader(ctx).inline(facts) : undefined);
    // not ours: nothing of this run was ever on the node
    if ('status' in lock) return await finish(lock);
    await recoverCordon(ctx);
    const problem = recover ? await recoverPendingRuns(ctx, parsePendingRuns(lock.output)) : undefined;
    // after a recovery the node is read again (the node answers no facts then; this holds it for certain)
    const recovered = ctx.ledger.recovered.length > 0 || ctx.ledger.rolledBack.length > 0;
    result = problem ?? (await body(ctx, recovered ? undefined : lock.facts));
  } catch (error) {
    result = errorOutcome(ctx, error);
  }
  // recorded before the release too: a controller that dies while unlocking leaves the truth
  await record(ctx, result.status, result.reason);
  const released = await release(ctx, result);
  return released === result ? result : finish(released);
}

function errorOutcome(ctx: NodeContext, error: unknown): NodeOutcome {
  const reason = errorMessage(error);
  if (!ctx.ledger.touched) return outcome(ctx, error instanceof ConnectError ? 'unreachable' : 'refused', reason);
  return leftPartWay(ctx, `${reason}; run ${ctx.deps.runId}'s record stays on the node: the next run on it finishes or rolls it back`, 'unknown');
}

/** Applies one node's plan: lock, recover, re-read, guard, back up and write, restart behind gates, roll back. */
export function applyNode(work: NodeWork, deps: NodeApplyDeps): Promise<NodeOutcome> {
  return locked(work, deps, applyPlan, true, factRequests(work.entries));
}

/**
 * Rolls back an earlier run on one node, through the same lock and gates (`nodeward rollback`):
 * `rolled-back` with what was restored, or `in-sync` when the run had been rolled back already or
 * left nothing on the node.
 */
export function revertNode(host: HostSpec, runId: string, restartsFallback: readonly ServiceToRestart[], deps: NodeApplyDeps): Promise<NodeOutcome> {
  return locked({ host, entries: [], approved: undefined }, deps, async (ctx) => {
    const result = await drained(ctx, () => rollBack(ctx, `run ${runId} rolled back`, { runId, verify: true, fallbackRestarts: restartsFallback }), true);
    if (result.status !== 'rolled-back') return result;
    if (ctx.ledger.already) return outcome(ctx, 'in-sync', ctx.ledger.already);
    const items = ctx.ledger.undone.length;
    return outcome(ctx, 'rolled-back', `run ${runId} rolled back: ${items} item${items === 1 ? '' : 's'} restored${items > 0 ? ` (${summarizeUndone(ctx.ledger.undone)})` : ''}`);
  }, false);
}

/**
 * Rolls back this run's (`deps.runId`) finished change on one node (a rollout node that went
 * unhealthy while its wave soaked), through the lock, drain and gates. Files edited since are not
 * clobbered: the node is then reported `failed`.
 */
export function undoNode(host: HostSpec, reason: string, restartsFallback: readonly ServiceToRestart[], changes: readonly string[], deps: NodeApplyDeps): Promise<NodeOutcome> {
  return locked({ host, entries: [], approved: undefined }, deps, async (ctx) => {
    mark(ctx.ledger, changes);
    // an unhealthy node is rolled back even when it cannot be drained
    const result = await drained(ctx, () => rollBack(ctx, reason, { runId: deps.runId, verify: true, fallbackRestarts: restartsFallback }), false);
    return result.status === 'refused' ? outcome(ctx, 'failed', `${result.reason ?? reason}; the node keeps this run's change`) : result;
  }, false);
}

function mark(ledger: Ledger, changes: readonly string[]): void {
  ledger.inEffect = [...changes];
  ledger.touched = true;
}
