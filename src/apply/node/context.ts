import type { Slots } from '../slots.ts';
import type { Script } from '../../node/sh.ts';
import type { ResourceEntry } from '../../config/playbook-types.ts';
import type { HostSpec } from '../../config/types.ts';
import { NODE_FACTS, type FactsReader } from '../../facts/gather.ts';
import type { FactRequest, NodeFacts } from '../../facts/types.ts';
import type { NodeStatusReader } from '../../health/node-status.ts';
import type { RunJournal } from '../../journal/run-journal.ts';
import type { NodePlan } from '../../plan/types.ts';
import type { ServiceToRestart } from '../../spec/schema-parts.ts';
import type { Connector, ExecOptions, Transport } from '../../transport/types.ts';
import { errorMessage, RemoteCommandError } from '../../util/errors.ts';
import { DEFAULT_BOUNDS, type StepBounds } from '../bounds.ts';
import type { NodeLink } from '../node-link.ts';
import { runDir } from '../scripts/common.ts';
import type { ApplyHooks, ApplyStep, CordonRecord, CordonRecovery, NodeDrainer, NodeOutcome, NodeOutcomeStatus } from '../types.ts';

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
  /** `--max-unavailable`: slots a node holds while it is cordoned or restarting, shared by the whole run. */
  readonly unavailable?: Slots | undefined;
  /** How the facts are read under the lock, inside the lock's exec or apart (default: the facts script over the node's session). */
  readonly facts?: FactsReader | undefined;
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

/** What the run has done on the node so far: what its outcome is made of, whatever ends it. */
export interface Ledger {
  readonly started: number;
  restarted: ServiceToRestart[];
  /** Change ids in effect on the node because of this run. */
  inEffect: string[];
  /** This run may have changed something on the node (even if undone since): never reported untouched. */
  touched: boolean;
  /** What this run changed and then undid. */
  undone: string[];
  /** What finishing or rolling back earlier, interrupted runs did on this node. */
  recovered: string[];
  /** Interrupted runs this run rolled back on the node before re-reading it. */
  rolledBack: string[];
  /** The lock was held by another run and we waited for it: the node may have been changed meanwhile. */
  waitedForLock: boolean;
  cordon: CordonRecord | undefined;
  /** Approximately when our node lock expires (controller clock). */
  lockExpiresAt: number;
  /** A rollback found nothing to do: the run was rolled back already, or never on the node. */
  already: string | undefined;
  /** The node holds one of `--max-unavailable`'s slots (while cordoned, or restarting). */
  unavailable?: boolean;
}

export function newLedger(): Ledger {
  return { started: Date.now(), restarted: [], inEffect: [], touched: false, undone: [], recovered: [], rolledBack: [], waitedForLock: false, cordon: undefined, lockExpiresAt: 0, already: undefined };
}

/** Everything a step of a node's run works with: the work, the deps, the node's session and the ledger. */
export interface NodeContext {
  readonly work: NodeWork;
  readonly deps: NodeApplyDeps;
  readonly bounds: StepBounds;
  readonly node: NodeLink;
  readonly ledger: Ledger;
}

export function contextFor(work: NodeWork, deps: NodeApplyDeps, node: NodeLink, ledger: Ledger): NodeContext {
  return { work, deps, bounds: deps.bounds ?? DEFAULT_BOUNDS, node, ledger };
}

export function boundsOf(deps: NodeApplyDeps): StepBounds {
  return deps.bounds ?? DEFAULT_BOUNDS;
}

export function hostOf(ctx: Pick<NodeContext, 'work'>): HostSpec {
  return ctx.work.host;
}

export function step(ctx: Pick<NodeContext, 'work' | 'deps'>, name: ApplyStep, detail?: string): void {
  ctx.deps.hooks.nodeStep?.(ctx.work.host, name, detail);
}

export function warn(ctx: Pick<NodeContext, 'work' | 'deps'>, message: string): void {
  ctx.deps.hooks.warn?.(ctx.work.host, message);
}

export function finishHint(ctx: Pick<NodeContext, 'work' | 'deps'>): string {
  return ctx.deps.hints?.finish(ctx.work.host) ?? `nodeward apply --limit ${ctx.work.host.name}`;
}

