import { dirname, join } from 'node:path';
import type { BastionSpec, Become, HopSettings, HostSpec, Inventory } from './types.ts';
import { globMatches } from './glob.ts';
import type { RawGroup, RawInventory, RawNode } from './inventory-schema.ts';
import type { KubeNodeState } from './types.ts';
import { expandPath } from './paths.ts';
import type { InventorySshViews } from './ssh/inventory-ssh.ts';
import type { HopView } from './ssh/ssh-hosts.ts';

/**
 * Turns a validated inventory into the normalized form: paths made absolute, defaults applied,
 * group membership and variables resolved. Only called once every check has passed.
 */

export interface InventoryEnv {
  /** The operator's home directory, for `~` and the default known_hosts. */
  readonly home: string;
}

/** Hosts resolved through an ssh config (ssh/inventory-ssh.ts), with the local user ssh would default to. */
export interface SshResolved {
  readonly file: string;
  readonly views: InventorySshViews;
  readonly localUser: string;
}

export const DEFAULT_PORT = 22;

/**
 * With an ssh config, a host's own inventory fields win, then what the ssh config says for it
 * (as `ssh -G NAME` resolves it), then `defaults:`, then ssh's own defaults (the local user,
 * port 22). The inventory's `bastion:` and `knownHosts:`, when written, apply to every node.
 */
export function normalizeInventory(raw: Omit<RawInventory, 'nodes'> & { readonly nodes: readonly (RawNode & { readonly kubernetes?: KubeNodeState | undefined })[] }, file: string, env: InventoryEnv, ssh?: SshResolved): Inventory {
  const baseDir = dirname(file);
  const path = (p: string): string => expandPath(p, baseDir, env.home);
  const identity = (own: string | null | undefined, fallback: string | null | undefined): string | undefined => {
    const chosen = own === undefined ? fallback : own;
    return chosen === undefined || chosen === null ? undefined : path(chosen);
  };
  const defaults = raw.defaults ?? {};
  const groups = Object.entries(raw.groups ?? {});
  const hasBastion = raw.bastion !== undefined && raw.bastion !== null;
  const settings = (view: HopView): HopSettings => ({
    knownHosts: raw.knownHosts === undefined ? view.knownHosts?.value : undefined,
    acceptNew: view.acceptNew,
    connectTimeoutMs: view.connectTimeoutMs,
    keepaliveIntervalMs: view.keepaliveIntervalMs,
    keepaliveCountMax: view.keepaliveCountMax,
    origins: { identityFile: view.identityFile?.at, knownHosts: raw.knownHosts === undefined ? view.knownHosts?.at : undefined },
  });
  const fromView = (view: HopView, host: string): BastionSpec => ({
    host,
    port: view.port ?? DEFAULT_PORT,
    user: view.user ?? defaults.user ?? ssh?.localUser ?? '',
    identityFile: view.identityFile?.value ?? identity(undefined, defaults.identityFile),
    ssh: settings(view),
  });

  const nodes = raw.nodes.map((node): HostSpec => {
    const view = ssh?.views.nodes.get(node.name);
    // Checked before normalizing: a node without user has one in defaults (or an ssh config).
    const user = node.user ?? view?.user ?? defaults.user ?? ssh?.localUser ?? '';
    const become: Become = node.become ?? defaults.become ?? (user === 'root' ? 'none' : 'sudo');
    const labels = node.labels ?? {};
    const memberOf = groups.filter(([name, group]) => isMember(node, labels, name, group)).map(([name]) => name);
    const vars: Record<string, unknown> = { ...raw.vars };
    for (const [name, group] of groups) if (memberOf.includes(name)) Object.assign(vars, group?.vars ?? {});
    Object.assign(vars, node.vars ?? {});
    return {
      name: node.name,
      // checked before normalizing: without an ssh config every node has an address
      address: node.address ?? view?.address ?? '',
      port: node.port ?? view?.port ?? defaults.port ?? DEFAULT_PORT,
      user,
      identityFile: node.identityFile === undefined && view?.identityFile ? view.identityFile.value : identity(node.identityFile, defaults.identityFile),
      become,
      labels,
      groups: memberOf,
      vars,
      ...(view === undefined
        ? {}
        : {
            bastion: hasBastion ? undefined : view.bastion === null ? null : fromView(view.bastion, view.bastion.address),
            ssh: settings(view),
          }),
    };
  });

  const b = raw.bastion ?? undefined;
  const bv = ssh?.views.bastion;
  const bastion: BastionSpec | undefined =
    b === undefined
      ? undefined
      : {
          host: bv?.address ?? b.host,
          port: b.port ?? bv?.port ?? DEFAULT_PORT,
          user: b.user ?? bv?.user ?? defaults.user ?? ssh?.localUser ?? '',
          identityFile: b.identityFile === undefined && bv?.identityFile ? bv.identityFile.value : identity(b.identityFile, defaults.identityFile),
          ...(bv === undefined ? {} : { ssh: settings(bv) }),
        };

  return {
    file,
    bastion,
    knownHosts: raw.knownHosts === undefined ? join(env.home, '.ssh', 'known_hosts') : path(raw.knownHosts),
    kubeconfig: raw.kubeconfig === undefined ? undefined : path(raw.kubeconfig),
    benchmark: raw.benchmark,
    ...(ssh === undefined ? {} : { sshConfig: ssh.file }),
    nodes,
  };
}

function isMember(node: RawNode, labels: Readonly<Record<string, string>>, name: string, group: RawGroup | null): boolean {
  if (node.groups?.includes(name) === true) return true;
  if (group === null) return false;
  if (group.match !== undefined && Object.entries(group.match).every(([k, v]) => labels[k] === v)) return true;
  return group.nodes?.some((pattern) => globMatches(pattern, node.name)) ?? false;
}
