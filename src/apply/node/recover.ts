import { healthzUrl } from '../../guards/healthz.ts';
import { isHalfWritten } from '../../node/run-state.ts';
import type { PendingRun } from '../scripts/rollback.ts';
import type { NodeOutcome } from '../types.ts';
import { outcome, services, step, warn, type NodeContext } from './context.ts';
import { afterRestore, restarts } from './restarts.ts';
import { rollBack } from './rollback.ts';

/**
 * Runs a crashed controller left unfinished: a half-written one is rolled back; restarts a written
 * one owed are done (and gated); a restored one gets its restarts. Returns an outcome only when
 * the node is not fit to continue.
 */
export async function recoverPendingRuns(ctx: NodeContext, found: readonly PendingRun[]): Promise<NodeOutcome | undefined> {
  for (const earlier of found.filter((p) => p.runId !== ctx.deps.runId)) {
    step(ctx, 'recover', earlier.runId);
    const problem = await recover(ctx, earlier);
    if (problem) return problem;
  }
  return undefined;
}

async function recover(ctx: NodeContext, pending: PendingRun): Promise<NodeOutcome | undefined> {
  const { ledger } = ctx;
  const owed = services(pending.owed);
  const healthz = healthzUrl(undefined);
  if (isHalfWritten(pending.state) || pending.state === 'restored') {
    const rolled =
      pending.state === 'restored'
        ? await afterRestore(ctx, `finishing the rollback of run ${pending.runId}`, pending.runId, owed, healthz)
        : await rollBack(ctx, `interrupted run ${pending.runId}`, { runId: pending.runId });
    if (rolled.status !== 'rolled-back') return { ...rolled, reason: `could not roll back interrupted run ${pending.runId}: ${rolled.reason ?? rolled.status}` };
    // what an earlier run had changed is not this run's to report as undone
    ledger.undone = [];
    const note = pending.state === 'restored' ? `finished rolling back run ${pending.runId} (restarted ${owed.join(', ') || 'nothing'})` : `rolled back run ${pending.runId}, interrupted while writing`;
    ledger.recovered.push(note);
    ledger.rolledBack.push(pending.runId);
    warn(ctx, note);
    return undefined;
  }
  const failure = await restarts(ctx, owed, healthz, pending.runId, 'done');
  if (failure) {
    const rolled = await rollBack(ctx, `owed restart of interrupted run ${pending.runId} failed: ${failure}`, { runId: pending.runId, healthz, fallbackRestarts: owed });
    ledger.undone = [];
    return rolled.status === 'rolled-back' ? outcome(ctx, 'refused', `${rolled.reason ?? ''} (rolled back run ${pending.runId}; this run made no change)`) : rolled;
  }
  const note = `finished run ${pending.runId}, interrupted before its restarts (${owed.join(', ') || 'none owed'})`;
  ledger.recovered.push(note);
  warn(ctx, note);
  return undefined;
}