export function rollbackHint(ctx: Pick<NodeContext, 'work' | 'deps'>, runId: string): string {
  return ctx.deps.hints?.rollback(runId, ctx.work.host) ?? `nodeward rollback ${runId} --limit ${ctx.work.host.name}`;
}

/** The node's outcome from what the ledger holds now. */
export function outcome(ctx: { readonly work: NodeWork; readonly ledger: Ledger }, status: NodeOutcomeStatus, reason?: string, left?: NodeOutcome['left']): NodeOutcome {
  const { ledger } = ctx;
  return {
    name: ctx.work.host.name,
    status,
    reason,
    changes: status === 'applied' ? ledger.inEffect.length : status === 'failed' && ledger.touched ? ledger.inEffect.length : 0,
    restarted: ledger.restarted,
    durationMs: Date.now() - ledger.started,
    ...(ledger.touched ? { touched: true } : {}),
    ...(ledger.undone.length > 0 ? { undone: [...ledger.undone] } : {}),
    ...(left ? { left } : {}),
  };
}

/** A node left part-way: the report names the state there and the one command that finishes the job. */
export function leftPartWay(ctx: NodeContext, reason: string, state: string, finish = finishHint(ctx)): NodeOutcome {
  return outcome(ctx, 'failed', `${reason}; to finish the job: ${finish}`, { state, finish });
}

/** Runs a node-side script; exit 0 and 10 (a reported NW_FAIL) are answers, anything else is an error. */
export async function run(transport: Transport, script: Script, options: ExecOptions = {}): Promise<Buffer> {
  const result = await transport.exec(script, options);
  if (result.exitCode === 0 || result.exitCode === 10) return result.stdout;
  const stderr = result.stderr.toString().trim().split('\n').slice(-3).join(' / ');
  throw new RemoteCommandError(`${transport.host.name}: node script exited ${String(result.exitCode ?? result.signal)}: ${stderr}`, { exitCode: result.exitCode, stderr, timedOut: false }, { host: transport.host.name, hop: 'node' });
}

/** What the operator reads when a step's fate was unknown: the deadline or the lost session, in the words of the error. */
export function lostStep(what: string, error: unknown): string {
  if (error instanceof RemoteCommandError && error.endedOnNode) return `${what} ran out of time on the node: ${error.message.replace(/^[^:]+: /, '')}`;
  return `lost track of ${what}: ${errorMessage(error).replace(/^[^:]+: /, '')}`;
}

/** "3 files, 12 sysctls, 1 unit": what a rollback restored, by kind. */
export function summarizeUndone(undone: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const item of undone) {
    const kind = item.split(' ')[0] ?? 'item';
    const name = kind === 'created' || kind === 'mode' ? 'file' : kind === 'nftables' ? 'nftables table' : kind;
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts].map(([name, n]) => `${n} ${name}${n === 1 ? '' : 's'}`).join(', ');
}

export function services(names: readonly string[]): ServiceToRestart[] {
  return names.filter((s): s is ServiceToRestart => s === 'kubelet' || s === 'containerd');
}

/** The journal's record of the node, as it stands (pending: what the run is about to change and restart). */
export async function record(ctx: Pick<NodeContext, 'work' | 'deps' | 'ledger'>, status: NodeOutcomeStatus | 'pending', reason: string | undefined, planned?: NodePlan): Promise<void> {
  const { host } = ctx.work;
  await ctx.deps.journal?.updateNode({
    name: host.name,
    address: host.address,
    status,
    reason,
    changes: planned ? planned.changes.map((change) => change.id) : ctx.ledger.inEffect,
    restarted: planned ? planned.restarts : ctx.ledger.restarted,
    nodeBackupDir: runDir(ctx.deps.stateDir, ctx.deps.runId),
    updatedAt: new Date().toISOString(),
    runId: ctx.deps.runId,
    cordon: ctx.ledger.cordon,
  });
}

export function factsReader(ctx: Pick<NodeContext, 'deps'>): FactsReader {
  return ctx.deps.facts ?? NODE_FACTS;
}

/** The facts under the lock in an exec of their own (after a recovery, or when the lock's exec did not answer them). */
export function readFacts(ctx: NodeContext, requests: readonly FactRequest[]): Promise<NodeFacts> {
  return factsReader(ctx).read(ctx.node.resilient, requests, { timeoutMs: ctx.bounds.command * 1000 });
}
