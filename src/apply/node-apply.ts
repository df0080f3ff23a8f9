import type { ResourceEntry } from '../config/playbook-types.ts';
import type { HostSpec } from '../config/types.ts';
import { gatherFacts } from '../facts/gather.ts';
import type { NodeFacts } from '../facts/types.ts';
import { waitHealthy } from '../health/gate.ts';
import type { NodeStatusReader } from '../health/node-status.ts';
import type { RunJournal } from '../journal/run-journal.ts';
import { buildNodePlan, factRequests } from '../plan/build.ts';
import type { NodePlan } from '../plan/types.ts';
import type { ServiceToRestart } from '../resources/schema-parts.ts';
import type { Connector, Transport } from '../transport/types.ts';
import { sleep } from '../transport/retry.ts';
import { ConnectError, errorMessage, RemoteCommandError } from '../util/errors.ts';
import { afterState } from './after-state.ts';
import { confirmOverNewConnection } from './confirm.ts';
import { checkGuards } from './guards.ts';
import { healthzUrl } from './healthz.ts';
import { runDir } from './scripts/common.ts';
import { lockScript, parseLockOutput, unlockScript, type LockResult } from './scripts/lock.ts';
import { parsePendingRuns, parseRollbackOutput, rollbackScript, type PendingRun } from './scripts/rollback.ts';
import { parseRestartOutput, restartScript, settleScript, unitDiagnosisScript } from './scripts/services.ts';
import { parseWriteOutput, writeScript } from './scripts/write.ts';
import { staleDifferences } from './stale.ts';
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
}

export interface NodeWork {
  readonly host: HostSpec;
  readonly entries: readonly ResourceEntry[];
  /** The plan the operator approved or saved; the node is refused if today's differs. */
  readonly approved: NodePlan | undefined;
}

/** Runs a node-side script; exit 0 and 10 (a reported NW_FAIL) are answers, anything else is an error. */
async function run(transport: Transport, script: string, timeoutMs?: number): Promise<Buffer> {
  const result = await transport.exec(script, timeoutMs === undefined ? {} : { timeoutMs });
  if (result.exitCode === 0 || result.exitCode === 10) return result.stdout;
  const stderr = result.stderr.toString().trim().split('\n').slice(-3).join(' / ');
  throw new RemoteCommandError(`${transport.host.name}: node script exited ${String(result.exitCode ?? result.signal)}: ${stderr}`, { exitCode: result.exitCode, stderr, timedOut: false }, { host: transport.host.name, hop: 'node' });
}

class NodeRun {
  private readonly started = Date.now();
  private restarted: ServiceToRestart[] = [];
  private changes: string[] = [];
  /** What finishing or rolling back earlier, interrupted runs did on this node. */
  private recovered: string[] = [];
  /** Interrupted runs this run rolled back on the node before re-reading it. */
  private rolledBack: string[] = [];
  /** The lock was held by another run and we waited for it: the node may have been changed meanwhile. */
  private waitedForLock = false;
  private cordon: CordonRecord | undefined;

  private readonly work: NodeWork;
  private readonly deps: NodeApplyDeps;

  constructor(work: NodeWork, deps: NodeApplyDeps) {
    this.work = work;
    this.deps = deps;
  }

  private get host(): HostSpec {
    return this.work.host;
  }

  private step(step: Parameters<NonNullable<ApplyHooks['nodeStep']>>[1], detail?: string): void {
    this.deps.hooks.nodeStep?.(this.host, step, detail);
  }

  private async outcome(status: NodeOutcomeStatus, reason?: string): Promise<NodeOutcome> {
    const outcome: NodeOutcome = {
      name: this.host.name,
      status,
      reason,
      changes: this.changes.length,
      restarted: this.restarted,
      durationMs: Date.now() - this.started,
    };
    await this.record(status, reason);
    return outcome;
  }

  private async record(status: NodeOutcomeStatus | 'pending', reason: string | undefined, planned?: NodePlan): Promise<void> {
    await this.deps.journal?.updateNode({
      name: this.host.name,
      address: this.host.address,
      status,
      reason,
      // pending: what the run is about to change and restart, for whoever finds it unfinished
      changes: planned ? planned.changes.map((change) => change.id) : this.changes,
      restarted: planned ? planned.restarts : this.restarted,
      nodeBackupDir: runDir(this.deps.stateDir, this.deps.runId),
      updatedAt: new Date().toISOString(),
      runId: this.deps.runId,
      cordon: this.cordon,
    });
  }

  apply(): Promise<NodeOutcome> {
    return this.locked((transport) => this.applyPlan(transport), true);
  }

