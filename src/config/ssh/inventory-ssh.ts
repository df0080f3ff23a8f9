import type { ConfigIssue, SourcePosition } from '../../util/errors.ts';
import type { RawInventory } from '../inventory-schema.ts';
import { hopView, nodeView } from './ssh-hosts.ts';
import type { HopView, NodeView, SshContext } from './ssh-hosts.ts';

/**
 * Every inventory host resolved through the ssh config, and every refusal once, at its line,
 * with the hosts it concerns (a `Host *` line that nodeward refuses is one message, not 500).
 */

export interface InventorySshViews {
  readonly nodes: ReadonlyMap<string, NodeView>;
  /** The inventory's own `bastion:` host resolved through the config (for what it leaves out). */
  readonly bastion: HopView | undefined;
  readonly issues: readonly ConfigIssue[];
}

/** What the resolution reads of an inventory: its nodes (explicit or discovered), defaults and bastion. */
export type SshInventoryView = Pick<RawInventory, 'defaults' | 'bastion'> & { readonly nodes: readonly RawInventory['nodes'][number][] };

export function inventorySshViews(raw: SshInventoryView, ctx: SshContext): InventorySshViews {
  const refusals = new Map<string, { at: SourcePosition; message: string; hosts: string[] }>();
  const collectorFor = (host: string) => ({
    refuse(at: SourcePosition, message: string) {
      const key = `${at.file}:${at.line}:${at.column}:${message}`;
      const slot = refusals.get(key) ?? { at: { file: at.file, line: at.line, column: at.column }, message, hosts: [] };
      refusals.set(key, slot);
      if (!slot.hosts.includes(host)) slot.hosts.push(host);
    },
  });
  const defaultsKey = raw.defaults?.identityFile;
  const nodes = new Map<string, NodeView>();
  for (const node of raw.nodes) {
    const collector = collectorFor(node.name);
    const view = nodeView(ctx, node.name, { user: node.user, port: node.port }, collector);
    nodes.set(node.name, view);
    // IdentitiesOnly yes with no key named anywhere: ssh would try its default key files, nodeward would use the agent
    const keyNamed = (node.identityFile ?? null) !== null || view.identityFile !== undefined || (node.identityFile === undefined && (defaultsKey ?? null) !== null);
    if (view.identitiesOnly?.value === true && !keyNamed) {
      collector.refuse(view.identitiesOnly.at, 'IdentitiesOnly yes but no IdentityFile for this host: ssh would try its default key files, nodeward would use ssh-agent; name the key with IdentityFile');
    }
  }
  const bastionRaw = raw.bastion ?? undefined;
  const bastion = bastionRaw === undefined ? undefined : hopView(ctx, bastionRaw.host, { user: bastionRaw.user, port: bastionRaw.port }, collectorFor('the bastion')).hop;
  const issues = [...refusals.values()].map(({ at, message, hosts }) => ({ ...at, message: `${message} (${forHosts(hosts)})` }));
  return { nodes, bastion, issues };
}

function forHosts(hosts: readonly string[]): string {
  if (hosts.length === 1) return `for ${hosts[0] ?? ''}`;
  return `for ${hosts.length} hosts: ${hosts.slice(0, 3).join(', ')}${hosts.length > 3 ? ', …' : ''}`;
}
