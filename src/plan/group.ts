import { mergeOrder } from '../util/merge-order.ts';
import { canonicalJson } from './fingerprint.ts';
import type { Change, NodePlan } from './types.ts';

/**
 * Grouping a fleet's plans for display: nodes whose plans are identical, and per change target
 * the distinct versions of its change with the nodes each is on. Pure; only what is compared is
 * decided here, never how it is shown.
 */

/** What an operator compares in a change: the same target with the same before/after, words and diff. */
export function changeKey(change: Change): string {
  return canonicalJson([change.id, change.action, change.summary, change.before, change.after, change.diff, change.restarts, change.notes, change.checks]);
}

/**
 * The node's error message without its own name and address in front ("node-3 (10.0.1.13:22, via
 * bastion): connection refused" → "connection refused"), so that nodes failing the same way compare equal.
 */
export function errorGist(node: NodePlan): string {
  const message = node.error?.message ?? 'unknown error';
  for (const prefix of [`${node.name} (`, `${node.name}: `]) {
    if (!message.startsWith(prefix)) continue;
    if (prefix.endsWith(': ')) return message.slice(prefix.length);
    const end = message.indexOf('): ');
    if (end !== -1) return message.slice(end + 3);
  }
  return message;
}

/**
 * Everything in a node's plan except who the node is: equal keys, identical plans. Fields added to
 * NodePlan take part without any change here; fingerprints (facts hashes) and operations do not.
 */
export function nodePlanKey(node: NodePlan): string {
  // the Kubernetes state is shown per node within the group (its Node name differs by definition)
  const { name: _name, address: _address, error, changes, kubernetes: _kubernetes, ...rest } = node;
  return canonicalJson({ ...rest, error: error && { ...error, message: errorGist(node) }, changes: changes.map(changeKey) });
}

export interface NodeGroup {
  readonly nodes: readonly NodePlan[];
}

/** Nodes with identical plans, in the order their first node was planned. */
export function groupIdenticalPlans(nodes: readonly NodePlan[]): NodeGroup[] {
  const groups = new Map<string, NodePlan[]>();
  for (const node of nodes) {
    const key = nodePlanKey(node);
    const group = groups.get(key);
    if (group) group.push(node);
    else groups.set(key, [node]);
  }
  return [...groups.values()].map((group) => ({ nodes: group }));
}

export interface ChangeVariant {
  readonly change: Change;
  /** Names of the nodes that have exactly this change. */
  readonly nodes: readonly string[];
}

export interface TargetGroup {
  /** `<kind>:<target>` and the action: a create on one node and an update on another are two groups. */
  readonly key: string;
  readonly kind: Change['kind'];
  readonly target: string;
  readonly action: Change['action'];
  /** Every node with a change of this target, in plan order. */
  readonly nodes: readonly string[];
  /** The distinct versions of the change, most widespread first. */
  readonly variants: readonly ChangeVariant[];
}

/** Per target, the versions of its change across the nodes, in the order apply makes them. */
export function groupByTarget(nodes: readonly NodePlan[]): TargetGroup[] {
  const targetOf = (change: Change): string => `${change.id}\0${change.action}`;
  const order = mergeOrder(nodes.map((node) => node.changes.map(targetOf)));
  interface Slot {
    readonly nodes: string[];
    readonly variants: Map<string, { change: Change; nodes: string[] }>;
  }
  const byTarget = new Map<string, Slot>();
  for (const node of nodes) {
    for (const change of node.changes) {
      const target = targetOf(change);
      const slot: Slot = byTarget.get(target) ?? { nodes: [], variants: new Map() };
      byTarget.set(target, slot);
      slot.nodes.push(node.name);
      const key = changeKey(change);
      const variant = slot.variants.get(key) ?? { change, nodes: [] };
      slot.variants.set(key, variant);
      variant.nodes.push(node.name);
    }
  }
  return order.flatMap((target) => {
    const slot = byTarget.get(target);
    const first = slot && [...slot.variants.values()][0];
    if (!slot || !first) return [];
    const variants = [...slot.variants.values()].sort((a, b) => b.nodes.length - a.nodes.length);
    return [{ key: target, kind: first.change.kind, target: first.change.target, action: first.change.action, nodes: slot.nodes, variants }];
  });
}

/** Per skipped entry and reason, the nodes it was skipped on. */
export function groupSkips(nodes: readonly NodePlan[]): { readonly entry: string; readonly reason: string; readonly nodes: readonly string[] }[] {
  const skips = new Map<string, { entry: string; reason: string; nodes: string[] }>();
  for (const node of nodes) {
    for (const skip of node.skipped) {
      const key = `${skip.entry}\0${skip.reason}`;
      const slot = skips.get(key) ?? { ...skip, nodes: [] };
      skips.set(key, slot);
      slot.nodes.push(node.name);
    }
  }
  return [...skips.values()];
}
