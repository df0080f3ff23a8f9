import { newBoundary } from '../../facts/frame.ts';
import { MAX_FACTS_BYTES, type InlineFacts } from '../../facts/gather.ts';
import type { NodeFacts } from '../../facts/types.ts';
import type { Script } from '../../node/sh.ts';
import { controllerIdentity, identityPid, isGoneHere } from '../../node/controller-identity.ts';
import { sleep } from '../../transport/retry.ts';
import { errorMessage } from '../../util/errors.ts';
import { runJob } from '../scripts/common.ts';
import { describeRunJobs } from '../scripts/jobs.ts';
import { lockScript, parseLockOutput, parseUnlockOutput, splitLockOutput, unlockScript, type LockResult } from '../scripts/lock.ts';
import type { NodeOutcome } from '../types.ts';
import { outcome, run, step, warn, type NodeContext } from './context.ts';

/** How long a later run waits for the scripts of a dead controller's run to end before taking its lock. */
const DEAD_RUN_WAIT_MS = 60_000;

/** The lock request, and the facts script it answers once the lock is ours (see `lockScript`). */
interface FactsAsked {
  readonly inline: InlineFacts;
  readonly token: string;
}

function lockRequest(ctx: NodeContext, takeOverFrom: readonly string[] = [], facts?: FactsAsked): Script {
  const { owner, pid, command, ttlSeconds } = ctx.deps.lock;
  return lockScript({
    stateDir: ctx.deps.stateDir,
    runId: ctx.deps.runId,
    owner,
    pid,
    command,
    ttlSeconds,
    controller: controllerIdentity(pid),
    takeOverFrom: [...(ctx.deps.lock.takeOverFrom ?? []), ...takeOverFrom],
    facts: facts ? { script: facts.inline.script, token: facts.token } : undefined,
  });
}

interface LockAnswer {
  readonly lock: LockResult | undefined;
  /** The lock's part of the answer (the facts' bytes never reach the lock's parsers). */
  readonly output: Buffer;
  /** The facts output that followed, when the node answered them. */
  readonly facts: Buffer | undefined;
}

async function lockOnce(ctx: NodeContext, takeOverFrom?: readonly string[], facts?: FactsAsked): Promise<LockAnswer> {
  // with the facts in it, the exec has the facts read's own bound on top of the lock's
  const options = facts ? { timeoutMs: 2 * ctx.bounds.command * 1000, maxOutputBytes: MAX_FACTS_BYTES + 1024 * 1024 } : {};
  const stdout = await run(ctx.node, lockRequest(ctx, takeOverFrom, facts), { ...options, job: runJob(ctx.deps.stateDir, ctx.deps.runId) });
  const { lock: output, facts: factsOutput } = splitLockOutput(stdout, facts?.token);
  return { lock: parseLockOutput(output), output, facts: factsOutput };
}

/** What the lock step hands on: the lock's answer (the node's unfinished runs) and, when the node read them in the same exec, the facts. */
export interface Locked {
  readonly output: Buffer;
  /** Parses the facts the lock exec answered (a FactsError when malformed); undefined when they are to be read apart. */
  readonly facts: (() => NodeFacts) | undefined;
}

export function describeHeld(ctx: NodeContext, lock: Extract<LockResult, { status: 'held' }>): string {
  const h = lock.holder;
  const expires = h['expires'] ? new Date(Number(h['expires']) * 1000).toISOString() : 'unknown';
  const waited = (ctx.deps.lock.waitMs ?? 0) > 0 ? ` (waited ${Math.round((ctx.deps.lock.waitMs ?? 0) / 1000)}s)` : '';
  const busy = lock.busy.length > 0 ? `; ${describeRunJobs(lock.busy)} is still running on the node` : '';
  return `locked by run ${h['runId'] ?? '?'} (${h['owner'] ?? '?'}, pid ${h['pid'] ?? '?'}: ${h['command'] ?? ''}) until ${expires}${waited}${busy}`;
}

/**
 * Our lock, and the output that lists the node's unfinished runs; or the outcome that ends the
 * node here (held by another run, the wait interrupted). A lock whose holder was a nodeward
 * process of this machine that is gone is taken over once no script of its run runs on the node.
 */
