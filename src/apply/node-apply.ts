import type { ResourceEntry } from '../config/playbook-types.ts';
import type { HostSpec } from '../config/types.ts';
import { gatherFacts } from '../facts/gather.ts';
import type { NodeFacts } from '../facts/types.ts';
import { waitHealthy } from '../health/gate.ts';
import type { NodeStatusReader } from '../health/node-status.ts';
import type { RunJournal } from '../journal/run-journal.ts';
import { isHalfWritten } from '../node/run-state.ts';
import { buildNodePlan, factRequests } from '../plan/build.ts';
import type { NodePlan } from '../plan/types.ts';
import type { ServiceToRestart } from '../resources/schema-parts.ts';
import type { Connector, ExecOptions, Transport } from '../transport/types.ts';
import { sleep } from '../transport/retry.ts';
import { ConnectError, errorMessage, RemoteCommandError } from '../util/errors.ts';
import { afterState } from './after-state.ts';
import { DEFAULT_BOUNDS, restartDeadlineSeconds, rollbackDeadlineSeconds, writeDeadlineSeconds, type StepBounds } from './bounds.ts';
import { confirmOverNewConnection } from './confirm.ts';
import { controllerIdentity, identityPid, isGoneHere } from '../node/controller-identity.ts';
import { checkGuards } from './guards.ts';
import { healthzUrl } from './healthz.ts';
import { isLostContact, NodeLink } from './node-link.ts';
import { runDir, runJob } from './scripts/common.ts';
import { describeRunJobs } from './scripts/jobs.ts';
import { lockScript, parseLockOutput, parseUnlockOutput, unlockScript, type LockResult } from './scripts/lock.ts';
import { inspectRunScript, parseInspection, type RunInspection } from './scripts/recover.ts';
import { parsePendingRuns, parseRollbackOutput, rollbackScript, type PendingRun } from './scripts/rollback.ts';
import { parseRestartOutput, restartScript, settleScript, unitDiagnosisScript } from './scripts/services.ts';
import { parseWriteOutput, writeScript } from './scripts/write.ts';
import { describeStale, staleDifferences } from './stale.ts';
import type { ApplyHooks, CordonRecord, CordonRecovery, NodeDrainer, NodeOutcome, NodeOutcomeStatus } from './types.ts';

export interface NodeApplyDeps {
  readonly connector: Connector;
  readonly stateDir: string;
  readonly runId: string;
  readonly lock: {
    readonly owner: string;
    readonly pid: number;
    readonly command: string;
    readonly ttlSeconds: number;
    /** A node locked by another live run: wait up to this long for it (0 or absent: refuse at once). */
    readonly waitMs?: number | undefined;
    readonly pollMs?: number | undefined;
    /** Run ids of earlier, dead attempts of this run whose locks may be taken over before they expire. */
    readonly takeOverFrom?: readonly string[] | undefined;
  };
  readonly gate: { readonly timeoutMs: number; readonly intervalMs: number; readonly nodeStatus: NodeStatusReader | undefined };
  readonly hooks: ApplyHooks;
  readonly journal: RunJournal | undefined;
  /** Aborted: do not start writing (a node already writing finishes or rolls back). */
  readonly signal: AbortSignal | undefined;
  /** `--drain`: cordon and evict before the change (and before a rollback's restarts), restore after. */
  readonly drain?: NodeDrainer | undefined;
  /** With API access: under the lock, undo a cordon an earlier, dead run left on the node. */
  readonly cordons?: CordonRecovery | undefined;
  /** How long node-side commands may run (`--command-timeout`, `--package-timeout`). */
  readonly bounds?: StepBounds | undefined;
  /** The commands an operator runs to finish a job left part-way on a node (the CLI knows the inventory). */
  readonly hints?: NodeHints | undefined;
}

export interface NodeHints {
  /** Finishes or undoes what a run left on the node, then converges it (a plain apply does). */
  finish(host: HostSpec): string;
  rollback(runId: string, host: HostSpec): string;
}

export interface NodeWork {
  readonly host: HostSpec;
  readonly entries: readonly ResourceEntry[];
  /** The plan the operator approved or saved; the node is refused if today's differs. */
  readonly approved: NodePlan | undefined;
}

/** How long a later run waits for the scripts of a dead controller's run to end before taking its lock. */
const DEAD_RUN_WAIT_MS = 60_000;

/** Runs a node-side script; exit 0 and 10 (a reported NW_FAIL) are answers, anything else is an error. */
async function run(transport: Transport, script: string, options: ExecOptions = {}): Promise<Buffer> {
  const result = await transport.exec(script, options);
  if (result.exitCode === 0 || result.exitCode === 10) return result.stdout;
  const stderr = result.stderr.toString().trim().split('\n').slice(-3).join(' / ');
  throw new RemoteCommandError(`${transport.host.name}: node script exited ${String(result.exitCode ?? result.signal)}: ${stderr}`, { exitCode: result.exitCode, stderr, timedOut: false }, { host: transport.host.name, hop: 'node' });
}

