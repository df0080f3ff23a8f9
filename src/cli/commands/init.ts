import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { homedir, userInfo } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseInventory } from '../../config/load-inventory.ts';
import { knownHostsGuidance, renderInventory, usefulLabels, type InventoryDraft } from '../../config/inventory-template.ts';
import { addressProblem, NAME_PATTERN } from '../../config/validators.ts';
import { listClusterNodes } from '../../kube/list-nodes.ts';
import { ConfigError, InternalError, UsageError } from '../../util/errors.ts';

/** The package's JSON Schema of inventories, for the editor comment of the file written. */
const INVENTORY_SCHEMA = fileURLToPath(new URL('../../../schema/inventory.schema.json', import.meta.url));

interface InitFlags {
  readonly bastion?: string;
  readonly nodes?: string[];
  readonly nodesFile?: string;
  readonly kubeconfig?: string;
  readonly user?: string;
  readonly identityFile?: string;
  readonly out: string;
  readonly force?: boolean;
}

/** `ops@bastion.example.net:2222` → its parts. */
function parseBastion(spec: string, fallbackUser: string): NonNullable<InventoryDraft['bastion']> {
  const m = /^(?:([^@]+)@)?(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(spec.trim());
  const host = m?.[2]?.replace(/^\[|\]$/g, '');
  if (!m || !host || addressProblem(host)) throw new UsageError(`--bastion ${JSON.stringify(spec)}: give it as [USER@]HOST[:PORT]${host && addressProblem(host) ? ` (the host ${addressProblem(host)})` : ''}`);
  return { host, port: m[3] ? Number(m[3]) : 22, user: m[1] ?? fallbackUser };
}

/** `name=address`, or an address (a host name's first label is its name, an IP gets node-N). */
function parseNode(spec: string, index: number): { name: string; address: string } {
  const [left = '', right] = spec.trim().split(/\s*=\s*|\s+/, 2);
  const address = right ?? left;
  const name = right !== undefined ? left : /^[0-9.:]+$/.test(address) ? `node-${index + 1}` : (address.split('.')[0] ?? address);
  const problem = addressProblem(address);
  if (problem) throw new UsageError(`node ${JSON.stringify(spec)}: the address ${problem}`);
  if (!NAME_PATTERN.test(name)) throw new UsageError(`node ${JSON.stringify(spec)}: ${JSON.stringify(name)} is not a node name (letters, digits, . _ -)`);
  return { name, address };
}

async function nodesFrom(flags: InitFlags): Promise<{ nodes: InventoryDraft['nodes']; source: string }> {
  if (flags.kubeconfig) {
    const found = await listClusterNodes(flags.kubeconfig);
    const missing = found.filter((n) => n.address === undefined).map((n) => n.name);
    if (missing.length > 0) throw new UsageError(`these Nodes report no address: ${missing.join(', ')}; list them with --nodes NAME=ADDRESS instead`);
    return { nodes: found.map((n) => ({ name: n.name, address: n.address ?? '', labels: usefulLabels(n.labels) })), source: `from the Nodes of ${flags.kubeconfig}` };
  }
  const specs = [...(flags.nodes ?? []).flatMap((s) => s.split(','))];
  if (flags.nodesFile) specs.push(...(await readFile(flags.nodesFile, 'utf8')).split('\n').map((l) => l.replace(/#.*/, '').trim()));
  const given = specs.filter((s) => s.trim() !== '');
  if (given.length === 0) throw new UsageError('say which nodes: --nodes NAME=ADDRESS,… , --nodes-file FILE (one "NAME ADDRESS" or address a line) or --kubeconfig FILE');
  return { nodes: given.map((spec, i) => ({ ...parseNode(spec, i), labels: {} })), source: flags.nodesFile ? `from ${flags.nodesFile}` : 'from --nodes' };
}

/** A path as the inventory should hold it: relative to the inventory's folder when it is inside it. */
function asWritten(path: string, inventoryDir: string): string {
  const absolute = resolve(path);
  const rel = relative(inventoryDir, absolute);
  return rel.startsWith('..') || isAbsolute(rel) ? absolute : `./${rel}`;
}

export function registerInit(program: Command): void {
  program
    .command('init')
    .summary('write a commented inventory from a bastion and a list of nodes (or a kubeconfig)')
    .description(
      'Writes a first inventory: the bastion, the login user and key, known_hosts, and the nodes, ' +
        'listed (--nodes, --nodes-file) or read from the cluster (--kubeconfig: every Node with its ' +
        'InternalIP and its topology and role labels). Every setting is commented, the optional ones ' +
        'commented out. Then it prints the ssh-keyscan commands that fill known_hosts (run the nodes\' ' +
        'scan on the bastion: it is what reaches them). Nothing is contacted but the API server with --kubeconfig.',
    )
    .option('--bastion <[user@]host[:port]>', 'the SSH bastion every node is reached through (none: direct)')
    .option('--nodes <list>', 'nodes as NAME=ADDRESS or ADDRESS, comma-separated or repeated', (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .option('--nodes-file <file>', 'one node a line: NAME ADDRESS, or an address (# comments)')
    .option('--kubeconfig <file>', 'list the nodes from this cluster, and let the health gate wait for Node Ready')
    .option('--user <name>', 'login user on the nodes (default: the bastion\'s user, else yours)')
    .option('--identity-file <file>', 'private key (default: ~/.ssh/id_ed25519 when it exists, else ssh-agent)')
    .option('--out <file>', 'where to write it; - for stdout', 'inventory.yaml')
    .option('--force', 'overwrite an existing file')
    .addHelpText(
      'after',
      '\nExamples:\n  nodeward init --bastion ops@bastion.example.net --nodes node-1=10.0.1.11,node-2=10.0.1.12\n' +
        '  nodeward init --bastion ops@bastion.example.net --kubeconfig ~/.kube/config --out prod.yaml',
    )
    .action(async (flags: InitFlags) => {
      const toStdout = flags.out === '-';
      const file = toStdout ? resolve('inventory.yaml') : resolve(flags.out);
      if (!toStdout && existsSync(file) && !flags.force) throw new UsageError(`${flags.out} exists: pass --force to overwrite it, or --out another file`);
      let me = 'ops';
      try {
        me = userInfo().username;
      } catch {
        // no passwd entry (containers): keep ops
      }
      const bastion = flags.bastion ? parseBastion(flags.bastion, flags.user ?? me) : undefined;
      const { nodes, source } = await nodesFrom(flags);
      const dir = dirname(file);
      const defaultKey = join(homedir(), '.ssh', 'id_ed25519');
      const identityFile = flags.identityFile ? asWritten(flags.identityFile, dir) : existsSync(defaultKey) ? '~/.ssh/id_ed25519' : undefined;
      const draft: InventoryDraft = {
        source,
        bastion,
        user: flags.user ?? bastion?.user ?? me,
        identityFile,
        kubeconfig: flags.kubeconfig ? asWritten(flags.kubeconfig, dir) : undefined,
        knownHosts: './known_hosts',
        schema: existsSync(INVENTORY_SCHEMA) ? INVENTORY_SCHEMA : undefined,
        nodes,
      };
      const text = renderInventory(draft);
      try {
        parseInventory(text, file, { home: homedir() });
      } catch (error) {
        // what init writes must load: a failure here is nodeward's, with the input that caused it
        if (error instanceof ConfigError) throw new InternalError(`init wrote an inventory that does not load:\n${error.message}`, error);
        throw error;
      }
      const shown = toStdout ? 'inventory.yaml' : flags.out;
      if (toStdout) process.stdout.write(text);
      else {
        await writeFile(file, text, { mode: 0o644, flag: flags.force ? 'w' : 'wx' });
        process.stdout.write(`Wrote ${flags.out}: ${nodes.length} node(s)${bastion ? ` behind ${bastion.host}` : ''}.\n\n`);
      }
      (toStdout ? process.stderr : process.stdout).write(knownHostsGuidance(draft, shown));
    });
}
