import type { ConfigIssue, SourcePosition } from '../util/errors.ts';
import type { FromKubernetes, RawNode } from './inventory-schema.ts';
import { issueAt } from './issues.ts';
import type { DiscoveredNode, KubeNodeState } from './types.ts';
import { addressProblem, NAME_PATTERN } from './validators.ts';

/**
 * `nodes: { fromKubernetes }` meets the explicit entries: every Node the API server listed becomes
 * a raw node (name, SSH address, labels), an explicit entry of the same name amends it (its keys
 * win, its labels go over the Node's), an explicit entry of another name is a node of its own.
 * Pure: the listing is input, so that it can be tested against fixtures.
 */

/** Where a source's keys are written, for errors about what the cluster answered. */
export interface SourcePositions {
  readonly source: SourcePosition;
  readonly address: SourcePosition | undefined;
  readonly nameFrom: SourcePosition | undefined;
}

/** An explicit `nodes:` entry: address optional beside a source (it may amend a discovered node). */
export interface ExplicitEntry {
  readonly node: Omit<RawNode, 'address'> & { readonly address?: string | undefined };
  readonly index: number;
  readonly pos: SourcePosition;
}

export type MergedNode = RawNode & { readonly kubernetes?: KubeNodeState | undefined };

function field(spec: { readonly label: string } | { readonly annotation: string }, node: DiscoveredNode): { value: string | undefined; what: string } {
  if ('label' in spec) return { value: node.labels[spec.label], what: `label ${spec.label}` };
  return { value: node.annotations[spec.annotation], what: `annotation ${spec.annotation}` };
}

function addressOf(source: FromKubernetes, node: DiscoveredNode): { value: string | undefined; what: string } {
  const spec = source.address ?? 'InternalIP';
  if (typeof spec === 'string') return { value: node.addresses[spec], what: `${spec} address` };
  return field(spec, node);
}

export function mergeDiscovered(
  source: FromKubernetes,
  positions: SourcePositions,
  cluster: readonly DiscoveredNode[],
  explicit: readonly ExplicitEntry[],
): { readonly nodes: MergedNode[]; readonly issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const discovered: MergedNode[] = [];
  const seen = new Map<string, string>();
  for (const node of cluster) {
    const name = source.nameFrom ? field(source.nameFrom, node) : { value: node.name, what: 'name' };
    if (name.value === undefined || name.value === '') {
      issues.push(issueAt(positions.nameFrom ?? positions.source, `fromKubernetes: Node ${node.name} has no ${name.what} to name it by`));
      continue;
    }
    if (!NAME_PATTERN.test(name.value) || name.value.length > 253) {
      issues.push(issueAt(positions.nameFrom ?? positions.source, `fromKubernetes: Node ${node.name}: ${JSON.stringify(name.value)} (its ${name.what}) is not a usable node name`));
      continue;
    }
    const twin = seen.get(name.value);
    if (twin !== undefined) {
      issues.push(issueAt(positions.nameFrom ?? positions.source, `fromKubernetes: Nodes ${twin} and ${node.name} both get the name '${name.value}' (from their ${name.what})`));
      continue;
    }
    seen.set(name.value, node.name);
    const address = addressOf(source, node);
    if (address.value === undefined || address.value === '') {
      const reports = Object.keys(node.addresses);
      issues.push(issueAt(positions.address ?? positions.source, `fromKubernetes: Node ${node.name} has no ${address.what}${reports.length > 0 ? ` (it reports ${reports.join(', ')})` : ''}`));
      continue;
    }
    // what the cluster says is input like any other: it ends up in ssh arguments and scripts
    const problem = addressProblem(address.value);
    if (problem) {
      issues.push(issueAt(positions.address ?? positions.source, `fromKubernetes: Node ${node.name}: its ${address.what} ${JSON.stringify(address.value)} ${problem}`));
      continue;
    }
    discovered.push({ name: name.value, address: address.value, labels: { ...node.labels }, kubernetes: node.state });
  }
  const byName = new Map(discovered.map((node, i) => [node.name, i]));
  const extra: MergedNode[] = [];
  for (const entry of explicit) {
    const at = byName.get(entry.node.name);
    if (at === undefined) {
      if (entry.node.address === undefined) {
        issues.push(issueAt(entry.pos, `nodes[${entry.index}]: '${entry.node.name}' is not among the Nodes fromKubernetes found, so it needs an address`));
        continue;
      }
      extra.push({ ...entry.node, address: entry.node.address });
      continue;
    }
    const base = discovered[at];
    if (base === undefined) continue;
    const defined = Object.fromEntries(Object.entries(entry.node).filter(([, v]) => v !== undefined));
    discovered[at] = { ...base, ...defined, labels: { ...base.labels, ...(entry.node.labels ?? {}) }, address: entry.node.address ?? base.address, kubernetes: base.kubernetes };
  }
  return { nodes: [...discovered, ...extra], issues };
}
