import { homedir, hostname, userInfo } from 'node:os';
import { resolve } from 'node:path';
import type { ConfigIssue, SourcePosition } from '../util/errors.ts';
import type { DiscoveredNode, Inventory } from './types.ts';
import { crossCheckInventory } from './inventory-checks.ts';
import { inventoryTopSchema, nodeOverrideSchema, nodeSchema, nodeSourceSchema, type FromKubernetes, type RawInventory } from './inventory-schema.ts';
import { configError, fileIssue, issueAt, throwIfIssues } from './issues.ts';
import { localFileIssues, type LocalFileOptions } from './inventory-files.ts';
import { asMap, asSeq, childAt, pairOf, type MapNode, type TreeNode } from './source-tree.ts';
import { mergeDiscovered, type ExplicitEntry, type SourcePositions } from './discovered-nodes.ts';
import { normalizeInventory } from './normalize-inventory.ts';
import type { InventoryEnv } from './normalize-inventory.ts';
import { expandPath } from './paths.ts';
import { readTextFile } from './read-text.ts';
import { inventorySshViews } from './ssh/inventory-ssh.ts';
import type { LocalIdentity } from './ssh/effective.ts';
import { readSshConfig } from './ssh/read-ssh-config.ts';
import type { SshConfigFile } from './ssh/statements.ts';
import { parseYaml } from './yaml-source.ts';
import { validateTree } from './zod-issues.ts';

/** Lists the Nodes a source selects (kube/list-nodes.ts); injected so that config/ never talks to a cluster itself. */
export type ListNodes = (kubeconfig: string, labelSelector: string | undefined) => Promise<readonly DiscoveredNode[]>;

/** An ssh config already read (parsing is synchronous), with what ssh knows of the local side. */
export interface SshInput {
  readonly file: string;
  readonly config: SshConfigFile;
  readonly local: LocalIdentity;
  readonly cwd: string;
}

export interface ParseEnv extends InventoryEnv {
  readonly ssh?: SshInput | undefined;
}

/** An inventory validated in full, its nodes not yet resolved against the cluster (nor the ssh config). */
export interface ParsedInventory {
  readonly root: TreeNode;
  readonly raw: Omit<RawInventory, 'nodes'>;
  readonly file: string;
  readonly env: ParseEnv;
  readonly explicit: readonly ExplicitEntry[];
  readonly source: { readonly spec: FromKubernetes; readonly positions: SourcePositions } | undefined;
}

/** `nodes: { fromKubernetes: … }` is a list of one source: positions stay those written. */
function withNodeList(root: TreeNode): TreeNode {
  const map = asMap(root);
  const nodes = map === undefined ? undefined : pairOf(map, 'nodes');
  const value = nodes === undefined ? undefined : asMap(nodes.value);
  if (map === undefined || value === undefined) return root;
  const list: TreeNode = { type: 'seq', items: [value], pos: value.pos };
  return { ...map, pairs: map.pairs.map((p) => (p.key === 'nodes' ? { ...p, value: list } : p)) } satisfies MapNode;
}

const isSource = (item: TreeNode): boolean => {
  const map = asMap(item);
  return map !== undefined && pairOf(map, 'fromKubernetes') !== undefined;
};

/**
 * Parses and validates inventory text. `file` must be absolute (relative paths inside resolve
 * against its folder). Throws ConfigError listing every issue, sorted by position.
 */
