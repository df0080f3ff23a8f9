import type { NodePlan } from '../../plan/types.ts';
import { confirmOverNewConnection } from '../confirm.ts';
import type { NodeOutcome } from '../types.ts';
import { leftPartWay, outcome, services, step, type NodeContext } from './context.ts';
import { restarts } from './restarts.ts';
import { rollBack } from './rollback.ts';

/** What finishing a written run needs: its plan and the kubelet's /healthz after it. */
export interface WriteContext {
  readonly plan: NodePlan;
  readonly healthz: string | undefined;
}

/** A run whose files are written: confirm an armed change over a new login, then the restarts behind gates. */
export async function finishWritten(ctx: NodeContext, written: WriteContext, owed: readonly string[], armed: { at: number; seconds: number } | undefined): Promise<NodeOutcome> {
  ctx.ledger.inEffect = written.plan.changes.map((change) => change.id);
  if (armed) {
    // sshd or the firewall changed: a new login must work, or the node reverts the run by itself
    step(ctx, 'write', 'confirming over a new SSH connection');
    const { connector, stateDir, runId } = ctx.deps;
    const confirmed = await confirmOverNewConnection({ connector, host: ctx.work.host, transport: ctx.node.resilient, stateDir, runId, seconds: armed.seconds, armedAt: armed.at });
    if (!confirmed.ok) {
      if (confirmed.status === 'rolled-back') {
        ctx.ledger.inEffect = [];
        return outcome(ctx, 'rolled-back', confirmed.reason);
      }
      // neither confirmed nor seen reverted: its armed timer reverts it unless nodeward confirms
      return leftPartWay(ctx, confirmed.reason, 'unknown');
    }
  }
  const failure = await restarts(ctx, services(owed), written.healthz, ctx.deps.runId, 'done');
  if (failure) return rollBack(ctx, failure, { runId: ctx.deps.runId, healthz: written.healthz });
  return outcome(ctx, 'applied');
}
