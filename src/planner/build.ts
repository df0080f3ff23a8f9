import { NODE_STATE_DIR } from '../node/run-state.ts';
import { CONTAINERD_CONFIG, IP_FORWARD, PROTECT_KERNEL_DEFAULTS } from '../spec/well-known.ts';
import type { ResourceEntry } from '../config/playbook-types.ts';
import type { HostSpec } from '../config/types.ts';
import type { FactRequest, NodeFacts } from '../facts/types.ts';
import { orderRestarts } from '../resources/change-parts.ts';
import { permissionConstraints } from '../resources/permissions.ts';
import { handlers } from '../resources/registry.ts';
import type { ResourceSpec } from '../spec/schemas.ts';
import type { Desired, ResourceHandler } from '../resources/types.ts';
import { NodewardError } from '../util/errors.ts';
import { PlanError } from '../plan/errors.ts';
import { conditionRequests, evaluateCondition } from './conditions.ts';
import type { Change, NodePlan } from '../plan/types.ts';

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
  { kind: 'pendingRuns', stateDir: NODE_STATE_DIR },
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
  // each kind's handler knows its own spec type; the union is narrowed by the kind
  const handler = handlers[resource.kind] as ResourceHandler<typeof resource.spec>;
  return handler.requests(resource.spec);
}

type ByKind = { [K in ResourceSpec['kind']]: Desired<Extract<ResourceSpec, { kind: K }>['spec']>[] };

function groupByKind(entries: readonly ResourceEntry[]): ByKind {
  const groups: ByKind = { file: [], kubeletConfig: [], sysctl: [], permissions: [], tomlConfig: [], sshd: [], service: [], auditRules: [], firewall: [], package: [] };
  for (const entry of entries) {
    const resource = entry.resource;
    (groups[resource.kind] as Desired<typeof resource.spec>[]).push({ entry, spec: resource.spec });
  }
  return groups;
}

/**
 * The plan for one node: a pure function of the desired entries and the node's facts. Changes
 * are listed in the order apply makes them: sysctls live, sysctl files, packages (an upgrade may
 * rewrite files), files, kubelet and TOML configs, audit rules, units, permissions, then what can
 * cut nodeward off: sshd and the firewall (armed with the revert timer); restarts after all of them.
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
    const packages = handlers.package.plan(groups.package, input);
    const files = handlers.file.plan(groups.file, input);
    const kubelet = handlers.kubeletConfig.plan(groups.kubeletConfig, input);
    const toml = handlers.tomlConfig.plan(groups.tomlConfig, input);
    const audit = handlers.auditRules.plan(groups.auditRules, input);
    const writtenBy = (changes: readonly Change[]): Set<string> =>
      new Set(changes.flatMap((change) => change.operations.flatMap((op) => (op.op === 'writeFile' ? [op.path] : [])).concat(change.target)));
    // a unit file written by this plan counts as installed for the unit's own entries
    const services = handlers.service.plan(groups.service, { ...input, written: writtenBy([...files, ...packages]) });
    const sshd = handlers.sshd.plan(groups.sshd, input);
    const firewall = handlers.firewall.plan(groups.firewall, input);
    const written = writtenBy([...sysctl, ...files, ...kubelet, ...toml, ...audit, ...sshd, ...firewall]);
    const permissions = handlers.permissions.plan(groups.permissions, { ...input, written });
    const changes: Change[] = [
      ...sysctl.filter((c) => c.kind === 'sysctl'),
      ...sysctl.filter((c) => c.kind !== 'sysctl'),
      ...packages,
      ...files,
      ...kubelet,
      ...toml,
      ...audit,
      ...services,
      ...permissions,
      ...sshd,
      ...firewall,
    ];
    refuseSharedWrites(changes, host.name);
    const held = facts.lock && facts.lock.expires >= facts.lock.now ? facts.lock : undefined;
    const lock = held?.abandoned ? undefined : held;
    // A live lock means that run is still working on the node: its run is not "pending" yet.
    const pendingRuns = (facts.pendingRuns ?? []).filter((run) => run.runId !== lock?.runId);
    return {
      name: host.name,
      address: host.address,
      // an unfinished run is work to do (its owed restarts), even when every file is in sync, and so
      // is a lock left by a nodeward process that is gone: apply takes it over and frees the node
      status: changes.length > 0 || pendingRuns.length > 0 || held?.abandoned ? 'changes' : 'in-sync',
      error: undefined,
      changes,
      restarts: orderRestarts(changes.flatMap((change) => change.restarts)),
      skipped,
      lockedBy: lock && { runId: lock.runId, owner: lock.owner, pid: lock.pid, command: lock.command, expires: lock.expires },
      ...(held?.abandoned ? { abandonedLock: { runId: held.runId, pid: held.pid } } : {}),
      pendingRuns,
    };
  } catch (error) {
    if (error instanceof NodewardError) return errorPlan(host, error);
    throw error;
  }
}

/**
 * Two changes writing one file would have the later silently undo the earlier: handlers merge
 * their own entries per file (kubelet keys, sysctl keys, a permissions constraint folded into a
 * write), so a path written twice means entries of different kinds want the same file.
 */
function refuseSharedWrites(changes: readonly Change[], host: string): void {
  const writer = new Map<string, Change>();
  for (const change of changes) {
    for (const op of change.operations) {
      if (op.op !== 'writeFile' && op.op !== 'deleteFile') continue;
      const first = writer.get(op.path);
      if (first && first !== change) {
        throw new PlanError(
          `${op.path} is written by ${first.kind} ${first.entries.join(', ') || first.id} and by ${change.kind} ${change.entries.join(', ') || change.id}: ` +
            'one would undo the other; let one entry own the file',
          host,
        );
      }
      writer.set(op.path, change);
    }
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
