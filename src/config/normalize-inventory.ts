import { dirname, join } from 'node:path';
import type { BastionSpec, Become, HostSpec, Inventory } from './types.ts';
import { globMatches } from './glob.ts';
import type { RawGroup, RawInventory, RawNode } from './inventory-schema.ts';
import type { KubeNodeState } from './types.ts';
import { expandPath } from './paths.ts';

/**
 * Turns a validated inventory into the normalized form: paths made absolute, defaults applied,
 * group membership and variables resolved. Only called once every check has passed.
 */

export interface InventoryEnv {
  /** The operator's home directory, for `~` and the default known_hosts. */
  readonly home: string;
}

export const DEFAULT_PORT = 22;

export function normalizeInventory(raw: Omit<RawInventory, 'nodes'> & { readonly nodes: readonly (RawNode & { readonly kubernetes?: KubeNodeState | undefined })[] }, file: string, env: InventoryEnv): Inventory {
  const baseDir = dirname(file);
  const path = (p: string): string => expandPath(p, baseDir, env.home);
  const identity = (own: string | null | undefined, fallback: string | null | undefined): string | undefined => {
    const chosen = own === undefined ? fallback : own;
    return chosen === undefined || chosen === null ? undefined : path(chosen);
  };
  const defaults = raw.defaults ?? {};
  const groups = Object.entries(raw.groups ?? {});

  const nodes = raw.nodes.map((node): HostSpec => {
    // Checked before normalizing: a node without user has one in defaults.
    const user = node.user ?? defaults.user ?? '';
    const become: Become = node.become ?? defaults.become ?? (user === 'root' ? 'none' : 'sudo');
    const labels = node.labels ?? {};
    const memberOf = groups.filter(([name, group]) => isMember(node, labels, name, group)).map(([name]) => name);
    const vars: Record<string, unknown> = { ...raw.vars };
    for (const [name, group] of groups) if (memberOf.includes(name)) Object.assign(vars, group?.vars ?? {});
    Object.assign(vars, node.vars ?? {});
    return {
      name: node.name,
      address: node.address,
      port: node.port ?? defaults.port ?? DEFAULT_PORT,
      user,
      identityFile: identity(node.identityFile, defaults.identityFile),
      become,
      labels,
      groups: memberOf,
      vars,
    };
  });

  const bastion: BastionSpec | undefined =
    raw.bastion === undefined || raw.bastion === null
      ? undefined
      : {
          host: raw.bastion.host,
          port: raw.bastion.port ?? DEFAULT_PORT,
          user: raw.bastion.user ?? defaults.user ?? '',
          identityFile: identity(raw.bastion.identityFile, defaults.identityFile),
        };

  return {
    file,
    bastion,
    knownHosts: raw.knownHosts === undefined ? join(env.home, '.ssh', 'known_hosts') : path(raw.knownHosts),
    kubeconfig: raw.kubeconfig === undefined ? undefined : path(raw.kubeconfig),
    benchmark: raw.benchmark,
    nodes,
  };
}

function isMember(node: RawNode, labels: Readonly<Record<string, string>>, name: string, group: RawGroup | null): boolean {
  if (node.groups?.includes(name) === true) return true;
  if (group === null) return false;
  if (group.match !== undefined && Object.entries(group.match).every(([k, v]) => labels[k] === v)) return true;
  return group.nodes?.some((pattern) => globMatches(pattern, node.name)) ?? false;
}
