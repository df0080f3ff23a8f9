import { CONTAINERD_CONFIG } from '../apply/after-state.ts';
import { IP_FORWARD, PROTECT_KERNEL_DEFAULTS } from '../apply/guards.ts';
import { NODE_STATE_DIR } from '../apply/scripts/common.ts';
import type { ResourceEntry } from '../config/playbook-types.ts';
import type { HostSpec } from '../config/types.ts';
import type { FactRequest, NodeFacts } from '../facts/types.ts';
import { orderRestarts } from '../resources/change-parts.ts';
import { permissionConstraints } from '../resources/permissions.ts';
import { handlers } from '../resources/registry.ts';
import type { ResourceSpec } from '../resources/schemas.ts';
import type { Desired } from '../resources/types.ts';
import { NodewardError } from '../util/errors.ts';
import { conditionRequests, evaluateCondition } from './conditions.ts';
import type { Change, NodePlan } from './types.ts';

/**
 * Facts every plan reads besides what the resources ask: the services nodeward may restart and
 * what the pre-flight guards judge a change by (kubelet and containerd configs, the kernel
 * tunables a kubelet may protect, forwarding, the sysctl files that decide boot values).
 */
const BASE_REQUESTS: readonly FactRequest[] = [
  { kind: 'unit', name: 'kubelet' },
  { kind: 'unit', name: 'containerd' },
  { kind: 'kubelet' },
  { kind: 'file', path: CONTAINERD_CONFIG, content: true, follow: false, sensitive: false },
  { kind: 'sysctlFiles' },
  { kind: 'lock', path: `${NODE_STATE_DIR}/lock` },
  ...[IP_FORWARD, ...Object.keys(PROTECT_KERNEL_DEFAULTS)].map((key) => ({ kind: 'sysctl' as const, key })),
];

/** Everything the entries need from a node, answered in one exec. */
export function factRequests(entries: readonly ResourceEntry[]): FactRequest[] {
  return [
    ...BASE_REQUESTS,
    ...entries.flatMap((entry) => [...conditionRequests(entry.when), ...requestsOf(entry.resource)]),
  ];
}

function requestsOf(resource: ResourceSpec): FactRequest[] {
  switch (resource.kind) {
    case 'file':
      return handlers.file.requests(resource.spec);
    case 'kubeletConfig':
      return handlers.kubeletConfig.requests(resource.spec);
    case 'sysctl':
      return handlers.sysctl.requests(resource.spec);
    case 'permissions':
      return handlers.permissions.requests(resource.spec);
  }
}

type ByKind = { [K in ResourceSpec['kind']]: Desired<Extract<ResourceSpec, { kind: K }>['spec']>[] };

function groupByKind(entries: readonly ResourceEntry[]): ByKind {
  const groups: ByKind = { file: [], kubeletConfig: [], sysctl: [], permissions: [] };
  for (const entry of entries) {
    const resource = entry.resource;
    switch (resource.kind) {
      case 'file':
        groups.file.push({ entry, spec: resource.spec });
        break;
      case 'kubeletConfig':
        groups.kubeletConfig.push({ entry, spec: resource.spec });
        break;
      case 'sysctl':
        groups.sysctl.push({ entry, spec: resource.spec });
        break;
      case 'permissions':
        groups.permissions.push({ entry, spec: resource.spec });
        break;
    }
  }
  return groups;
}

/**
 * The plan for one node: a pure function of the desired entries and the node's facts. Changes
 * are listed in the order apply makes them: sysctls live, sysctl files, files, kubelet config,
 * permissions; restarts after all of them.
 */
export function buildNodePlan(host: HostSpec, entries: readonly ResourceEntry[], facts: NodeFacts): NodePlan {
  const skipped: { entry: string; reason: string }[] = [];
  const active = entries.filter((entry) => {
    const result = evaluateCondition(entry.when, facts, entry.vars ?? host.vars);
    if (!result.ok) skipped.push({ entry: entry.id, reason: result.reason });
    return result.ok;
  });
  try {
    const groups = groupByKind(active);
    const constraints = permissionConstraints(groups.permissions, facts, host.name);
    const input = { host: host.name, facts, constraints, written: new Set<string>() };
    const sysctl = handlers.sysctl.plan(groups.sysctl, input);
    const files = handlers.file.plan(groups.file, input);
    const kubelet = handlers.kubeletConfig.plan(groups.kubeletConfig, input);
    const written = new Set([...sysctl, ...files, ...kubelet].map((change) => change.target));
    const permissions = handlers.permissions.plan(groups.permissions, { ...input, written });
    const changes: Change[] = [...sysctl.filter((c) => c.kind === 'sysctl'), ...sysctl.filter((c) => c.kind !== 'sysctl'), ...files, ...kubelet, ...permissions];
    const lock = facts.lock && facts.lock.expires >= facts.lock.now ? facts.lock : undefined;
    return {
      name: host.name,
      address: host.address,
      status: changes.length > 0 ? 'changes' : 'in-sync',
      error: undefined,
      changes,
      restarts: orderRestarts(changes.flatMap((change) => change.restarts)),
      skipped,
      lockedBy: lock && { runId: lock.runId, owner: lock.owner, pid: lock.pid, command: lock.command, expires: lock.expires },
    };
  } catch (error) {
    if (error instanceof NodewardError) return errorPlan(host, error);
    throw error;
  }
}

export function errorPlan(host: HostSpec, error: NodewardError): NodePlan {
  return {
    name: host.name,
    address: host.address,
    status: 'error',
    error: { code: error.code, message: error.message, hop: error.hop },
    changes: [],
    restarts: [],
    skipped: [],
  };
}