/** What the operator reads when a step's fate was unknown: the deadline or the lost session, in the words of the error. */
function lostStep(what: string, error: unknown): string {
  if (error instanceof RemoteCommandError && error.endedOnNode) return `${what} ran out of time on the node: ${error.message.replace(/^[^:]+: /, '')}`;
  return `lost track of ${what}: ${errorMessage(error).replace(/^[^:]+: /, '')}`;
}

interface WriteContext {
  readonly plan: NodePlan;
  readonly healthz: string | undefined;
}

class NodeRun {
  private readonly started = Date.now();
  private restarted: ServiceToRestart[] = [];
  /** Change ids in effect on the node because of this run. */
  private inEffect: string[] = [];
  /** This run may have changed something on the node (even if undone since): never reported untouched. */
  private touched = false;
  /** What this run changed and then undid. */
  private undone: string[] = [];
  /** What finishing or rolling back earlier, interrupted runs did on this node. */
  private recovered: string[] = [];
  /** Interrupted runs this run rolled back on the node before re-reading it. */
  private rolledBack: string[] = [];
  /** The lock was held by another run and we waited for it: the node may have been changed meanwhile. */
  private waitedForLock = false;
  private cordon: CordonRecord | undefined;
  private link: NodeLink | undefined;
  /** Approximately when our node lock expires (controller clock). */
  private lockExpiresAt = 0;

  private readonly work: NodeWork;
  private readonly deps: NodeApplyDeps;
  private readonly bounds: StepBounds;

  constructor(work: NodeWork, deps: NodeApplyDeps) {
    this.work = work;
    this.deps = deps;
    this.bounds = deps.bounds ?? DEFAULT_BOUNDS;
  }

  private get host(): HostSpec {
    return this.work.host;
  }

  private get node(): NodeLink {
    if (!this.link) throw new Error('not connected');
    return this.link;
  }

  private step(step: Parameters<NonNullable<ApplyHooks['nodeStep']>>[1], detail?: string): void {
    this.deps.hooks.nodeStep?.(this.host, step, detail);
  }

  private warn(message: string): void {
    this.deps.hooks.warn?.(this.host, message);
  }

  private finishHint(): string {
    return this.deps.hints?.finish(this.host) ?? `nodeward apply --limit ${this.host.name}`;
  }

  private rollbackHint(runId: string): string {
    return this.deps.hints?.rollback(runId, this.host) ?? `nodeward rollback ${runId} --limit ${this.host.name}`;
  }

  private outcome(status: NodeOutcomeStatus, reason?: string, left?: NodeOutcome['left']): NodeOutcome {
    return {
      name: this.host.name,
      status,
      reason,
      changes: status === 'applied' ? this.inEffect.length : status === 'failed' && this.touched ? this.inEffect.length : 0,
      restarted: this.restarted,
      durationMs: Date.now() - this.started,
      ...(this.touched ? { touched: true } : {}),
      ...(this.undone.length > 0 ? { undone: [...this.undone] } : {}),
      ...(left ? { left } : {}),
    };
  }

  /** A node left part-way: the report names the state there and the one command that finishes the job. */
  private leftPartWay(reason: string, state: string, finish = this.finishHint()): NodeOutcome {
    return this.outcome('failed', `${reason}; to finish the job: ${finish}`, { state, finish });
  }

  private async record(status: NodeOutcomeStatus | 'pending', reason: string | undefined, planned?: NodePlan): Promise<void> {
    await this.deps.journal?.updateNode({
      name: this.host.name,
      address: this.host.address,
      status,
      reason,
      // pending: what the run is about to change and restart, for whoever finds it unfinished
      changes: planned ? planned.changes.map((change) => change.id) : this.inEffect,
      restarted: planned ? planned.restarts : this.restarted,
      nodeBackupDir: runDir(this.deps.stateDir, this.deps.runId),
      updatedAt: new Date().toISOString(),
      runId: this.deps.runId,
      cordon: this.cordon,
    });
  }

  apply(): Promise<NodeOutcome> {
    return this.locked(() => this.applyPlan(), true);
  }

  /** Undoes an earlier run on this node (`nodeward rollback`): restore, restart what it restarted, gate. */
  revert(runId: string, services: readonly ServiceToRestart[]): Promise<NodeOutcome> {
    return this.locked(async () => {
      this.inEffect = [runId];
      const outcome = await this.drained(() => this.rollBack(`rollback of run ${runId}`, { runId, verify: true, fallbackRestarts: services }), true);
      if (outcome.status !== 'rolled-back') return outcome;
      const items = this.undone.length;
      return this.outcome('applied', `run ${runId} rolled back${items > 0 ? ` (${items} item${items === 1 ? '' : 's'} restored)` : ''}`);
    }, false);
  }