export function parseInventorySource(text: string, file: string, env: ParseEnv, options: { readonly sshFromFlag?: boolean } = {}): ParsedInventory {
  const parsed = parseYaml(text, file);
  if (parsed.root === undefined) throw configError(parsed.issues.length > 0 ? parsed.issues : [fileIssue(file, 'the inventory is empty')]);
  const root = withNodeList(parsed.root);
  const validation = validateTree(inventoryTopSchema, root);
  const issues: ConfigIssue[] = [...parsed.issues];
  if (!validation.ok) issues.push(...validation.findings.map((f) => issueAt(f.pos, f.message)));
  issues.push(...crossCheckInventory(root, { sshConfig: options.sshFromFlag === true || env.ssh !== undefined }));
  const items = asSeq(childAt(root, 'nodes'))?.items ?? [];
  const sources = items.filter(isSource);
  const explicit: ExplicitEntry[] = [];
  let source: ParsedInventory['source'];
  items.forEach((item, index) => {
    if (isSource(item)) {
      const checked = validateTree(nodeSourceSchema, item, ['nodes', index]);
      if (!checked.ok) issues.push(...checked.findings.map((f) => issueAt(f.pos, f.message)));
      else if (item === sources[0]) {
        const spec = childAt(item, 'fromKubernetes');
        const keyPos = (key: string): SourcePosition | undefined => {
          const m = asMap(spec);
          return m === undefined ? undefined : pairOf(m, key)?.value.pos;
        };
        source = { spec: checked.data.fromKubernetes, positions: { source: spec?.pos ?? item.pos, address: keyPos('address'), nameFrom: keyPos('nameFrom') } };
      } else issues.push(issueAt(item.pos, `nodes[${index}]: only one fromKubernetes source per inventory (the first is on line ${sources[0]?.pos.line ?? 1})`));
      return;
    }
    const checked = validateTree(sources.length > 0 ? nodeOverrideSchema : nodeSchema, item, ['nodes', index]);
    if (!checked.ok) issues.push(...checked.findings.map((f) => issueAt(f.pos, f.message)));
    else explicit.push({ node: checked.data, index, pos: item.pos });
  });
  const kubeconfig = childAt(root, 'kubeconfig');
  if (sources[0] !== undefined && kubeconfig === undefined) {
    issues.push(issueAt(sources[0].pos, 'fromKubernetes lists the Nodes with the inventory\'s kubeconfig: set `kubeconfig:` (a path)'));
  }
  if (issues.length > 0 || !validation.ok) throw configError(issues);
  const { nodes: _nodes, ...raw } = validation.data;
  void _nodes;
  return { root, raw, file, env, explicit, source };
}

/** The inventory with its nodes: the explicit entries merged with the Nodes the source listed (`cluster`). */
export function resolveInventory(parsed: ParsedInventory, cluster: readonly DiscoveredNode[] = []): Inventory {
  const explicitOnly = (): RawInventory['nodes'] => parsed.explicit.map((e) => e.node);
  if (!parsed.source) return normalized({ ...parsed.raw, nodes: explicitOnly() }, parsed.file, parsed.env);
  const merged = mergeDiscovered(parsed.source.spec, parsed.source.positions, cluster, parsed.explicit);
  if (merged.issues.length > 0) throw configError(merged.issues);
  if (merged.nodes.length === 0) {
    const selector = parsed.source.spec.labelSelector;
    throw configError([issueAt(parsed.source.positions.source, `fromKubernetes: the cluster has no Node${selector ? ` matching labelSelector ${JSON.stringify(selector)}` : ''}, and no node is listed explicitly`)]);
  }
  const inventory = normalized({ ...parsed.raw, nodes: merged.nodes }, parsed.file, parsed.env);
  const kube = new Map(merged.nodes.map((n) => [n.name, n.kubernetes]));
  return {
    ...inventory,
    nodes: inventory.nodes.map((host) => {
      const state = kube.get(host.name);
      return state ? { ...host, kubernetes: state } : host;
    }),
    discovery: { labelSelector: parsed.source.spec.labelSelector, found: merged.nodes.filter((n) => n.kubernetes).map((n) => n.name) },
  };
}

/** The nodes as hosts: with an ssh config, each resolved as `ssh -G NAME` would (its own inventory fields winning). */
function normalized(raw: Parameters<typeof normalizeInventory>[0], file: string, env: ParseEnv): Inventory {
  if (env.ssh === undefined) {
    if (raw.ssh?.config !== undefined) throw new Error('parseInventory: the inventory names ssh.config; pass it read (env.ssh), as loadInventory does');
    return normalizeInventory(raw, file, env);
  }
  const { file: sshFile, config, local, cwd } = env.ssh;
  const views = inventorySshViews(raw, { config, local, cwd });
  throwIfIssues(views.issues);
  return normalizeInventory(raw, file, env, { file: sshFile, views, localUser: local.user });
}

