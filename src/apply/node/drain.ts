import { errorMessage } from '../../util/errors.ts';
import type { NodeOutcome } from '../types.ts';
import { outcome, record, warn, type NodeContext } from './context.ts';
import { whileUnavailable } from './unavailable.ts';

/** Under the lock: undoes a cordon an earlier, dead run left on the node (with API access). */
export async function recoverCordon(ctx: NodeContext): Promise<void> {
  if (!ctx.deps.cordons) return;
  try {
    const repaired = await ctx.deps.cordons.recover(ctx.work.host);
    if (repaired) warn(ctx, repaired);
  } catch (error) {
    warn(ctx, `could not check the Node for a cordon an earlier run left: ${errorMessage(error)}`);
  }
}

/**
 * Runs `body` between a cordon+drain and the restore of the node's prior schedulability (always,
 * also when `body` throws). A failed drain refuses the node, unless `required` is false.
 */
export async function drained(ctx: NodeContext, body: () => Promise<NodeOutcome>, required: boolean): Promise<NodeOutcome> {
  const drainer = ctx.deps.drain;
  if (!drainer) return body();
  // cordoned is unavailable: the slot is held from the cordon to the restore
  return whileUnavailable(ctx, () => drainedNow(ctx, drainer, body, required));
}

async function drainedNow(ctx: NodeContext, drainer: NonNullable<NodeContext['deps']['drain']>, body: () => Promise<NodeOutcome>, required: boolean): Promise<NodeOutcome> {
  const host = ctx.work.host;
  const drain = await drainer.drain(host, ctx.deps.signal);
  ctx.ledger.cordon = drain.record;
  if (!drain.ok) {
    if (drain.restoreFailed) return outcome(ctx, 'failed', `${drain.reason}; the node is still cordoned: ${drain.restoreFailed}`);
    if (ctx.deps.signal?.aborted) return outcome(ctx, 'skipped', `interrupted while draining (${drain.reason}); schedulability restored`);
    if (required) return outcome(ctx, 'refused', drain.reason);
    warn(ctx, `${drain.reason}; going on without a drain`);
    return body();
  }
  await record(ctx, 'pending', 'cordoned and drained');
  let result: NodeOutcome | undefined;
  let restoreFailed: string | undefined;
  try {
    result = await body();
  } finally {
    restoreFailed = await drainer.restore(host);
    if (!restoreFailed && ctx.ledger.cordon) ctx.ledger.cordon = { ...ctx.ledger.cordon, restoredAt: new Date().toISOString() };
  }
  if (restoreFailed) return { ...result, status: 'failed', reason: `${result.reason ?? result.status}; the node is still cordoned: ${restoreFailed}` };
  return result;
}