  /**
   * Undoes this run's own, finished change on the node (a rollout node that went unhealthy while
   * its wave soaked). Files edited since are not clobbered: the node is then reported `failed`.
   */
  undo(reason: string, services: readonly ServiceToRestart[], changes: readonly string[]): Promise<NodeOutcome> {
    return this.locked(async () => {
      this.inEffect = [...changes];
      this.touched = true;
      // an unhealthy node is rolled back even when it cannot be drained
      const outcome = await this.drained(() => this.rollBack(reason, { runId: this.deps.runId, verify: true, fallbackRestarts: services }), false);
      return outcome.status === 'refused' ? this.outcome('failed', `${outcome.reason ?? reason}; the node keeps this run's change`) : outcome;
    }, false);
  }

  /**
   * Connects, takes the node lock, runs `body`, releases the lock once nothing of the run runs on
   * the node any more (or says why it stays), and records the outcome.
   */
  private async locked(body: () => Promise<NodeOutcome>, recover: boolean): Promise<NodeOutcome> {
    if (this.deps.signal?.aborted) return this.finish(this.outcome('skipped', 'interrupted before this node started'));
    try {
      this.step('lock');
      this.link = new NodeLink(this.deps.connector, this.host, await this.deps.connector.connect(this.host, this.deps.signal), this.bounds.reconnect * 1000);
    } catch (error) {
      if (this.deps.signal?.aborted) return this.finish(this.outcome('skipped', 'interrupted before this node started'));
      return this.finish(this.outcome('unreachable', errorMessage(error)));
    }
    let result: NodeOutcome;
    try {
      const lock = await this.takeLock();
      if ('status' in lock) {
        // not ours: nothing of this run was ever on the node
        return await this.finish(lock);
      }
      await this.recoverCordon();
      if (recover) {
        const recovered = await this.recoverPendingRuns(parsePendingRuns(lock.output));
        result = recovered ?? (await body());
      } else {
        result = await body();
      }
    } catch (error) {
      result = this.errorOutcome(error);
    }
    // recorded before the release too: a controller that dies while unlocking leaves the truth
    await this.record(result.status, result.reason);
    const released = await this.release(result);
    return released === result ? result : this.finish(released);
  }

  private async finish(outcome: NodeOutcome): Promise<NodeOutcome> {
    await this.record(outcome.status, outcome.reason);
    return outcome;
  }

  private errorOutcome(error: unknown): NodeOutcome {
    const reason = errorMessage(error);
    if (!this.touched) return this.outcome(error instanceof ConnectError ? 'unreachable' : 'refused', reason);
    return this.leftPartWay(`${reason}; run ${this.deps.runId}'s record stays on the node: the next run on it finishes or rolls it back`, 'unknown');
  }

  private lockRequest(takeOverFrom: readonly string[] = []): string {
    const { owner, pid, command, ttlSeconds } = this.deps.lock;
    return lockScript({
      stateDir: this.deps.stateDir,
      runId: this.deps.runId,
      owner,
      pid,
      command,
      ttlSeconds,
      controller: controllerIdentity(pid),
      takeOverFrom: [...(this.deps.lock.takeOverFrom ?? []), ...takeOverFrom],
    });
  }

  private async lockOnce(takeOverFrom?: readonly string[]): Promise<{ lock: LockResult | undefined; output: Buffer }> {
    const output = await run(this.node, this.lockRequest(takeOverFrom), { job: runJob(this.deps.stateDir, this.deps.runId) });
    return { lock: parseLockOutput(output), output };
  }