/** parseInventorySource then resolveInventory, for callers that hold the cluster's answer (and the ssh config) already (init, tests). */
export function parseInventory(text: string, file: string, env: ParseEnv, cluster: readonly DiscoveredNode[] = []): Inventory {
  return resolveInventory(parseInventorySource(text, file, env), cluster);
}

export interface LoadInventoryOptions extends Pick<LocalFileOptions, 'acceptNew'> {
  /** How `fromKubernetes` reaches the cluster; an inventory with a source and no lister is refused. */
  readonly listNodes?: ListNodes | undefined;
  /** `--ssh-config FILE`: instead of the inventory's `ssh.config`. */
  readonly sshConfig?: string | undefined;
}

/** What ssh itself uses for `~`, %u, %d and the default user: the passwd entry, not $HOME. */
function localIdentity(): LocalIdentity {
  const me = userInfo();
  return { user: me.username, home: me.homedir, uid: me.uid, hostName: hostname() };
}

/** The ssh config the inventory names (or `--ssh-config`), read; its own problems at its lines, or where the inventory names it. */
async function readInventorySsh(parsed: ParsedInventory, flag: string | undefined): Promise<SshInput | undefined> {
  const written = parsed.raw.ssh?.config;
  const sshPath = flag !== undefined ? resolve(flag) : written === undefined ? undefined : expandPath(written, resolve(parsed.file, '..'), parsed.env.home);
  if (sshPath === undefined) return undefined;
  const local = localIdentity();
  const read = await readSshConfig(sshPath, local.home);
  const field = childAt(childAt(parsed.root, 'ssh'), 'config');
  const issues = read.issues.map((issue) => (read.config === undefined && flag === undefined && field !== undefined ? issueAt(field.pos, `ssh.config ${sshPath}: ${issue.message}`) : issue));
  throwIfIssues(issues);
  return read.config === undefined ? undefined : { file: sshPath, config: read.config, local, cwd: process.cwd() };
}

/**
 * Reads and validates an inventory (and the ssh config it names), and checks that the local files
 * it names (known_hosts, identity files, kubeconfig) can be read; then, for `fromKubernetes`,
 * lists the Nodes (one API call, before any node is contacted: an unreachable API server fails
 * the command here).
 */
export async function loadInventory(path: string, options: LoadInventoryOptions = {}): Promise<Inventory> {
  const file = resolve(path);
  const text = await readTextFile(file, 'inventory');
  const unread = parseInventorySource(text, file, { home: process.env['HOME'] ?? homedir() }, { sshFromFlag: options.sshConfig !== undefined });
  const parsed: ParsedInventory = { ...unread, env: { ...unread.env, ssh: await readInventorySsh(unread, options.sshConfig) } };
  const local = { ...options, agentSocket: process.env['SSH_AUTH_SOCK'] };
  // before the cluster is asked: the files of the nodes already known (beside a source, the entries with an address)
  const explicit = resolveInventory({ ...parsed, source: undefined, explicit: parsed.source ? parsed.explicit.filter((e) => e.node.address !== undefined) : parsed.explicit });
  throwIfIssues(await localFileIssues(parsed.root, explicit, local));
  if (!parsed.source) return explicit;
  if (!options.listNodes || !explicit.kubeconfig) throw configError([issueAt(parsed.source.positions.source, 'fromKubernetes: this command cannot read Nodes from the cluster')]);
  const cluster = await options.listNodes(explicit.kubeconfig, parsed.source.spec.labelSelector);
  const inventory = resolveInventory(parsed, cluster);
  throwIfIssues(await localFileIssues(parsed.root, inventory, local));
  return inventory;
}
