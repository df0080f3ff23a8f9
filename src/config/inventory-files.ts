import { open } from 'node:fs/promises';
import type { ConfigIssue, SourcePosition } from '../util/errors.ts';
import { issueAt } from './issues.ts';
import { asSeq, childAt, stringAt } from './source-tree.ts';
import type { TreeNode } from './source-tree.ts';
import type { HopSettings, Inventory } from './types.ts';

export interface LocalFileOptions {
  /** `--accept-new`: a known_hosts file that does not exist yet is created on first contact. */
  readonly acceptNew?: boolean;
  /** $SSH_AUTH_SOCK: hosts without an identityFile authenticate through it. */
  readonly agentSocket?: string | undefined;
}

/** Why a local file cannot be used, or undefined when it can be opened for reading. */
async function unreadable(path: string): Promise<string | undefined> {
  try {
    const handle = await open(path, 'r');
    try {
      if (!(await handle.stat()).isFile()) return 'is not a file';
    } finally {
      await handle.close();
    }
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'no such file';
    if (code === 'EACCES') return 'cannot be read (permission denied)';
    if (code === 'EISDIR') return 'is a directory';
    return (error as Error).message;
  }
}

/**
 * The local files the inventory names (known_hosts, identity files, the kubeconfig), checked
 * before any connection and reported at the field that names them: otherwise every node finds
 * out on its own during connect (50 nodes, 50 messages), and a missing known_hosts reads as a
 * host key problem of each host.
 */