  /** Our lock and the output that lists the node's unfinished runs, or the outcome that ends the node here. */
  private async takeLock(): Promise<{ output: Buffer } | NodeOutcome> {
    let { lock, output } = await this.lockOnce();
    if (!lock) return this.outcome('failed', 'the node answered the lock request with nothing sensible');
    if (lock.status === 'held' && (this.deps.lock.waitMs ?? 0) > 0) {
      const waited = await this.waitForLock(lock);
      if (!waited) return this.outcome('skipped', 'interrupted while waiting for the node lock');
      ({ lock, output } = waited);
    }
    if (lock.status === 'held' && isGoneHere(lock.holder['controller'])) {
      // the run holding it was started on this machine by a nodeward process that is gone
      const dead = lock.holder['runId'] ?? '';
      const deadline = Date.now() + DEAD_RUN_WAIT_MS;
      do {
        ({ lock, output } = await this.lockOnce([dead]));
        if (lock?.status !== 'held' || lock.busy.length === 0 || Date.now() > deadline) break;
        this.step('lock', `waiting for ${describeRunJobs(lock.busy)} of run ${dead} to end`);
        await sleep(2000);
      } while (lock.status === 'held');
      if (!lock) return this.outcome('failed', 'the node answered the lock request with nothing sensible');
      if (lock.status === 'taken-over') {
        this.warn(`took over the lock of run ${dead}, whose nodeward process (pid ${identityPid(lock.previous['controller']) ?? '?'} on this machine) is gone`);
      }
    } else if (lock.status === 'taken-over') {
      const previous = lock.previous['runId'] ?? '?';
      const earlier = this.deps.lock.takeOverFrom?.includes(previous) ? 'the lock of an interrupted earlier attempt of this run' : 'an expired lock of run';
      this.warn(`took over ${earlier} ${previous} (${lock.previous['owner'] ?? '?'})`);
    }
    if (lock.status === 'held') return this.outcome('refused', this.describeHeld(lock));
    this.lockExpiresAt = Date.now() + this.deps.lock.ttlSeconds * 1000;
    return { output };
  }

  private describeHeld(lock: Extract<LockResult, { status: 'held' }>): string {
    const h = lock.holder;
    const expires = h['expires'] ? new Date(Number(h['expires']) * 1000).toISOString() : 'unknown';
    const waited = (this.deps.lock.waitMs ?? 0) > 0 ? ` (waited ${Math.round((this.deps.lock.waitMs ?? 0) / 1000)}s)` : '';
    const busy = lock.busy.length > 0 ? `; ${describeRunJobs(lock.busy)} is still running on the node` : '';
    return `locked by run ${h['runId'] ?? '?'} (${h['owner'] ?? '?'}, pid ${h['pid'] ?? '?'}: ${h['command'] ?? ''}) until ${expires}${waited}${busy}`;
  }

  /** Polls a lock another live run holds until it is free, the wait is over or the run is interrupted (undefined). */
  private async waitForLock(first: LockResult): Promise<{ lock: LockResult; output: Buffer } | undefined> {
    const deadline = Date.now() + (this.deps.lock.waitMs ?? 0);
    let lock = first;
    let output: Buffer = Buffer.alloc(0);
    if (lock.status === 'held') this.step('lock', `waiting for run ${lock.holder['runId'] ?? '?'} (${lock.holder['owner'] ?? '?'})`);
    while (lock.status === 'held' && Date.now() < deadline) {
      const aborted = await sleep(Math.max(0, Math.min(this.deps.lock.pollMs ?? 2000, deadline - Date.now())), this.deps.signal).then(
        () => false,
        () => true,
      );
      if (aborted) return undefined;
      const next = await this.lockOnce();
      output = next.output;
      lock = next.lock ?? lock;
    }
    if (lock.status !== 'held') this.waitedForLock = true;
    return { lock, output };
  }

  /**
   * Releases our lock (the node first ends what of the run still runs there); when that cannot be
   * done the outcome says until when the node stays locked and how it gets free.
   */
  private async release(result: NodeOutcome): Promise<NodeOutcome> {
    this.step('unlock');
    const until = this.lockExpiresAt > 0 ? ` until about ${new Date(this.lockExpiresAt).toISOString().replace(/\.\d+Z$/, 'Z')}` : '';
    const freed = `a nodeward run from this machine takes the lock over as soon as this one has exited; from elsewhere, once it expires`;
    try {
      const unlock = parseUnlockOutput(await run(this.node.resilient, unlockScript(this.deps.stateDir, this.deps.runId), { job: runJob(this.deps.stateDir, this.deps.runId) }));
      if (unlock?.status !== 'busy') return result;
      return this.amend(result, `the node stays locked by run ${this.deps.runId}${until}: ${describeRunJobs(unlock.jobs)} is still running there; ${freed}`);
    } catch (error) {
      return this.amend(result, `could not release the node lock (${errorMessage(error)}): it stays${until}; ${freed}`);
    }
  }

  private amend(result: NodeOutcome, note: string): NodeOutcome {
    return { ...result, reason: result.reason ? `${result.reason}; ${note}` : note };
  }

  private async recoverCordon(): Promise<void> {
    if (!this.deps.cordons) return;
    try {
      const repaired = await this.deps.cordons.recover(this.host);
      if (repaired) this.warn(repaired);
    } catch (error) {
      this.warn(`could not check the Node for a cordon an earlier run left: ${errorMessage(error)}`);
    }
  }

