import { homedir } from 'node:os';
import { resolve } from 'node:path';
import type { ConfigIssue } from '../util/errors.ts';
import type { Inventory } from './types.ts';
import { crossCheckInventory } from './inventory-checks.ts';
import { inventorySchema } from './inventory-schema.ts';
import { configError, fileIssue, issueAt } from './issues.ts';
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
  const parsed = parseYaml(text, file);
  if (parsed.root === undefined) throw configError(parsed.issues.length > 0 ? parsed.issues : [fileIssue(file, 'the inventory is empty')]);
  const validation = validateTree(inventorySchema, parsed.root);
  const issues: ConfigIssue[] = [...parsed.issues];
  if (!validation.ok) issues.push(...validation.findings.map((f) => issueAt(f.pos, f.message)));
  issues.push(...crossCheckInventory(parsed.root));
  if (issues.length > 0 || !validation.ok) throw configError(issues);
  return normalizeInventory(validation.data, file, env);
}

export async function loadInventory(path: string): Promise<Inventory> {
  const file = resolve(path);
  const text = await readTextFile(file, 'inventory');
  return parseInventory(text, file, { home: process.env['HOME'] ?? homedir() });
}
