import type { NodeFacts } from '../../facts/types.ts';
import { afterState } from '../../guards/after-state.ts';
import { checkGuards } from '../../guards/guards.ts';
import { healthzUrl } from '../../guards/healthz.ts';
import { buildNodePlan, factRequests } from '../../planner/build.ts';
import { describeGuard } from '../../plan/refusal.ts';
import type { NodePlan } from '../../plan/types.ts';
import { writeDeadlineSeconds } from '../bounds.ts';
import { isLostContact } from '../node-link.ts';
import { runJob } from '../scripts/common.ts';
import { parseWriteOutput, writeScript } from '../scripts/write.ts';
import { describeStale, staleDifferences } from '../stale.ts';
import type { NodeOutcome } from '../types.ts';
import { outcome, readFacts, record, run, step, warn, type NodeContext } from './context.ts';
import { drained } from './drain.ts';
import { resolveLost } from './lost.ts';
import { rollBack } from './rollback.ts';
import { finishWritten, type WriteContext } from './written.ts';

/**
 * Under the lock: re-read the node, refuse a stale plan or what the guards refuse, then change it.
 * `early`: the facts the lock's own exec read once the lock was ours (no run to recover first).
 */
export async function applyPlan(ctx: NodeContext, early?: () => NodeFacts): Promise<NodeOutcome> {
  const { work, ledger } = ctx;
  step(ctx, 'facts');
  const facts = early ? early() : await readFacts(ctx, factRequests(work.entries));
  const plan = buildNodePlan(work.host, work.entries, facts);
  if (plan.status === 'error') return outcome(ctx, 'refused', plan.error?.message);
  // the run we waited for may well have made this very change
  if (ledger.waitedForLock && plan.changes.length === 0) return outcome(ctx, 'in-sync');
  if (work.approved) {
    const stale = staleDifferences(work.approved, plan);
    // The approved plan announced a half-written run that apply rolls back and re-plans: it was
    // read mid-write, so after that rollback it differs by construction. Any other difference refuses.
    const announced = ledger.rolledBack.length > 0 && ledger.rolledBack.every((id) => work.approved?.pendingRuns?.some((pending) => pending.runId === id));
    if (stale.length > 0 && !announced) return outcome(ctx, 'refused', `stale plan: ${describeStale(stale)}; make a new plan`);
    if (stale.length > 0) warn(ctx, `re-planned after rolling back ${ledger.rolledBack.join(', ')} (the plan was read mid-write): ${describeStale(stale)}`);
  }
  if (plan.changes.length === 0) return ledger.recovered.length > 0 ? outcome(ctx, 'applied', ledger.recovered.join('; ')) : outcome(ctx, 'in-sync');

  step(ctx, 'guard');
  const kubeletConfigPath = facts.kubelet?.configPath ?? '/var/lib/kubelet/config.yaml';
  const failures = checkGuards({ facts, plan, kubeletConfigPath });
  if (failures.length > 0) return outcome(ctx, 'refused', failures.map(describeGuard).join('; '));
  if (ctx.deps.signal?.aborted) return outcome(ctx, 'skipped', 'interrupted before writing');
  return drained(ctx, () => change(ctx, facts, plan, kubeletConfigPath), true);
}

/** Backup and write, restarts behind gates, rollback on failure; a write whose fate is unknown is read back. */
async function change(ctx: NodeContext, facts: NodeFacts, plan: NodePlan, kubeletConfigPath: string): Promise<NodeOutcome> {
  const { deps, ledger } = ctx;
  if (deps.signal?.aborted) return outcome(ctx, 'skipped', 'interrupted before writing');
  // a controller that dies from here on leaves this node 'pending' in the journal, not unaccounted for
  await record(ctx, 'pending', 'writing', plan);
  const written: WriteContext = { plan, healthz: healthzUrl(afterState(facts, plan).fileText(kubeletConfigPath)) };
  step(ctx, 'backup');
  const operations = plan.changes.flatMap((c) => c.operations);
  const script = writeScript({ stateDir: deps.stateDir, runId: deps.runId, operations, owedRestarts: plan.restarts, bounds: ctx.bounds });
  let output: Buffer;
  try {
    // from here on the node may change: whatever happens next, the report says what it did
    ledger.touched = true;
    output = await run(ctx.node, script, { timeoutMs: writeDeadlineSeconds(operations, ctx.bounds) * 1000, job: runJob(deps.stateDir, deps.runId, true) });
  } catch (error) {
    if (!isLostContact(error)) throw error;
    return resolveLost(ctx, 'the write', error, written);
  }
  const result = parseWriteOutput(output);
  step(ctx, 'write');
  if (!result.done) {
    const reason = `write failed at ${result.failure?.step ?? '?'}: ${result.failure?.message ?? 'no answer'}`;
    if (result.failure?.step === 'setup' || result.failure?.step.startsWith('backup')) {
      ledger.touched = false; // it stopped before its first change
      return outcome(ctx, 'refused', reason);
    }
    return rollBack(ctx, reason, { runId: deps.runId });
  }
  return finishWritten(ctx, written, plan.restarts, result.armed ? { at: Date.now(), seconds: result.armed.seconds } : undefined);
}