  /**
   * Runs `body` between a cordon+drain and the restore of the node's prior schedulability (always,
   * also when `body` throws). A failed drain refuses the node, unless `required` is false.
   */
  private async drained(body: () => Promise<NodeOutcome>, required: boolean): Promise<NodeOutcome> {
    const drainer = this.deps.drain;
    if (!drainer) return body();
    const drain = await drainer.drain(this.host, this.deps.signal);
    this.cordon = drain.record;
    if (!drain.ok) {
      if (drain.restoreFailed) return this.outcome('failed', `${drain.reason}; the node is still cordoned: ${drain.restoreFailed}`);
      if (this.deps.signal?.aborted) return this.outcome('skipped', `interrupted while draining (${drain.reason}); schedulability restored`);
      if (required) return this.outcome('refused', drain.reason);
      this.warn(`${drain.reason}; going on without a drain`);
      return body();
    }
    await this.record('pending', 'cordoned and drained');
    let outcome: NodeOutcome | undefined;
    let restoreFailed: string | undefined;
    try {
      outcome = await body();
    } finally {
      restoreFailed = await drainer.restore(this.host);
      if (!restoreFailed && this.cordon) this.cordon = { ...this.cordon, restoredAt: new Date().toISOString() };
    }
    if (restoreFailed) return { ...outcome, status: 'failed', reason: `${outcome.reason ?? outcome.status}; the node is still cordoned: ${restoreFailed}` };
    return outcome;
  }

  private async applyPlan(): Promise<NodeOutcome> {
    this.step('facts');
    const facts = await gatherFacts(this.node.resilient, factRequests(this.work.entries), { timeoutMs: this.bounds.command * 1000 });
    const plan = buildNodePlan(this.host, this.work.entries, facts);
    if (plan.status === 'error') return this.outcome('refused', plan.error?.message);
    // the run we waited for may well have made this very change
    if (this.waitedForLock && plan.changes.length === 0) return this.outcome('in-sync');
    if (this.work.approved) {
      const stale = staleDifferences(this.work.approved, plan);
      // The approved plan announced a half-written run that apply rolls back and re-plans: it was
      // read mid-write, so after that rollback it differs by construction. Any other difference refuses.
      const announced = this.rolledBack.length > 0 && this.rolledBack.every((id) => this.work.approved?.pendingRuns?.some((pending) => pending.runId === id));
      if (stale.length > 0 && !announced) return this.outcome('refused', `stale plan: ${describeStale(stale)}; make a new plan`);
      if (stale.length > 0) this.warn(`re-planned after rolling back ${this.rolledBack.join(', ')} (the plan was read mid-write): ${describeStale(stale)}`);
    }
    if (plan.changes.length === 0) return this.recovered.length > 0 ? this.outcome('applied', this.recovered.join('; ')) : this.outcome('in-sync');

    this.step('guard');
    const kubeletConfigPath = facts.kubelet?.configPath ?? '/var/lib/kubelet/config.yaml';
    const failures = checkGuards({ facts, plan, kubeletConfigPath });
    if (failures.length > 0) return this.outcome('refused', failures.map((f) => `${f.guard}: ${f.message}`).join('; '));
    if (this.deps.signal?.aborted) return this.outcome('skipped', 'interrupted before writing');
    return this.drained(() => this.change(facts, plan, kubeletConfigPath), true);
  }

  /** Backup and write, restarts behind gates, rollback on failure. */
  private async change(facts: NodeFacts, plan: NodePlan, kubeletConfigPath: string): Promise<NodeOutcome> {
    if (this.deps.signal?.aborted) return this.outcome('skipped', 'interrupted before writing');
    // a controller that dies from here on leaves this node 'pending' in the journal, not unaccounted for
    await this.record('pending', 'writing', plan);
    const context: WriteContext = { plan, healthz: healthzUrl(afterState(facts, plan).fileText(kubeletConfigPath)) };
    this.step('backup');
    const operations = plan.changes.flatMap((change) => change.operations);
    const script = writeScript({ stateDir: this.deps.stateDir, runId: this.deps.runId, operations, owedRestarts: plan.restarts, bounds: this.bounds });
    let output: Buffer;
    try {
      // from here on the node may change: whatever happens next, the report says what it did
      this.touched = true;
      output = await run(this.node, script, { timeoutMs: writeDeadlineSeconds(operations, this.bounds) * 1000, job: runJob(this.deps.stateDir, this.deps.runId, true) });
    } catch (error) {
      if (!isLostContact(error)) throw error;
      return this.resolveLost('the write', error, context);
    }
    const written = parseWriteOutput(output);
    this.step('write');
    if (!written.done) {
      const reason = `write failed at ${written.failure?.step ?? '?'}: ${written.failure?.message ?? 'no answer'}`;
      if (written.failure?.step === 'setup' || written.failure?.step.startsWith('backup')) {
        this.touched = false; // it stopped before its first change
        return this.outcome('refused', reason);
      }
      return this.rollBack(reason, { runId: this.deps.runId });
    }
    this.inEffect = plan.changes.map((change) => change.id);
    return this.finishWritten(context, plan.restarts, written.armed ? { at: Date.now(), seconds: written.armed.seconds } : undefined);
  }