export async function localFileIssues(root: TreeNode, inventory: Inventory, options: LocalFileOptions): Promise<ConfigIssue[]> {
  const issues: ConfigIssue[] = [];
  const start: SourcePosition = { file: inventory.file, line: 1, column: 1 };
  const knownHosts = childAt(root, 'knownHosts');
  const missingHosts = usesInventoryKnownHosts(inventory) ? await unreadable(inventory.knownHosts) : undefined;
  if (missingHosts && !(options.acceptNew && missingHosts === 'no such file')) {
    const field = knownHosts ? 'knownHosts' : `knownHosts is not set, and the default`;
    issues.push(
      issueAt(
        knownHosts?.pos ?? start,
        `${field} ${inventory.knownHosts}: ${missingHosts}: every host key is checked against it; collect the keys with ssh-keyscan run on the bastion (nodeward init prints the commands), or pass --accept-new to record them on first contact`,
      ),
    );
  }
  // known_hosts files an ssh config names (UserKnownHostsFile), each once, at the line that names it
  const sshKnown = new Map<string, { at: SourcePosition; hosts: string[]; acceptNew: boolean }>();
  for (const hop of hops(inventory)) {
    const path = hop.ssh?.knownHosts;
    const at = hop.ssh?.origins?.knownHosts;
    if (path === undefined || at === undefined) continue;
    const slot = sshKnown.get(path) ?? { at, hosts: [], acceptNew: true };
    sshKnown.set(path, slot);
    slot.hosts.push(hop.name);
    slot.acceptNew &&= hop.ssh?.acceptNew === true;
  }
  for (const [path, { at, hosts, acceptNew }] of sshKnown) {
    const why = await unreadable(path);
    if (why && !((options.acceptNew || acceptNew) && why === 'no such file')) {
      issues.push(issueAt(at, `UserKnownHostsFile ${path}: ${why} (the known_hosts of ${hostsUsing(hosts)}): collect the keys with ssh-keyscan run on the bastion, or use StrictHostKeyChecking accept-new (or --accept-new) to record them on first contact`));
    }
  }
  const kubeconfig = childAt(root, 'kubeconfig');
  if (inventory.kubeconfig && kubeconfig) {
    const why = await unreadable(inventory.kubeconfig);
    if (why) issues.push(issueAt(kubeconfig.pos, `kubeconfig ${inventory.kubeconfig}: ${why}`));
  }

  // each identity file once, where it is first written, with the hosts that use it
  const nodeItems = asSeq(childAt(root, 'nodes'))?.items ?? [];
  // an item by the host's name: with fromKubernetes, hosts and items are not one to one
  const itemIndex = (name: string): number => nodeItems.findIndex((item) => stringAt(item, 'name')?.value === name);
  const sourceItem = nodeItems.find((item) => childAt(item, 'fromKubernetes') !== undefined);
  const written = (i: number): TreeNode | undefined => childAt(nodeItems[i], 'identityFile');
  const defaults = childAt(childAt(root, 'defaults'), 'identityFile');
  const users = new Map<string, { where: { pos: SourcePosition; label: string }; hosts: string[] }>();
  const use = (path: string, where: { pos: SourcePosition; label: string }, host: string): void => {
    const slot = users.get(path) ?? { where, hosts: [] };
    users.set(path, slot);
    slot.hosts.push(host);
  };
  const agentless: { pos: SourcePosition; label: string; host: string }[] = [];
  const bastionKey = childAt(childAt(root, 'bastion'), 'identityFile');
  if (inventory.bastion) {
    const at = bastionKey?.type === 'scalar' && bastionKey.value !== null ? { pos: bastionKey.pos, label: 'bastion.identityFile' } : { pos: defaults?.pos ?? childAt(root, 'bastion')?.pos ?? start, label: 'defaults.identityFile' };
    if (inventory.bastion.identityFile) use(inventory.bastion.identityFile, at, 'the bastion');
    else agentless.push({ pos: childAt(root, 'bastion')?.pos ?? start, label: 'bastion', host: 'the bastion' });
  }
  inventory.nodes.forEach((host) => {
    const i = itemIndex(host.name);
    const item = i === -1 ? sourceItem : nodeItems[i];
    const own = i === -1 ? undefined : written(i);
    const fromSsh = host.ssh?.origins?.identityFile;
    const at =
      own?.type === 'scalar' && own.value !== null
        ? { pos: own.pos, label: `nodes[${i}].identityFile` }
        : own === undefined && fromSsh !== undefined
          ? { pos: fromSsh, label: 'IdentityFile' }
          : { pos: defaults?.pos ?? item?.pos ?? start, label: 'defaults.identityFile' };
    if (host.identityFile) use(host.identityFile, at, host.name);
    else agentless.push({ pos: item?.pos ?? start, label: i === -1 ? 'fromKubernetes' : `nodes[${i}]`, host: host.name });
  });
  const seenBastions = new Set<string>();
  for (const host of inventory.nodes) {
    const b = host.bastion;
    if (b === undefined || b === null || seenBastions.has(b.host)) continue;
    seenBastions.add(b.host);
    const fromSsh = b.ssh?.origins?.identityFile;
    if (b.identityFile) use(b.identityFile, fromSsh ? { pos: fromSsh, label: 'IdentityFile' } : { pos: defaults?.pos ?? start, label: 'defaults.identityFile' }, `the bastion ${b.host}`);
    else agentless.push({ pos: start, label: `the bastion ${b.host}`, host: `the bastion ${b.host}` });
  }
  for (const [path, { where, hosts }] of users) {
    const why = await unreadable(path);
    if (why) issues.push(issueAt(where.pos, `${where.label} ${path}: ${why} (the key of ${hostsUsing(hosts)})`));
  }
  const first = agentless[0];
  if (first && (options.agentSocket ?? '') === '') {
    issues.push(issueAt(first.pos, `${first.label}: no identityFile (here or in defaults) and no ssh-agent: SSH_AUTH_SOCK is not set (for ${hostsUsing(agentless.map((a) => a.host))})`));
  }
  return issues;
}

/** Whether some hop checks keys against the inventory's own known_hosts (not one from an ssh config). */
function usesInventoryKnownHosts(inventory: Inventory): boolean {
  return hops(inventory).some((hop) => hop.ssh?.knownHosts === undefined);
}

/** Every host nodeward will dial: the bastions and the nodes. */
function hops(inventory: Inventory): { name: string; ssh: HopSettings | undefined }[] {
  const list: { name: string; ssh: HopSettings | undefined }[] = [];
  if (inventory.bastion) list.push({ name: 'the bastion', ssh: inventory.bastion.ssh });
  for (const host of inventory.nodes) {
    list.push({ name: host.name, ssh: host.ssh });
    if (host.bastion) list.push({ name: `the bastion ${host.bastion.host}`, ssh: host.bastion.ssh });
  }
  return list;
}

function hostsUsing(hosts: readonly string[]): string {
  if (hosts.length === 1) return hosts[0] ?? '';
  const shown = hosts.slice(0, 3).join(', ');
  return `${hosts.length} hosts: ${shown}${hosts.length > 3 ? ', …' : ''}`;
}
