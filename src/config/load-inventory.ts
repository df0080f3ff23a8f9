import { homedir, hostname, userInfo } from 'node:os';
import { resolve } from 'node:path';
import type { ConfigIssue } from '../util/errors.ts';
import type { Inventory } from './types.ts';
import { crossCheckInventory } from './inventory-checks.ts';
import { inventorySchema } from './inventory-schema.ts';
import type { RawInventory } from './inventory-schema.ts';
import { configError, fileIssue, issueAt, throwIfIssues } from './issues.ts';
import { localFileIssues, type LocalFileOptions } from './inventory-files.ts';
import { expandPath } from './paths.ts';
import { childAt } from './source-tree.ts';
import type { TreeNode } from './source-tree.ts';
import { normalizeInventory } from './normalize-inventory.ts';
import type { InventoryEnv } from './normalize-inventory.ts';
import { readTextFile } from './read-text.ts';
import { inventorySshViews } from './ssh/inventory-ssh.ts';
import type { LocalIdentity } from './ssh/effective.ts';
import { readSshConfig } from './ssh/read-ssh-config.ts';
import type { SshConfigFile } from './ssh/statements.ts';
import { parseYaml } from './yaml-source.ts';
import { validateTree } from './zod-issues.ts';

/** An ssh config already read (parseInventory is synchronous), with what ssh knows of the local side. */
export interface SshInput {
  readonly file: string;
  readonly config: SshConfigFile;
  readonly local: LocalIdentity;
  readonly cwd: string;
}

export interface ParseEnv extends InventoryEnv {
  readonly ssh?: SshInput | undefined;
}

/**
 * Parses and validates inventory text. `file` must be absolute (relative paths inside resolve
 * against its folder). Throws ConfigError listing every issue, sorted by position.
 */
export function parseInventory(text: string, file: string, env: ParseEnv): Inventory {
  const { raw } = validateInventory(text, file, env.ssh !== undefined);
  return buildInventory(raw, file, env).inventory;
}

function validateInventory(text: string, file: string, sshFromFlag: boolean): { raw: RawInventory; root: TreeNode } {
  const parsed = parseYaml(text, file);
  if (parsed.root === undefined) throw configError(parsed.issues.length > 0 ? parsed.issues : [fileIssue(file, 'the inventory is empty')]);
  const validation = validateTree(inventorySchema, parsed.root);
  const issues: ConfigIssue[] = [...parsed.issues];
  if (!validation.ok) issues.push(...validation.findings.map((f) => issueAt(f.pos, f.message)));
  issues.push(...crossCheckInventory(parsed.root, { sshConfig: sshFromFlag }));
  if (issues.length > 0 || !validation.ok) throw configError(issues);
  return { raw: validation.data, root: parsed.root };
}

function buildInventory(raw: RawInventory, file: string, env: ParseEnv): { inventory: Inventory } {
  if (env.ssh === undefined) {
    if (raw.ssh?.config !== undefined) throw new Error('parseInventory: the inventory names ssh.config; pass it read (env.ssh), as loadInventory does');
    return { inventory: normalizeInventory(raw, file, env) };
  }
  const { file: sshFile, config, local, cwd } = env.ssh;
  const views = inventorySshViews(raw, { config, local, cwd });
  throwIfIssues(views.issues);
  return { inventory: normalizeInventory(raw, file, env, { file: sshFile, views, localUser: local.user }) };
}

export interface LoadInventoryOptions extends Pick<LocalFileOptions, 'acceptNew'> {
  /** `--ssh-config FILE`: instead of the inventory's `ssh.config`. */
  readonly sshConfig?: string | undefined;
}

/** What ssh itself uses for `~`, %u, %d and the default user: the passwd entry, not $HOME. */
function localIdentity(): LocalIdentity {
  const me = userInfo();
  return { user: me.username, home: me.homedir, uid: me.uid, hostName: hostname() };
}

/**
 * Reads and validates an inventory (and the ssh config it names), and checks that the local
 * files it names (known_hosts, identity files, kubeconfig) can be read: nothing is contacted
 * until all of it is right.
 */
export async function loadInventory(path: string, options: LoadInventoryOptions = {}): Promise<Inventory> {
  const file = resolve(path);
  const text = await readTextFile(file, 'inventory');
  const home = process.env['HOME'] ?? homedir();
  const { raw, root } = validateInventory(text, file, options.sshConfig !== undefined);
  let ssh: SshInput | undefined;
  const written = raw.ssh?.config;
  const sshPath = options.sshConfig !== undefined ? resolve(options.sshConfig) : written === undefined ? undefined : expandPath(written, resolve(file, '..'), home);
  if (sshPath !== undefined) {
    const local = localIdentity();
    const read = await readSshConfig(sshPath, local.home);
    const field = childAt(childAt(root, 'ssh'), 'config');
    // the config itself unreadable: say so where the inventory (or the flag) names it
    const issues = read.issues.map((issue) =>
      read.config === undefined && options.sshConfig === undefined && field !== undefined ? issueAt(field.pos, `ssh.config ${sshPath}: ${issue.message}`) : issue,
    );
    throwIfIssues(issues);
    if (read.config !== undefined) ssh = { file: sshPath, config: read.config, local, cwd: process.cwd() };
  }
  const { inventory } = buildInventory(raw, file, { home, ssh });
  throwIfIssues(await localFileIssues(root, inventory, { ...options, agentSocket: process.env['SSH_AUTH_SOCK'] }));
  return inventory;
}