  /** A run whose files are written: confirm an armed change over a new login, then the restarts behind gates. */
  private async finishWritten(context: WriteContext, owed: readonly string[], armed: { at: number; seconds: number } | undefined): Promise<NodeOutcome> {
    this.inEffect = context.plan.changes.map((change) => change.id);
    if (armed) {
      // sshd or the firewall changed: a new login must work, or the node reverts the run by itself
      this.step('write', 'confirming over a new SSH connection');
      const { connector, stateDir, runId } = this.deps;
      const confirmed = await confirmOverNewConnection({ connector, host: this.host, transport: this.node.resilient, stateDir, runId, seconds: armed.seconds, armedAt: armed.at });
      if (!confirmed.ok) {
        if (confirmed.status === 'rolled-back') {
          this.inEffect = [];
          return this.outcome('rolled-back', confirmed.reason);
        }
        // neither confirmed nor seen reverted: its armed timer reverts it unless nodeward confirms
        return this.leftPartWay(confirmed.reason, 'unknown');
      }
    }
    const failure = await this.restarts(services(owed), context.healthz, this.deps.runId, 'done');
    if (failure) return this.rollBack(failure, { runId: this.deps.runId, healthz: context.healthz });
    return this.outcome('applied');
  }

  /** Restarts services in order behind the gate, settling each; returns why one failed, or undefined. */
  private async restarts(list: readonly ServiceToRestart[], healthz: string | undefined, runId: string, final: 'done' | 'rolled-back'): Promise<string | undefined> {
    const owed = [...list];
    for (const service of list) {
      const failure = await this.restartAndWait(service, healthz, runId);
      if (failure) return failure;
      owed.shift();
      await run(this.node.resilient, settleScript(this.deps.stateDir, runId, owed, final), { job: runJob(this.deps.stateDir, this.deps.runId) });
    }
    if (list.length === 0) await run(this.node.resilient, settleScript(this.deps.stateDir, runId, [], final), { job: runJob(this.deps.stateDir, this.deps.runId) });
    return undefined;
  }

  /** Restarts one service and waits for the gate; returns the reason it failed, or undefined. */
  private async restartAndWait(service: ServiceToRestart, healthz: string | undefined, runId: string): Promise<string | undefined> {
    this.step('restart', service);
    if (!this.restarted.includes(service)) this.restarted.push(service);
    const script = restartScript(this.deps.stateDir, runId, service, this.bounds);
    const options: ExecOptions = { timeoutMs: restartDeadlineSeconds(this.bounds) * 1000, job: runJob(this.deps.stateDir, this.deps.runId) };
    let output: Buffer;
    try {
      output = await run(this.node, script, options);
    } catch (error) {
      if (!isLostContact(error)) throw error;
      // whether it restarted is unknown; restarting again is harmless, and the gate decides
      this.warn(`${lostStep(`the restart of ${service}`, error)}; restarting it again over a new session`);
      const why = await this.node.renew(this.bounds.reconnect * 1000);
      if (why) throw new ConnectError('closed', `${this.host.name}: ${lostStep(`the restart of ${service}`, error)}, and the node could not be reached again (${why})`, { host: this.host.name, hop: 'node' });
      output = await run(this.node, script, options);
    }
    const restart = parseRestartOutput(output);
    if ('failure' in restart) return restart.failure;
    this.step('gate', service);
    const gate = await waitHealthy(this.node.resilient, {
      services: [service],
      restartedAt: restart.at,
      kubeletRestartsBefore: service === 'kubelet' ? restart.restartsBefore : Number.MAX_SAFE_INTEGER,
      healthzUrl: service === 'kubelet' || service === 'containerd' ? healthz : undefined,
      nodeName: this.host.name,
      nodeStatus: this.deps.gate.nodeStatus,
      timeoutMs: this.deps.gate.timeoutMs,
      intervalMs: this.deps.gate.intervalMs,
    });
    if (gate.ok) return undefined;
    return `${gate.reason}${await this.diagnose(service)}`;
  }

  private async diagnose(service: ServiceToRestart): Promise<string> {
    try {
      const text = (await run(this.node.resilient, unitDiagnosisScript(service))).toString().trim().split('\n');
      return `; ${service}: ${text.filter(Boolean).slice(0, 3).join(' | ')}`;
    } catch {
      return '';
    }
  }

