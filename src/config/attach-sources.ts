import { dirname, resolve } from 'node:path';
import type { ConfigIssue } from '../util/errors.ts';
import { issueAt } from './issues.ts';
import type { ResourceSchemaRegistry } from './loaded-playbook.ts';
import { keysAt } from './schema-keys.ts';
import { asMap, asSeq, childAt, pairOf, scalarNode } from './source-tree.ts';
import type { MapNode, TreeNode } from './source-tree.ts';
import { braceOffsets } from './template.ts';
import { positionsOf } from './text-positions.ts';

/**
 * `source:` in a resource body (for kinds whose schema has both `source` and `content`) names a
 * local template file, relative to the playbook. It is read when the playbook loads and becomes
 * the `content` (its `{{ }}` substituted per host like any string).
 */

/** Text of each source file by absolute path, or why it could not be read. */
export type SourceFiles = ReadonlyMap<string, string | { readonly error: string }>;

export function takesSource(schemas: ResourceSchemaRegistry, kind: string): boolean {
  const schema = schemas[kind];
  if (schema === undefined) return false;
  const keys = keysAt(schema, []);
  return keys.includes('source') && keys.includes('content');
}

/** Absolute paths of every `source:` the playbook tree refers to (for the loader to read). */
export function sourcePaths(root: TreeNode | undefined, file: string, schemas: ResourceSchemaRegistry): string[] {
  const out: string[] = [];
  for (const item of asSeq(childAt(root, 'resources'))?.items ?? []) {
    for (const pair of asMap(item)?.pairs ?? []) {
      if (!takesSource(schemas, pair.key)) continue;
      const source = childAt(pair.value, 'source');
      if (source?.type === 'scalar' && typeof source.value === 'string' && source.braces.length === 0 && source.value !== '') {
        out.push(resolve(dirname(file), source.value));
      }
    }
  }
  return [...new Set(out)];
}

/** The body with its `source:` made absolute and the file's text added as `content`. */
export function attachSource(body: TreeNode, label: string, file: string, files: SourceFiles): { body: TreeNode; issues: ConfigIssue[] } {
  const map = asMap(body);
  const source = map === undefined ? undefined : pairOf(map, 'source');
  if (map === undefined || source === undefined) return { body, issues: [] };
  const value = source.value;
  if (value.type !== 'scalar' || typeof value.value !== 'string') return { body, issues: [] };
  if (value.braces.length > 0) {
    return { body, issues: [issueAt(value.pos, `${label}.source: is read when the playbook loads, so it cannot use {{ }} variables`)] };
  }
  if (value.value === '') return { body, issues: [issueAt(value.pos, `${label}.source: must not be empty`)] };
  const content = pairOf(map, 'content');
  if (content !== undefined) {
    return { body, issues: [issueAt(source.keyPos, `${label}: give either content or source, not both`)] };
  }
  const path = resolve(dirname(file), value.value);
  const text = files.get(path);
  if (text === undefined || typeof text !== 'string') {
    const reason = text === undefined ? 'not read' : text.error;
    return { body, issues: [issueAt(value.pos, `${label}.source: cannot read ${value.value}: ${reason}`)] };
  }
  const origin = { file: path, line: 1, column: 1 };
  const attached: MapNode = {
    ...map,
    pairs: [
      ...map.pairs.map((p) => (p === source ? { ...p, value: { ...value, value: path } } : p)),
      { key: 'content', keyPos: source.keyPos, value: scalarNode(text, origin, positionsOf(text, braceOffsets(text), path)) },
    ],
  };
  return { body: attached, issues: [] };
}