  /** Undoes an earlier run on this node (`nodeward rollback`): restore, restart what it restarted, gate. */
  revert(runId: string, services: readonly ServiceToRestart[]): Promise<NodeOutcome> {
    return this.locked(async (transport) => {
      this.changes = [runId];
      const outcome = await this.drained(() => this.rollBack(transport, `rollback of run ${runId}`, services, healthzUrl(undefined), runId, true), true);
      return outcome.status === 'rolled-back' ? this.outcome('applied', `run ${runId} rolled back`) : outcome;
    }, false);
  }

  /**
   * Undoes this run's own, finished change on the node (a rollout node that went unhealthy while
   * its wave soaked). Files edited since are not clobbered: the node is then reported `failed`.
   */
  undo(reason: string, services: readonly ServiceToRestart[], changes: readonly string[]): Promise<NodeOutcome> {
    return this.locked(async (transport) => {
      this.changes = [...changes];
      // an unhealthy node is rolled back even when it cannot be drained
      const outcome = await this.drained(() => this.rollBack(transport, reason, services, healthzUrl(undefined), this.deps.runId, true), false);
      return outcome.status === 'refused' ? this.outcome('failed', `${outcome.reason ?? reason}; the node keeps this run's change`) : outcome;
    }, false);
  }

  /** Connects, takes the node lock, runs `body` and always releases the lock. */
  private async locked(body: (transport: Transport) => Promise<NodeOutcome>, recover: boolean): Promise<NodeOutcome> {
    if (this.deps.signal?.aborted) return this.outcome('skipped', 'interrupted before this node started');
    let transport: Transport;
    try {
      this.step('lock');
      transport = await this.deps.connector.connect(this.host, this.deps.signal);
    } catch (error) {
      if (this.deps.signal?.aborted) return this.outcome('skipped', 'interrupted before this node started');
      return this.outcome('unreachable', errorMessage(error));
    }
    let locked = false;
    try {
      let lockOutput = await run(transport, this.lockScript());
      let lock = parseLockOutput(lockOutput);
      if (!lock) return await this.outcome('failed', 'the node answered the lock request with nothing sensible');
      if (lock.status === 'held' && (this.deps.lock.waitMs ?? 0) > 0) {
        const waited = await this.waitForLock(transport, lock);
        if (!waited) return await this.outcome('skipped', 'interrupted while waiting for the node lock');
        lock = waited.lock;
        lockOutput = waited.output;
      }
      if (lock.status === 'held') {
        const h = lock.holder;
        const expires = h['expires'] ? new Date(Number(h['expires']) * 1000).toISOString() : 'unknown';
        const waited = (this.deps.lock.waitMs ?? 0) > 0 ? ` (waited ${Math.round((this.deps.lock.waitMs ?? 0) / 1000)}s)` : '';
        return await this.outcome('refused', `locked by run ${h['runId'] ?? '?'} (${h['owner'] ?? '?'}, pid ${h['pid'] ?? '?'}: ${h['command'] ?? ''}) until ${expires}${waited}`);
      }
      locked = true;
      if (lock.status === 'taken-over') {
        const previous = lock.previous['runId'] ?? '?';
        const earlier = this.deps.lock.takeOverFrom?.includes(previous) ? 'the lock of an interrupted earlier attempt of this run' : 'an expired lock of run';
        this.deps.hooks.warn?.(this.host, `took over ${earlier} ${previous} (${lock.previous['owner'] ?? '?'})`);
      }
      await this.recoverCordon();
      if (recover) {
        const recovered = await this.recoverPendingRuns(transport, parsePendingRuns(lockOutput));
        if (recovered) return recovered;
      }
      return await body(transport);
    } catch (error) {
      const reason = errorMessage(error);
      if (error instanceof ConnectError) return this.outcome('unreachable', reason);
      if (this.changes.length === 0) return this.outcome('refused', reason);
      return this.outcome('failed', `${reason}; run ${this.deps.runId}'s journal stays on the node: the next run on it finishes or rolls it back`);
    } finally {
      if (locked) {
        this.step('unlock');
        await transport.exec(unlockScript(this.deps.stateDir, this.deps.runId)).catch(() => undefined);
      }
    }
  }

  private lockScript(): string {
    const { owner, pid, command, ttlSeconds, takeOverFrom } = this.deps.lock;
    return lockScript({ stateDir: this.deps.stateDir, runId: this.deps.runId, owner, pid, command, ttlSeconds, takeOverFrom });
  }