export async function takeLock(ctx: NodeContext, inline?: InlineFacts): Promise<Locked | NodeOutcome> {
  const asked = inline ? { inline, token: newBoundary() } : undefined;
  let { lock, output, facts } = await lockOnce(ctx, undefined, asked);
  if (!lock) return outcome(ctx, 'failed', 'the node answered the lock request with nothing sensible');
  if (lock.status === 'held' && (ctx.deps.lock.waitMs ?? 0) > 0) {
    const waited = await waitForLock(ctx, lock, asked);
    if (!waited) return outcome(ctx, 'skipped', 'interrupted while waiting for the node lock');
    ({ lock, output, facts } = waited);
  }
  if (lock.status === 'held' && isGoneHere(lock.holder['controller'])) {
    const dead = lock.holder['runId'] ?? '';
    const deadline = Date.now() + DEAD_RUN_WAIT_MS;
    do {
      ({ lock, output, facts } = await lockOnce(ctx, [dead], asked));
      if (lock?.status !== 'held' || lock.busy.length === 0 || Date.now() > deadline) break;
      step(ctx, 'lock', `waiting for ${describeRunJobs(lock.busy)} of run ${dead} to end`);
      await sleep(2000);
    } while (lock.status === 'held');
    if (!lock) return outcome(ctx, 'failed', 'the node answered the lock request with nothing sensible');
    if (lock.status === 'taken-over') {
      warn(ctx, `took over the lock of run ${dead}, whose nodeward process (pid ${identityPid(lock.previous['controller']) ?? '?'} on this machine) is gone`);
    }
  } else if (lock.status === 'taken-over') {
    const previous = lock.previous['runId'] ?? '?';
    const earlier = ctx.deps.lock.takeOverFrom?.includes(previous) ? 'the lock of an interrupted earlier attempt of this run' : 'an expired lock of run';
    warn(ctx, `took over ${earlier} ${previous} (${lock.previous['owner'] ?? '?'})`);
  }
  if (lock.status === 'held') return outcome(ctx, 'refused', describeHeld(ctx, lock));
  ctx.ledger.lockExpiresAt = Date.now() + ctx.deps.lock.ttlSeconds * 1000;
  const host = ctx.work.host.name;
  const answered = facts;
  return { output, facts: asked && answered ? () => asked.inline.read(host, answered) : undefined };
}

/** Polls a lock another live run holds until it is free, the wait is over or the run is interrupted (undefined). */
async function waitForLock(ctx: NodeContext, first: LockResult, asked: FactsAsked | undefined): Promise<{ lock: LockResult; output: Buffer; facts: Buffer | undefined } | undefined> {
  const deadline = Date.now() + (ctx.deps.lock.waitMs ?? 0);
  let lock = first;
  let output: Buffer = Buffer.alloc(0);
  let facts: Buffer | undefined;
  if (lock.status === 'held') step(ctx, 'lock', `waiting for run ${lock.holder['runId'] ?? '?'} (${lock.holder['owner'] ?? '?'})`);
  while (lock.status === 'held' && Date.now() < deadline) {
    const aborted = await sleep(Math.max(0, Math.min(ctx.deps.lock.pollMs ?? 2000, deadline - Date.now())), ctx.deps.signal).then(
      () => false,
      () => true,
    );
    if (aborted) return undefined;
    const next = await lockOnce(ctx, undefined, asked);
    output = next.output;
    facts = next.facts;
    lock = next.lock ?? lock;
  }
  if (lock.status !== 'held') ctx.ledger.waitedForLock = true;
  return { lock, output, facts };
}

/**
 * Releases our lock (the node first ends what of the run still runs there); when that cannot be
 * done the outcome says until when the node stays locked and how it gets free.
 */
export async function release(ctx: NodeContext, result: NodeOutcome): Promise<NodeOutcome> {
  step(ctx, 'unlock');
  const until = ctx.ledger.lockExpiresAt > 0 ? ` until about ${new Date(ctx.ledger.lockExpiresAt).toISOString().replace(/\.\d+Z$/, 'Z')}` : '';
  const freed = 'a nodeward run from this machine takes the lock over as soon as this one has exited; from elsewhere, once it expires';
  try {
    const unlock = parseUnlockOutput(await run(ctx.node.resilient, unlockScript(ctx.deps.stateDir, ctx.deps.runId), { job: runJob(ctx.deps.stateDir, ctx.deps.runId) }));
    if (unlock?.status !== 'busy') return result;
    return amend(result, `the node stays locked by run ${ctx.deps.runId}${until}: ${describeRunJobs(unlock.jobs)} is still running there; ${freed}`);
  } catch (error) {
    return amend(result, `could not release the node lock (${errorMessage(error)}): it stays${until}; ${freed}`);
  }
}

function amend(result: NodeOutcome, note: string): NodeOutcome {
  return { ...result, reason: result.reason ? `${result.reason}; ${note}` : note };
}
