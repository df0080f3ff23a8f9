import { basename, extname } from 'node:path';
import { resourceSchemas } from '../spec/schemas.ts';
import type { ConfigIssue, SourcePosition } from '../util/errors.ts';
import { attachSource, sourcePaths } from './attach-sources.ts';
import type { SourceFiles } from './attach-sources.ts';
import { instantiateWith } from './instantiate.ts';
import { configError, fileIssue, issueAt } from './issues.ts';
import type { LoadedEntry, LoadedPlaybook, ResourceSchemaRegistry } from './loaded-playbook.ts';
import { ENTRY_KEYS, entryMetaSchema, playbookHeadSchema, playbookName } from './playbook-schema.ts';
import { asMap, asSeq, childAt, pairOf, pathLabel, stringAt } from './source-tree.ts';
import type { MapNode, TreeNode } from './source-tree.ts';
import { showKey } from './describe.ts';
import { didYouMean } from './suggest.ts';
import { parseYaml } from './yaml-source.ts';
import type { ParsedYaml } from './yaml-source.ts';
import { validateTree } from './zod-issues.ts';

/**
 * Builds a LoadedPlaybook from parsed YAML. Pure: `source:` files arrive already read. Checks the
 * structure and everything that does not depend on a host; throws ConfigError with every issue.
 */
export function buildPlaybook(parsed: ParsedYaml, file: string, files: SourceFiles, schemas: ResourceSchemaRegistry): LoadedPlaybook {
  const root = parsed.root;
  if (root === undefined) throw configError(parsed.issues.length > 0 ? parsed.issues : [fileIssue(file, 'the playbook is empty')]);
  const issues: ConfigIssue[] = [...parsed.issues];
  const add = (pos: SourcePosition, message: string): void => {
    issues.push(issueAt(pos, message));
  };
  const head = validateTree(playbookHeadSchema, root);
  if (!head.ok) for (const f of head.findings) add(f.pos, f.message);

  const nameNode = childAt(root, 'name');
  const fallbackName = basename(file, extname(file));
  const name = head.ok ? (head.data.name ?? fallbackName) : fallbackName;
  const namePos = nameNode?.pos ?? { file, line: 1, column: 1 };
  if (nameNode === undefined && !playbookName.safeParse(fallbackName).success) {
    add(namePos, `the file name '${fallbackName}' is not a valid playbook name; set name:`);
  }

  const kinds = Object.keys(schemas);
  const entries: LoadedEntry[] = [];
  const firstLine = new Map<string, number>();
  asSeq(childAt(root, 'resources'))?.items.forEach((item, index) => {
    const entryName = stringAt(item, 'name');
    if (entryName !== undefined) {
      const first = firstLine.get(entryName.value);
      const pos = entryName.node.pos;
      if (first !== undefined) add(pos, `resources[${index}].name: duplicate entry name '${entryName.value}' (first used on line ${first})`);
      else firstLine.set(entryName.value, pos.line);
    }
    const entry = readEntry(item, index, name, file, files, kinds, issues);
    if (entry !== undefined) entries.push(entry);
  });

  const playbook: LoadedPlaybook = {
    name,
    description: head.ok ? head.data.description : undefined,
    file,
    namePos,
    vars: head.ok ? (head.data.vars ?? {}) : {},
    entries,
    schemas,
    sourceFiles: sourcePaths(root, file, schemas),
  };
  // Checks, once and without an inventory, everything that is the same on every host.
  const probe = instantiateWith(playbook, { lookup: () => ({ found: true, value: '' }), known: () => true, vars: {} });
  for (const f of probe.findings) if (!f.hostSpecific) add(f.pos, f.message);
  if (issues.length > 0) throw configError(issues);
  return playbook;
}

function readEntry(
  item: TreeNode,
  index: number,
  playbookName: string,
  file: string,
  files: SourceFiles,
  kinds: readonly string[],
  issues: ConfigIssue[],
): LoadedEntry | undefined {
  const label = `resources[${index}]`;
  const map = asMap(item);
  if (map === undefined) {
    issues.push(issueAt(item.pos, `${label}: must be a mapping with name: and one resource kind (${kinds.join(', ')})`));
    return undefined;
  }
  const meta: MapNode = { ...map, pairs: map.pairs.filter((p) => p.key === 'name' || p.key === 'checks') };
  const validated = validateTree(entryMetaSchema, meta, ['resources', index]);
  if (!validated.ok) for (const f of validated.findings) issues.push(issueAt(f.pos, f.message));

  let kind: { key: string; line: number } | undefined;
  let body: TreeNode | undefined;
  let unknownKeys = 0;
  for (const pair of map.pairs) {
    if (ENTRY_KEYS.includes(pair.key)) continue;
    if (!kinds.includes(pair.key)) {
      issues.push(issueAt(pair.keyPos, `${label}: unknown key ${showKey(pair.key)}${didYouMean(pair.key, [...kinds, ...ENTRY_KEYS])}`));
      unknownKeys++;
    } else if (kind !== undefined) {
      issues.push(
        issueAt(pair.keyPos, `${label}: one resource kind per entry ('${kind.key}' is given on line ${kind.line}); split '${pair.key}' into its own entry`),
      );
    } else {
      kind = { key: pair.key, line: pair.keyPos.line };
      const attached = attachSource(pair.value, pathLabel([pair.key]), file, files);
      issues.push(...attached.issues);
      body = attached.body;
    }
  }
  if (kind === undefined || body === undefined) {
    // An unknown key is most likely the misspelled kind: its "did you mean" says it all.
    if (unknownKeys === 0) issues.push(issueAt(map.pos, `${label}: missing the resource kind: one of ${kinds.join(', ')}`));
    return undefined;
  }
  // Kept even when its name is wrong, so that its body is checked too (the build fails anyway).
  const name = validated.ok ? validated.data.name : label;
  const checks = validated.ok ? (validated.data.checks ?? []) : [];
  return {
    index,
    id: `${playbookName}/${name}`,
    name,
    checks,
    kind: kind.key,
    body,
    note: pairOf(map, 'note')?.value,
    when: pairOf(map, 'when')?.value,
    source: map.pos,
  };
}

/** Parses playbook text; `files` holds the `source:` files it refers to (see sourcePaths). */
export function parsePlaybook(
  text: string,
  file: string,
  files: SourceFiles = new Map(),
  schemas: ResourceSchemaRegistry = resourceSchemas,
): LoadedPlaybook {
  const parsed = parseYaml(text, file);
  return buildPlaybook(parsed, file, files, schemas);
}
