import { homedir } from 'node:os';
import { resolve } from 'node:path';
import type { ConfigIssue } from '../util/errors.ts';
import type { Inventory } from './types.ts';
import { crossCheckInventory } from './inventory-checks.ts';
import { inventorySchema } from './inventory-schema.ts';
import { configError, fileIssue, issueAt, throwIfIssues } from './issues.ts';
import { localFileIssues, type LocalFileOptions } from './inventory-files.ts';
import type { TreeNode } from './source-tree.ts';
import { normalizeInventory } from './normalize-inventory.ts';
import type { InventoryEnv } from './normalize-inventory.ts';
import { readTextFile } from './read-text.ts';
import { parseYaml } from './yaml-source.ts';
import { validateTree } from './zod-issues.ts';

/**
 * Parses and validates inventory text. `file` must be absolute (relative paths inside resolve
 * against its folder). Throws ConfigError listing every issue, sorted by position.
 */
export function parseInventory(text: string, file: string, env: InventoryEnv): Inventory {
  return parseInventoryTree(text, file, env).inventory;
}

function parseInventoryTree(text: string, file: string, env: InventoryEnv): { inventory: Inventory; root: TreeNode } {
  const parsed = parseYaml(text, file);
  if (parsed.root === undefined) throw configError(parsed.issues.length > 0 ? parsed.issues : [fileIssue(file, 'the inventory is empty')]);
  const validation = validateTree(inventorySchema, parsed.root);
  const issues: ConfigIssue[] = [...parsed.issues];
  if (!validation.ok) issues.push(...validation.findings.map((f) => issueAt(f.pos, f.message)));
  issues.push(...crossCheckInventory(parsed.root));
  if (issues.length > 0 || !validation.ok) throw configError(issues);
  return { inventory: normalizeInventory(validation.data, file, env), root: parsed.root };
}

/**
 * Reads and validates an inventory, and checks that the local files it names (known_hosts,
 * identity files, kubeconfig) can be read: nothing is contacted until all of it is right.
 */
export async function loadInventory(path: string, options: Pick<LocalFileOptions, 'acceptNew'> = {}): Promise<Inventory> {
  const file = resolve(path);
  const text = await readTextFile(file, 'inventory');
  const { inventory, root } = parseInventoryTree(text, file, { home: process.env['HOME'] ?? homedir() });
  throwIfIssues(await localFileIssues(root, inventory, { ...options, agentSocket: process.env['SSH_AUTH_SOCK'] }));
  return inventory;
}
