/**
 * nodeward as a library: load an inventory and playbooks, plan, apply with hooks. The same code
 * paths as the CLI (one round trip per node for facts, the node lock, guards, backups, health
 * gates, rollback, the local run journal that `nodeward rollback RUN_ID` reads), without the
 * terminal: progress and outcomes come through hooks and return values, never on stdout.
 *
 * ```ts
 * import { loadFleet, plan, apply } from 'nodeward';
 * const fleet = await loadFleet({ inventory: 'inventory.yaml', playbooks: ['kernel'], limit: ['node-1'] });
 * const planned = await plan(fleet);
 * if (planned.nodes.some((n) => n.status === 'changes')) {
 *   const run = await apply(fleet, planned, { hooks: { nodeDone: (host, o) => console.log(host.name, o.status) } });
 *   console.log(run.runId, run.outcomes);
 * }
 * ```
 */
import { applyFleet, type FleetApplyResult } from './apply/run.ts';
import { parseBatchSpec, parseFailureBudget } from './apply/batches.ts';
import type { ApplyHooks, NodeOutcome } from './apply/types.ts';
import { wouldRefuse, type NodePlan, type Plan } from './plan/types.ts';
import { applyDeps, operator } from './cli/apply-deps.ts';
import { createRunJournal } from './journal/run-journal.ts';
import { newRunId } from './node/run-state.ts';
import type { PlanHooks } from './run/hooks.ts';
import { loadInputs, type Inputs } from './run/inputs.ts';
import { planFleet } from './run/plan-fleet.ts';
import { createSshConnector } from './transport/ssh-connector.ts';
import { DEFAULT_BOUNDS } from './apply/bounds.ts';

export type { ApplyHooks, NodeOutcome, NodePlan, Plan, PlanHooks };
export { planToJson } from './plan/json.ts';
export { ConfigError, NodewardError } from './util/errors.ts';

/** An inventory, its selected hosts and the playbooks instantiated for each, all validated. */
export type Fleet = Inputs;

export interface LoadOptions {
  /** The inventory file (YAML). */
  readonly inventory: string;
  /** Playbook files or names of bundled playbooks (`kernel`, `kubelet`, …); empty: every bundled one. */
  readonly playbooks?: readonly string[];
  /** Names, groups or labels, as `--limit` takes them. */
  readonly limit?: readonly string[];
  /** A known_hosts that does not exist yet is created on first contact (`--accept-new`). */
  readonly acceptNew?: boolean;
}

/** Reads and validates everything before any node is contacted; bad input throws a ConfigError with file, line and column. */
export function loadFleet(options: LoadOptions): Promise<Fleet> {
  return loadInputs({ inventory: options.inventory, playbooks: options.playbooks ?? [], limit: options.limit ?? [], acceptNew: options.acceptNew });
}

export interface PlanOptions {
  /** Nodes read at once (default 50). */
  readonly concurrency?: number;
  readonly hooks?: PlanHooks;
  readonly signal?: AbortSignal;
}

/** Reads every node of the fleet once (through the bastion) and plans it; nothing on any node is changed. */
export async function plan(fleet: Fleet, options: PlanOptions = {}): Promise<Plan> {
  const connector = createSshConnector(fleet.inventory, { acceptNew: false });
  try {
    const nodes = await planFleet(fleet.hosts, fleet.entriesByHost, connector, { concurrency: options.concurrency ?? 50, signal: options.signal, closeEach: true }, options.hooks);
    return { version: 1, createdAt: new Date().toISOString(), inventory: fleet.sources.inventory, playbooks: fleet.sources.playbooks, limit: [], nodes };
  } finally {
    await connector.closeAll();
  }
}

export interface ApplyOptions {
  /** Rolling batch sizes, as `--batch` takes them (default `1,25%`: a canary, then a quarter at a time). */
  readonly batch?: string;
  /** Failure budget, as `--max-failures` (default 0). */
  readonly maxFailures?: string;
  readonly concurrency?: number;
  readonly healthTimeoutSeconds?: number;
  readonly lockTtlSeconds?: number;
  readonly hooks?: ApplyHooks;
  /** Aborting starts no new node; nodes in flight finish or roll back. */
  readonly signal?: AbortSignal;
}

export interface ApplyResult extends FleetApplyResult {
  /** The run's id (what `nodeward rollback` takes); undefined when no node needed work. */
  readonly runId: string | undefined;
  /** Nodes not worked on: in sync, refused by the guards or not planned. */
  readonly early: readonly NodeOutcome[];
}

/**
 * Applies the plan the caller approved: each node is re-read under its lock and refused if it no
 * longer matches `approved` (a stale plan), so what changes is what was shown.
 */
export async function apply(fleet: Fleet, approved: Plan, options: ApplyOptions = {}): Promise<ApplyResult> {
  const batch = options.batch ?? '1,25%';
  const byName = new Map(approved.nodes.map((n) => [n.name, n]));
  const early: NodeOutcome[] = [];
  const work = fleet.hosts.flatMap((host) => {
    const node = byName.get(host.name);
    if (node && node.status === 'changes' && !node.lockedBy && !wouldRefuse(node)) return [{ host, entries: fleet.entriesByHost.get(host.name) ?? [], approved: node }];
    const status = node?.status === 'in-sync' ? 'in-sync' : 'refused';
    early.push({ name: host.name, status, reason: status === 'in-sync' ? undefined : node ? 'not applicable as planned (an error, a lock or a guard)' : 'not in the plan', changes: 0, restarted: [], durationMs: 0 });
    return [];
  });
  if (work.length === 0) return { runId: undefined, early, outcomes: [], stopped: undefined };
  const runId = newRunId();
  const journal = await createRunJournal({
    runId,
    command: 'apply (library)',
    operator: operator(),
    reason: undefined,
    startedAt: new Date().toISOString(),
    inventory: fleet.inventory.file,
    playbooks: fleet.playbooks.map((p) => p.file),
    options: { batch, maxFailures: options.maxFailures ?? '0' },
  });
  const connector = createSshConnector(fleet.inventory, { acceptNew: false });
  try {
    const deps = applyDeps({
      inventory: fleet.inventory,
      connector,
      runId,
      command: 'nodeward (library) apply',
      tuning: { healthTimeout: String(options.healthTimeoutSeconds ?? 120), lockTtl: String(options.lockTtlSeconds ?? 900) },
      hooks: options.hooks ?? {},
      journal,
      signal: options.signal ?? new AbortController().signal,
      bounds: DEFAULT_BOUNDS,
    });
    const result = await applyFleet(work, { batches: parseBatchSpec(batch), budget: parseFailureBudget(options.maxFailures ?? '0'), concurrency: options.concurrency ?? 50 }, deps);
    return { runId, early, ...result };
  } finally {
    await connector.closeAll();
    await journal.finish();
  }
}