  /**
   * Restores what a run changed on the node (the node's own rollback, from its manifest), restarts
   * what had loaded the run's files and waits for the gate again: the node ends as it was, and
   * Ready, or the run reports `failed` with the state the node is left in.
   */
  private async rollBack(
    reason: string,
    options: { runId: string; verify?: boolean; healthz?: string | undefined; fallbackRestarts?: readonly ServiceToRestart[] },
  ): Promise<NodeOutcome> {
    this.step('rollback');
    const { runId } = options;
    const script = rollbackScript({ stateDir: this.deps.stateDir, runId, verifyUnchanged: options.verify ?? false, bounds: this.bounds, restartsIfUnrecorded: options.fallbackRestarts });
    let output: Buffer;
    try {
      output = await run(this.node, script, { timeoutMs: rollbackDeadlineSeconds(this.bounds) * 1000, job: runJob(this.deps.stateDir, runId, true) });
    } catch (error) {
      if (!isLostContact(error)) throw error;
      return this.resolveLost(runId === this.deps.runId ? 'the rollback' : `the rollback of run ${runId}`, error, undefined, runId);
    }
    const result = parseRollbackOutput(output);
    if (!result.done && result.failure?.step === 'verify') return this.outcome('refused', `${reason}: ${result.failure.message}`);
    if (!result.done) {
      return this.leftPartWay(`${reason}; ROLLBACK FAILED at ${result.failure?.step ?? '?'}: ${result.failure?.message ?? 'no answer'} (run ${runId} is left rolling-back on the node)`, 'rolling-back', this.rollbackHint(runId));
    }
    this.undone.push(...result.undone);
    this.inEffect = [];
    return this.afterRestore(reason, runId, result.owed, options.healthz);
  }

  /** Restores are done: restart what ran the run's files, gate, settle the run `rolled-back`. */
  private async afterRestore(reason: string, runId: string, owed: readonly string[], healthz: string | undefined): Promise<NodeOutcome> {
    const failure = await this.restarts(services(owed), healthz ?? healthzUrl(undefined), runId, 'rolled-back');
    if (failure) return this.leftPartWay(`${reason}; rolled back, but after the rollback ${failure}`, 'restored', this.rollbackHint(runId));
    return this.outcome('rolled-back', this.undone.length > 0 ? `${reason}; undone: ${this.undone.join(', ')}` : `${reason}; nothing had been changed yet`);
  }

  /**
   * A step's fate is unknown (the node's deadline, a dropped session, a bastion gone): reach the
   * node again, end what of the run still runs there, read how far the run got, and finish the job
   * from there: roll it back, or, if it had been written, finish it through the gates.
   */
  private async resolveLost(what: string, error: unknown, context: WriteContext | undefined, runId = this.deps.runId): Promise<NodeOutcome> {
    const lost = lostStep(what, error);
    this.step('recover', `${lost}; reading back how far run ${runId} got`);
    this.warn(`${lost}; reading back from the node how far run ${runId} got`);
    const seen = await this.inspectRun(runId);
    if (typeof seen === 'string') {
      return this.leftPartWay(
        `${lost}, and the node could not be reached again to learn how far run ${runId} got (${seen}). ` +
          'On the node, the run\'s scripts end by themselves and a half-written run is rolled back by the node itself',
        'unknown',
      );
    }
    this.undone.push(...seen.undone);
    switch (seen.state) {
      case 'none':
        this.touched = false;
        return this.outcome('refused', `${lost}; the run never started on the node: nothing was changed`);
      case 'rolled-back':
        this.inEffect = [];
        return this.outcome('rolled-back', `${lost}; the node rolled the run back by itself${this.undone.length > 0 ? `: undone ${this.undone.join(', ')}` : ' (nothing had been changed yet)'}`);
      case 'restored':
        this.inEffect = [];
        return this.afterRestore(`${lost}; the node rolled the run back by itself`, runId, seen.owed, context?.healthz);
      case 'written':
      case 'restarting':
        if (!context) break;
        this.warn(`run ${runId} had been written before contact was lost: finishing it`);
        return this.finishWritten(context, seen.owed, seen.armed ? { at: Date.now() - Math.max(0, seen.nodeNow - seen.armed.at) * 1000, seconds: seen.armed.seconds } : undefined);
      case 'done':
        if (context) this.inEffect = context.plan.changes.map((change) => change.id);
        return this.outcome('applied', `${lost}, but the run had finished on the node`);
      default:
        break;
    }
    const doing = seen.running.length > 0 ? `; ${describeRunJobs(seen.running)} is still running` : '';
    const failed = seen.failure ? `; the node's own rollback failed: ${seen.failure}` : '';
    return this.leftPartWay(`${lost}; run ${runId} is left ${seen.state} on the node${failed}${doing}`, seen.state, isHalfWritten(seen.state) ? this.rollbackHint(runId) : this.finishHint());
  }

