import { parse } from 'yaml';

/** What `nodeward init` knows when it writes an inventory. */
export interface InventoryDraft {
  /** Where the nodes came from, for the header ("from --nodes", "from the Nodes of ./kubeconfig"). */
  readonly source: string;
  readonly bastion: { readonly host: string; readonly port: number; readonly user: string } | undefined;
  readonly user: string;
  /** As written (`~/.ssh/id_ed25519`); undefined: ssh-agent. */
  readonly identityFile: string | undefined;
  readonly kubeconfig: string | undefined;
  readonly knownHosts: string;
  /** The JSON Schema for editors, if known. */
  readonly schema: string | undefined;
  readonly nodes: readonly { readonly name: string; readonly address: string; readonly labels: Readonly<Record<string, string>> }[];
}

/** A YAML scalar: plain where YAML reads it back as the same string, else quoted. */
function scalar(value: string): string {
  try {
    if (/^[A-Za-z0-9._/~-][A-Za-z0-9._/:@~-]*$/.test(value) && parse(value) === value) return value;
  } catch {
    // not valid plain YAML: quote it
  }
  return JSON.stringify(value);
}

function flowMap(entries: readonly (readonly [string, string])[]): string {
  return `{ ${entries.map(([k, v]) => `${scalar(k)}: ${scalar(v)}`).join(', ')} }`;
}

/**
 * A commented inventory: every setting a first run needs, what each is for, and the optional
 * ones commented out. Pure; the caller checks it with the inventory parser before writing it.
 */
export function renderInventory(draft: InventoryDraft): string {
  const lines: string[] = [];
  if (draft.schema) lines.push(`# yaml-language-server: $schema=${draft.schema}`);
  lines.push(
    `# nodeward inventory, written by \`nodeward init\` ${draft.source}.`,
    '# Every field is described in inventory.example.yaml (in the package). Try it with:',
    '#   nodeward plan -i THIS_FILE',
    '',
  );
  if (draft.bastion) {
    lines.push(
      '# One SSH login to the bastion carries a channel to every node (no per-node ProxyJump).',
      `bastion: { host: ${scalar(draft.bastion.host)}, port: ${draft.bastion.port}, user: ${scalar(draft.bastion.user)} }`,
    );
  } else lines.push('# No bastion: nodes are reached directly. Add one with: bastion: { host: …, user: … }');
  lines.push(
    '# The host keys of the bastion and of every node are checked against this file, strictly;',
    '# fill it before the first run (the commands are what `nodeward init` printed), or run the',
    '# first plan with --accept-new to record keys never seen (a changed key is always refused).',
    `knownHosts: ${scalar(draft.knownHosts)}`,
  );
  if (draft.kubeconfig) lines.push('# The health gate also waits for Node Ready with a fresh heartbeat; --drain needs it.', `kubeconfig: ${scalar(draft.kubeconfig)}`);
  else lines.push('# With a kubeconfig the health gate also waits for Node Ready; --drain needs it.', '# kubeconfig: ~/.kube/config');
  lines.push('# The CIS benchmark check judges by (default: the one kube-bench picks from each kubelet).', '# benchmark: cis-1.12');
  lines.push('defaults:', `  user: ${scalar(draft.user)}`);
  if (draft.identityFile) lines.push(`  identityFile: ${scalar(draft.identityFile)}`);
  else lines.push('  # no identityFile: the key comes from ssh-agent ($SSH_AUTH_SOCK)', '  # identityFile: ~/.ssh/id_ed25519');
  lines.push(`  become: ${draft.user === 'root' ? 'none' : 'sudo'}${draft.user === 'root' ? '' : '                 # passwordless sudo (sudo -n) for the login user'}`);
  lines.push(
    '# Playbook variables for every node, e.g. the CNI\'s rp_filter or the firewall\'s sources:',
    '# vars: { rpFilter: 1, firewallSshFrom: [10.0.0.2] }',
    '# Groups select nodes for --limit @NAME and give them variables of their own:',
    '# groups:',
    '#   infra: { match: { pool: infra }, vars: { rpFilter: 2 } }',
    'nodes:',
  );
  for (const node of draft.nodes) {
    const labels = Object.entries(node.labels);
    lines.push(`  - { name: ${scalar(node.name)}, address: ${scalar(node.address)}${labels.length > 0 ? `, labels: ${flowMap(labels)}` : ''} }`);
  }
  return lines.join('\n') + '\n';
}

/** The commands that fill known_hosts: the bastion's key from here, the nodes' from the bastion. */
export function knownHostsGuidance(draft: InventoryDraft, inventoryFile: string): string {
  const file = draft.knownHosts;
  const addresses = draft.nodes.map((n) => n.address);
  const lines = [`Host keys are checked against ${file}, strictly. Fill it before the first run:`];
  if (draft.bastion) {
    const b = draft.bastion;
    lines.push(
      `  ssh-keyscan -p ${b.port} -t ed25519,ecdsa ${b.host} >> ${file}     # the bastion; compare with your records: ssh-keygen -lf ${file}`,
      `  ssh -p ${b.port} ${b.user}@${b.host} ssh-keyscan -t ed25519,ecdsa ${addresses.join(' ')} >> ${file}   # the nodes, as the bastion sees them`,
    );
  } else lines.push(`  ssh-keyscan -t ed25519,ecdsa ${addresses.join(' ')} >> ${file}`);
  lines.push('or let the first run record keys it has never seen (a changed key is still refused):', `  nodeward plan -i ${inventoryFile} --accept-new`);
  return lines.join('\n') + '\n';
}

/**
 * The labels of a Kubernetes Node worth selecting by (--limit zone=a): topology, instance type,
 * roles and the cluster's own; not the ones every node has (kubernetes.io/os, hostname, beta.*).
 */
export function usefulLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
  const keep = (key: string): boolean => {
    if (/^(node-role|topology)\.kubernetes\.io\//.test(key) || key === 'node.kubernetes.io/instance-type') return true;
    const prefix = key.includes('/') ? key.slice(0, key.indexOf('/')) : '';
    return !(prefix.endsWith('kubernetes.io') || prefix.endsWith('k8s.io'));
  };
  return Object.fromEntries(Object.entries(labels).filter(([key]) => keep(key)));
}
