import { isHalfWritten } from '../../node/run-state.ts';
import { sleep } from '../../transport/retry.ts';
import { errorMessage } from '../../util/errors.ts';
import { rollbackDeadlineSeconds } from '../bounds.ts';
import { isLostContact } from '../node-link.ts';
import { runJob } from '../scripts/common.ts';
import { describeRunJobs } from '../scripts/jobs.ts';
import { inspectRunScript, parseInspection, type RunInspection } from '../scripts/recover.ts';
import type { NodeOutcome } from '../types.ts';
import { finishHint, leftPartWay, lostStep, outcome, rollbackHint, run, step, summarizeUndone, warn, type NodeContext } from './context.ts';
import { afterRestore } from './restarts.ts';
import { finishWritten, type WriteContext } from './written.ts';

/**
 * A step's fate is unknown (the node's deadline, a dropped session, a bastion gone): reach the
 * node again, end what of the run still runs there, read how far the run got, and finish the job
 * from there: roll it back, or, if it had been written, finish it through the gates.
 */
export async function resolveLost(ctx: NodeContext, what: string, error: unknown, written: WriteContext | undefined, runId = ctx.deps.runId): Promise<NodeOutcome> {
  const lost = lostStep(what, error);
  step(ctx, 'recover', `${lost}; reading back how far run ${runId} got`);
  warn(ctx, `${lost}; reading back from the node how far run ${runId} got`);
  const seen = await inspectRun(ctx, runId);
  if (typeof seen === 'string') {
    return leftPartWay(
      ctx,
      `${lost}, and the node could not be reached again to learn how far run ${runId} got (${seen}). ` + "On the node, the run's scripts end by themselves and a half-written run is rolled back by the node itself",
      'unknown',
    );
  }
  const { ledger } = ctx;
  ledger.undone.push(...seen.undone);
  switch (seen.state) {
    case 'none':
      ledger.touched = false;
      return outcome(ctx, 'refused', `${lost}; the run never started on the node: nothing was changed`);
    case 'rolled-back':
      ledger.inEffect = [];
      return outcome(ctx, 'rolled-back', `${lost}; the node rolled the run back by itself${ledger.undone.length > 0 ? `: undone ${summarizeUndone(ledger.undone)}` : ' (nothing had been changed yet)'}`);
    case 'restored':
      ledger.inEffect = [];
      return afterRestore(ctx, `${lost}; the node rolled the run back by itself`, runId, seen.owed, written?.healthz);
    case 'written':
    case 'restarting':
      if (!written) break;
      warn(ctx, `run ${runId} had been written before contact was lost: finishing it`);
      return finishWritten(ctx, written, seen.owed, seen.armed ? { at: Date.now() - Math.max(0, seen.nodeNow - seen.armed.at) * 1000, seconds: seen.armed.seconds } : undefined);
    case 'done':
      if (written) ledger.inEffect = written.plan.changes.map((change) => change.id);
      return outcome(ctx, 'applied', `${lost}, but the run had finished on the node`);
    default:
      break;
  }
  const doing = seen.running.length > 0 ? `; ${describeRunJobs(seen.running)} is still running` : '';
  const failed = seen.failure ? `; the node's own rollback failed: ${seen.failure}` : '';
  return leftPartWay(ctx, `${lost}; run ${runId} is left ${seen.state} on the node${failed}${doing}`, seen.state, isHalfWritten(seen.state) ? rollbackHint(ctx, runId) : finishHint(ctx));
}

const INSPECT_RETRY_MS = 2000;

/** Reaches the node again and reads the run's state, waiting for a rollback the node does by itself. */
async function inspectRun(ctx: NodeContext, runId: string): Promise<RunInspection | string> {
  const deadline = Date.now() + rollbackDeadlineSeconds(ctx.bounds) * 1000;
  let last = 'no answer';
  for (;;) {
    const why = await ctx.node.renew(ctx.bounds.reconnect * 1000);
    if (why) return why;
    try {
      const wait = Math.min(ctx.bounds.command, 60);
      const seen = parseInspection(await run(ctx.node, inspectRunScript(ctx.deps.stateDir, runId, wait), { timeoutMs: (wait + ctx.bounds.command) * 1000, job: runJob(ctx.deps.stateDir, ctx.deps.runId) }));
      if (!seen) return 'the node answered the inspection with nothing sensible';
      const rollingBack = seen.running.some((job) => job.kind === 'rollback');
      if (!rollingBack || Date.now() > deadline) return seen;
      step(ctx, 'recover', `the node is rolling run ${runId} back by itself`);
    } catch (error) {
      if (!isLostContact(error) || Date.now() > deadline) return errorMessage(error);
      last = errorMessage(error);
      // a node that takes logins but loses every script is asked again after a pause, not hammered
      await sleep(Math.min(INSPECT_RETRY_MS, Math.max(0, deadline - Date.now())));
    }
    if (Date.now() > deadline) return last;
  }
}
