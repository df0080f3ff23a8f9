import pLimit from 'p-limit';
import type { ResourceEntry } from '../config/playbook-types.ts';
import type { HostSpec } from '../config/types.ts';
import { gatherFacts } from '../facts/gather.ts';
import type { FactRequest, NodeFacts } from '../facts/types.ts';
import { buildNodePlan, errorPlan, factRequests } from '../planner/build.ts';
import type { NodePlan } from '../plan/types.ts';
import type { Connector } from '../transport/types.ts';
import { CancelledError, InternalError, NodewardError } from '../util/errors.ts';
import type { PlanHooks } from './hooks.ts';
import { isGoneHere } from '../node/controller-identity.ts';
import { withGuards } from '../guards/guards.ts';

export interface PlanFleetOptions {
  readonly concurrency: number;
  readonly signal?: AbortSignal | undefined;
  /**
   * Close each node's connection as soon as its facts are read, for callers that never use it
   * again: a fleet's sessions then do not all stay open (memory here, sshd sessions there).
   */
  readonly closeEach?: boolean;
  /** Each node's read as it is planned, facts included (plan --show-scripts builds the run's scripts from them). */
  readonly onRead?: ((host: HostSpec, read: NodeRead) => void) | undefined;
}

export interface NodeRead {
  readonly plan: NodePlan;
  readonly facts: NodeFacts | undefined;
}

/** Connect, read facts (one exec) and plan one node; failures become an error plan, never a throw. */
export async function planNode(
  host: HostSpec,
  entries: readonly ResourceEntry[],
  connector: Connector,
  hooks: PlanHooks,
  signal?: AbortSignal,
  extraRequests: readonly FactRequest[] = [],
  closeAfter = false,
): Promise<NodeRead> {
  try {
    if (signal?.aborted) throw new CancelledError();
    hooks.nodeStep?.(host, 'connect');
    const transport = await connector.connect(host, signal);
    hooks.nodeStep?.(host, 'facts');
    const facts = withAbandonedLock(await gatherFacts(transport, withExtra(factRequests(entries), extraRequests), signal ? { signal } : {}));
    if (closeAfter) void transport.close();
    hooks.nodeStep?.(host, 'plan');
    // the guards are pure functions of the facts and the plan: plan shows what apply would refuse
    return { plan: withGuards(buildNodePlan(host, entries, facts), facts), facts };
  } catch (error) {
    // whatever an interrupted read failed with, the node was cut short by the interruption
    const cut = signal?.aborted ? (signal.reason instanceof CancelledError ? signal.reason : new CancelledError()) : undefined;
    const typed = cut ?? (error instanceof NodewardError ? error : new InternalError(`planning ${host.name}: ${String(error)}`, error));
    return { plan: errorPlan(host, typed), facts: undefined };
  }
}

/** A lock whose holder was a nodeward process on this machine that is gone is marked so: it protects nothing any more. */
function withAbandonedLock(facts: NodeFacts): NodeFacts {
  return facts.lock && isGoneHere(facts.lock.controller) ? { ...facts, lock: { ...facts.lock, abandoned: true } } : facts;
}

/** Plans every host in parallel (bounded); one node's failure never stops the others. */
export async function planFleet(
  hosts: readonly HostSpec[],
  entriesByHost: ReadonlyMap<string, readonly ResourceEntry[]>,
  connector: Connector,
  options: PlanFleetOptions,
  hooks: PlanHooks = {},
): Promise<NodePlan[]> {
  const limit = pLimit(Math.max(1, options.concurrency));
  return Promise.all(
    hosts.map((host) =>
      limit(async () => {
        const read = await planNode(host, entriesByHost.get(host.name) ?? [], connector, hooks, options.signal, [], options.closeEach === true);
        options.onRead?.(host, read);
        const { plan } = read;
        hooks.nodeDone?.(host, plan);
        return plan;
      }),
    ),
  );
}

/**
 * The plan's requests plus others answered in the same exec (check's audits). A file the plan
 * already reads is not asked again: merged flags (follow, content) would change the plan's facts.
 */
export function withExtra(requests: readonly FactRequest[], extra: readonly FactRequest[]): FactRequest[] {
  const planned = new Set(requests.flatMap((r) => (r.kind === 'file' ? [r.path] : [])));
  return [...requests, ...extra.filter((r) => r.kind !== 'file' || !planned.has(r.path))];
}

/** Like planFleet, keeping each node's facts and reading `extraRequests` in the same exec. */
export async function readFleet(
  hosts: readonly HostSpec[],
  entriesByHost: ReadonlyMap<string, readonly ResourceEntry[]>,
  connector: Connector,
  options: PlanFleetOptions & { readonly extraRequests?: readonly FactRequest[] },
  hooks: PlanHooks = {},
): Promise<NodeRead[]> {
  const limit = pLimit(Math.max(1, options.concurrency));
  return Promise.all(
    hosts.map((host) =>
      limit(async () => {
        const read = await planNode(host, entriesByHost.get(host.name) ?? [], connector, hooks, options.signal, options.extraRequests);
        hooks.nodeDone?.(host, read.plan);
        return read;
      }),
    ),
  );
}
