import type { ServiceToRestart } from '../../spec/schema-parts.ts';
import { rollbackDeadlineSeconds } from '../bounds.ts';
import { isLostContact } from '../node-link.ts';
import { runJob } from '../scripts/common.ts';
import { parseRollbackOutput, rollbackScript } from '../scripts/rollback.ts';
import type { NodeOutcome } from '../types.ts';
import { leftPartWay, outcome, rollbackHint, run, step, type NodeContext } from './context.ts';
import { resolveLost } from './lost.ts';
import { afterRestore } from './restarts.ts';

export interface RollBackOptions {
  readonly runId: string;
  /** Refuse files edited since the run (`nodeward rollback` of a finished run). */
  readonly verify?: boolean;
  readonly healthz?: string | undefined;
  /** What to restart after the restore when the run predates the node's own record of it. */
  readonly fallbackRestarts?: readonly ServiceToRestart[];
}

/**
 * Restores what a run changed on the node (the node's own rollback, from its manifest), restarts
 * what had loaded the run's files and waits for the gate again: the node ends as it was, and
 * Ready, or the run reports `failed` with the state the node is left in.
 */
export async function rollBack(ctx: NodeContext, reason: string, options: RollBackOptions): Promise<NodeOutcome> {
  step(ctx, 'rollback');
  const { runId } = options;
  const script = rollbackScript({ stateDir: ctx.deps.stateDir, runId, verifyUnchanged: options.verify ?? false, bounds: ctx.bounds, restartsIfUnrecorded: options.fallbackRestarts });
  let output: Buffer;
  try {
    output = await run(ctx.node, script, { timeoutMs: rollbackDeadlineSeconds(ctx.bounds) * 1000, job: runJob(ctx.deps.stateDir, runId, true) });
  } catch (error) {
    if (!isLostContact(error)) throw error;
    return resolveLost(ctx, runId === ctx.deps.runId ? 'the rollback' : `the rollback of run ${runId}`, error, undefined, runId);
  }
  const result = parseRollbackOutput(output);
  if (result.nothing) {
    ctx.ledger.already = `nothing of run ${runId} is on this node`;
    return outcome(ctx, 'rolled-back', ctx.ledger.already);
  }
  if (result.alreadyAt !== undefined && result.owed.length === 0) {
    ctx.ledger.already = `run ${runId} was already rolled back (at ${new Date(result.alreadyAt * 1000).toISOString().replace(/\.\d+Z$/, 'Z')})`;
    return outcome(ctx, 'rolled-back', ctx.ledger.already);
  }
  if (!result.done && result.failure?.step === 'verify') return outcome(ctx, 'refused', `${reason}: ${result.failure.message}`);
  if (!result.done) {
    return leftPartWay(ctx, `${reason}; ROLLBACK FAILED at ${result.failure?.step ?? '?'}: ${result.failure?.message ?? 'no answer'} (run ${runId} is left rolling-back on the node)`, 'rolling-back', rollbackHint(ctx, runId));
  }
  ctx.ledger.undone.push(...result.undone);
  ctx.ledger.inEffect = [];
  return afterRestore(ctx, reason, runId, result.owed, options.healthz);
}