  /** Polls a lock another live run holds until it is free, the wait is over or the run is interrupted (undefined). */
  private async waitForLock(transport: Transport, first: LockResult): Promise<{ lock: LockResult; output: Buffer } | undefined> {
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
      output = await run(transport, this.lockScript());
      lock = parseLockOutput(output) ?? lock;
    }
    if (lock.status !== 'held') this.waitedForLock = true;
    return { lock, output };
  }

  private async recoverCordon(): Promise<void> {
    if (!this.deps.cordons) return;
    try {
      const repaired = await this.deps.cordons.recover(this.host);
      if (repaired) this.deps.hooks.warn?.(this.host, repaired);
    } catch (error) {
      this.deps.hooks.warn?.(this.host, `could not check the Node for a cordon an earlier run left: ${errorMessage(error)}`);
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
      this.deps.hooks.warn?.(this.host, `${drain.reason}; going on without a drain`);
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
    if (restoreFailed) return this.outcome('failed', `${outcome.reason ?? outcome.status}; the node is still cordoned: ${restoreFailed}`);
    return this.outcome(outcome.status, outcome.reason);
  }

  private async applyPlan(transport: Transport): Promise<NodeOutcome> {
    this.step('facts');
    const facts = await gatherFacts(transport, factRequests(this.work.entries));
    const plan = buildNodePlan(this.host, this.work.entries, facts);
    if (plan.status === 'error') return this.outcome('refused', plan.error?.message);
    // the run we waited for may well have made this very change
    if (this.waitedForLock && plan.changes.length === 0) return this.outcome('in-sync');
    if (this.work.approved) {
      const stale = staleDifferences(this.work.approved, plan);
      // The approved plan announced a half-written run that apply rolls back and re-plans: it was
      // read mid-write, so after that rollback it differs by construction. Any other difference refuses.
      const announced = this.rolledBack.length > 0 && this.rolledBack.every((id) => this.work.approved?.pendingRuns?.some((run) => run.runId === id));
      if (stale.length > 0 && !announced) return this.outcome('refused', `stale plan: ${stale.join('; ')}`);
      if (stale.length > 0) {
        const shown = stale.slice(0, 3).join('; ') + (stale.length > 3 ? `; and ${stale.length - 3} more` : '');
        this.deps.hooks.warn?.(this.host, `re-planned after rolling back ${this.rolledBack.join(', ')} (the plan was read mid-write): ${shown}`);
      }
    }
    if (plan.changes.length === 0) return this.recovered.length > 0 ? this.outcome('applied', this.recovered.join('; ')) : this.outcome('in-sync');

    this.step('guard');
    const kubeletConfigPath = facts.kubelet?.configPath ?? '/var/lib/kubelet/config.yaml';
    const failures = checkGuards({ facts, plan, kubeletConfigPath });
    if (failures.length > 0) return this.outcome('refused', failures.map((f) => `${f.guard}: ${f.message}`).join('; '));
    if (this.deps.signal?.aborted) return this.outcome('skipped', 'interrupted before writing');
    return this.drained(() => this.change(transport, facts, plan, kubeletConfigPath), true);
  }

  /** Backup and write, restarts behind gates, rollback on failure. */
  private async change(transport: Transport, facts: NodeFacts, plan: NodePlan, kubeletConfigPath: string): Promise<NodeOutcome> {
    if (this.deps.signal?.aborted) return this.outcome('skipped', 'interrupted before writing');
    // a controller that dies from here on leaves this node 'pending' in the journal, not unaccounted for
    await this.record('pending', 'writing', plan);
    this.step('backup');
    const operations = plan.changes.flatMap((change) => change.operations);
    const written = parseWriteOutput(
      await run(transport, writeScript({ stateDir: this.deps.stateDir, runId: this.deps.runId, operations, owedRestarts: plan.restarts })),
    );
    this.step('write');
    if (written.completed.includes('backup')) this.changes = plan.changes.map((change) => change.id);
    if (!written.done) {
      const reason = `write failed at ${written.failure?.step ?? '?'}: ${written.failure?.message ?? 'no answer'}`;
      if (written.failure?.step === 'setup' || written.failure?.step.startsWith('backup')) return this.outcome('refused', reason);
      return this.rollBack(transport, reason, []);
    }
    if (written.armed) {
      // sshd or the firewall changed: a new login must work, or the node reverts the run by itself
      this.step('write', 'confirming over a new SSH connection');
      const { connector, stateDir, runId } = this.deps;
      const confirmed = await confirmOverNewConnection({ connector, host: this.host, transport, stateDir, runId, seconds: written.armed.seconds, armedAt: Date.now() });
      if (!confirmed.ok) return this.outcome(confirmed.status, confirmed.reason);
    }

    const healthz = healthzUrl(afterState(facts, plan).fileText(kubeletConfigPath));
    const owed = [...plan.restarts];
    for (const service of plan.restarts) {
      const failure = await this.restartAndWait(transport, service, healthz);
      if (failure) return this.rollBack(transport, failure, [...this.restarted], healthz);
      owed.shift();
      await run(transport, settleScript(this.deps.stateDir, this.deps.runId, owed, 'done'));
    }
    if (plan.restarts.length === 0) await run(transport, settleScript(this.deps.stateDir, this.deps.runId, [], 'done'));
    return this.outcome('applied');
  }

  /** Restarts one service and waits for the gate; returns the reason it failed, or undefined. */
  private async restartAndWait(transport: Transport, service: ServiceToRestart, healthz: string | undefined, runId = this.deps.runId): Promise<string | undefined> {
    this.step('restart', service);
    if (!this.restarted.includes(service)) this.restarted.push(service);
    const restart = parseRestartOutput(await run(transport, restartScript(this.deps.stateDir, runId, service)));
    if ('failure' in restart) return restart.failure;
    this.step('gate', service);
    const gate = await waitHealthy(transport, {
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
    return `${gate.reason}${await this.diagnose(transport, service)}`;
  }

  private async diagnose(transport: Transport, service: ServiceToRestart): Promise<string> {
    try {
      const text = (await run(transport, unitDiagnosisScript(service))).toString().trim().split('\n');
      return `; ${service}: ${text.filter(Boolean).slice(0, 3).join(' | ')}`;
    } catch {
      return '';
    }
  }

  /**
   * Restores what this run changed on the node, restarts what was restarted (or owed) and waits
   * for the gate again: the node ends as it was, and Ready, or the run reports `failed`.
   */
  private async rollBack(
    transport: Transport,
    reason: string,
    services: readonly ServiceToRestart[],
    healthz?: string,
    runId = this.deps.runId,
    verifyUnchanged = false,
  ): Promise<NodeOutcome> {
    this.step('rollback');
    const result = parseRollbackOutput(await run(transport, rollbackScript({ stateDir: this.deps.stateDir, runId, verifyUnchanged })));
    if (!result.done && result.failure?.step === 'verify') return this.outcome('refused', `${reason}: ${result.failure.message}`);
    if (!result.done) {
      return this.outcome('failed', `${reason}; ROLLBACK FAILED at ${result.failure?.step ?? '?'}: ${result.failure?.message ?? 'no answer'}`);
    }
    for (const service of services) {
      const failure = await this.restartAndWait(transport, service, healthz, runId);
      if (failure) return this.outcome('failed', `${reason}; after rollback ${service} is still unhealthy: ${failure}`);
    }
    await run(transport, settleScript(this.deps.stateDir, runId, [], 'rolled-back'));
    return this.outcome('rolled-back', reason);
  }

  /**
   * Runs a crashed controller left unfinished: restarts it owed are done (and gated); a run
   * interrupted while writing is rolled back. Returns an outcome only when the node is not fit
   * to continue.
   */
  private async recoverPendingRuns(transport: Transport, found: readonly PendingRun[]): Promise<NodeOutcome | undefined> {
    const pending = found.filter((p) => p.runId !== this.deps.runId);
    for (const run of pending) {
      this.step('recover', run.runId);
      const problem = await this.recover(transport, run);
      if (problem) return problem;
    }
    return undefined;
  }

  private async recover(transport: Transport, pending: PendingRun): Promise<NodeOutcome | undefined> {
    const services = pending.owed.filter((s): s is ServiceToRestart => s === 'kubelet' || s === 'containerd');
    const healthz = healthzUrl(undefined);
    if (pending.state === 'started' || pending.state === 'writing') {
      const result = parseRollbackOutput(await run(transport, rollbackScript({ stateDir: this.deps.stateDir, runId: pending.runId, verifyUnchanged: false })));
      if (!result.done) return this.outcome('failed', `could not roll back interrupted run ${pending.runId}: ${result.failure?.message ?? '?'}`);
      await run(transport, settleScript(this.deps.stateDir, pending.runId, [], 'rolled-back'));
      this.recovered.push(`rolled back run ${pending.runId}, interrupted while writing`);
      this.rolledBack.push(pending.runId);
      this.deps.hooks.warn?.(this.host, `rolled back run ${pending.runId}, interrupted while writing`);
      return undefined;
    }
    for (const service of services) {
      const failure = await this.restartAndWait(transport, service, healthz, pending.runId);
      if (failure) {
        const rolled = await this.rollBack(transport, `owed restart of interrupted run ${pending.runId} failed: ${failure}`, services, healthz, pending.runId);
        return rolled.status === 'rolled-back' ? this.outcome('refused', `${rolled.reason ?? ''} (rolled back run ${pending.runId}; this run made no change)`) : rolled;
      }
    }
    await run(transport, settleScript(this.deps.stateDir, pending.runId, [], 'done'));
    this.recovered.push(`finished run ${pending.runId}, interrupted before its restarts (${services.join(', ') || 'none owed'})`);
    this.deps.hooks.warn?.(this.host, `finished run ${pending.runId}, interrupted before its restarts (${services.join(', ') || 'none owed'})`);
    return undefined;
  }
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