  /** Reaches the node again and reads the run's state, waiting for a rollback the node does by itself. */
  private async inspectRun(runId: string): Promise<RunInspection | string> {
    const deadline = Date.now() + rollbackDeadlineSeconds(this.bounds) * 1000;
    let last = 'no answer';
    for (;;) {
      const why = await this.node.renew(this.bounds.reconnect * 1000);
      if (why) return why;
      try {
        const wait = Math.min(this.bounds.command, 60);
        const seen = parseInspection(await run(this.node, inspectRunScript(this.deps.stateDir, runId, wait), { timeoutMs: (wait + this.bounds.command) * 1000, job: runJob(this.deps.stateDir, this.deps.runId) }));
        if (!seen) return 'the node answered the inspection with nothing sensible';
        const rollingBack = seen.running.some((job) => job.kind === 'rollback');
        if (!rollingBack || Date.now() > deadline) return seen;
        this.step('recover', `the node is rolling run ${runId} back by itself`);
      } catch (error) {
        if (!isLostContact(error) || Date.now() > deadline) return errorMessage(error);
        last = errorMessage(error);
      }
      if (Date.now() > deadline) return last;
    }
  }

  /**
   * Runs a crashed controller left unfinished: a half-written one is rolled back; restarts a written
   * one owed are done (and gated); a restored one gets its restarts. Returns an outcome only when
   * the node is not fit to continue.
   */
  private async recoverPendingRuns(found: readonly PendingRun[]): Promise<NodeOutcome | undefined> {
    const pending = found.filter((p) => p.runId !== this.deps.runId);
    for (const earlier of pending) {
      this.step('recover', earlier.runId);
      const problem = await this.recover(earlier);
      if (problem) return problem;
    }
    return undefined;
  }

  private async recover(pending: PendingRun): Promise<NodeOutcome | undefined> {
    const owed = services(pending.owed);
    const healthz = healthzUrl(undefined);
    if (isHalfWritten(pending.state) || pending.state === 'restored') {
      const rolled = pending.state === 'restored' ? await this.afterRestore(`finishing the rollback of run ${pending.runId}`, pending.runId, owed, healthz) : await this.rollBack(`interrupted run ${pending.runId}`, { runId: pending.runId });
      if (rolled.status !== 'rolled-back') return { ...rolled, reason: `could not roll back interrupted run ${pending.runId}: ${rolled.reason ?? rolled.status}` };
      this.undone = [];
      const note = pending.state === 'restored' ? `finished rolling back run ${pending.runId} (restarted ${owed.join(', ') || 'nothing'})` : `rolled back run ${pending.runId}, interrupted while writing`;
      this.recovered.push(note);
      this.rolledBack.push(pending.runId);
      this.warn(note);
      return undefined;
    }
    const failure = await this.restarts(owed, healthz, pending.runId, 'done');
    if (failure) {
      const rolled = await this.rollBack(`owed restart of interrupted run ${pending.runId} failed: ${failure}`, { runId: pending.runId, healthz, fallbackRestarts: owed });
      this.undone = [];
      return rolled.status === 'rolled-back' ? this.outcome('refused', `${rolled.reason ?? ''} (rolled back run ${pending.runId}; this run made no change)`) : rolled;
    }
    this.recovered.push(`finished run ${pending.runId}, interrupted before its restarts (${owed.join(', ') || 'none owed'})`);
    this.warn(`finished run ${pending.runId}, interrupted before its restarts (${owed.join(', ') || 'none owed'})`);
    return undefined;
  }
}

function services(names: readonly string[]): ServiceToRestart[] {
  return names.filter((s): s is ServiceToRestart => s === 'kubelet' || s === 'containerd');
}

/** Applies one node's plan: lock, recover, re-read, guard, back up and write, restart behind gates, roll back. */
export function applyNode(work: NodeWork, deps: NodeApplyDeps): Promise<NodeOutcome> {
  return new NodeRun(work, deps).apply();
}

/** Rolls back an earlier run on one node, through the same lock and gates. */
export function revertNode(host: HostSpec, runId: string, services: readonly ServiceToRestart[], deps: NodeApplyDeps): Promise<NodeOutcome> {
  return new NodeRun({ host, entries: [], approved: undefined }, deps).revert(runId, services);
}

/** Rolls back this run's (`deps.runId`) finished change on one node, through the lock, drain and gates. */
export function undoNode(host: HostSpec, reason: string, services: readonly ServiceToRestart[], changes: readonly string[], deps: NodeApplyDeps): Promise<NodeOutcome> {
  return new NodeRun({ host, entries: [], approved: undefined }, deps).undo(reason, services, changes);
}
