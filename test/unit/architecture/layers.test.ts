import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layers of src/, top to bottom (docs/architecture.md draws them). A module may import its own
 * folder and folders below it, never one above or beside it at the same height: a folder-level
 * cycle (apply ↔ plan, plan ↔ resources) cannot come back without this test failing.
 */
export const LAYERS: readonly (readonly string[])[] = [
  ['cli'],
  ['ui', 'report'],
  ['rollout'],
  ['drift'],
  ['drain'],
  ['apply'],
  ['health'],
  ['journal'],
  ['run'],
  ['check'],
  ['planner'],
  ['guards'],
  ['resources'],
  ['plan'],
  ['facts'],
  ['kube'],
  ['transport'],
  ['node'],
  ['config'],
  ['spec'],
  ['text'],
  ['util'],
];

/** Packages only the interactive front end may use: the executor reports through hooks. */
const UI_ONLY = ['listr2', '@inquirer/prompts'];

const SRC = join(import.meta.dirname, '../../../src');

export interface Import {
  readonly from: string;
  readonly spec: string;
}

export function importsOf(file: string, text: string): Import[] {
  const found: Import[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"`;]*?\bfrom\s+['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    found.push({ from: file, spec: m[1] ?? m[2] ?? '' });
  }
  return found;
}

function folderOf(path: string): string {
  const rel = relative(SRC, path);
  return rel.includes('/') ? (rel.split('/')[0] ?? '') : '(root)';
}

function rankOf(folder: string): number | undefined {
  const index = LAYERS.findIndex((layer) => layer.includes(folder));
  return index < 0 ? undefined : index;
}

/** Every import against the layers, as "from → to" lines a reviewer can act on. */
export function violations(imports: readonly Import[]): string[] {
  const out: string[] = [];
  for (const { from, spec } of imports) {
    const source = folderOf(from);
    if (!spec.startsWith('.')) {
      if (UI_ONLY.some((pkg) => spec === pkg || spec.startsWith(`${pkg}/`)) && source !== 'ui') out.push(`${relative(SRC, from)} imports ${spec}: only ui/ may`);
      continue;
    }
    const target = folderOf(normalize(join(dirname(from), spec)));
    if (target === source) continue;
    // the entry points (src/index.ts, src/main.ts) sit above everything
    if (source === '(root)') continue;
    const [a, b] = [rankOf(source), rankOf(target)];
    if (a === undefined || b === undefined) out.push(`${relative(SRC, from)}: folder ${a === undefined ? source : target} is in no layer (add it to LAYERS and docs/architecture.md)`);
    else if (b <= a) out.push(`${relative(SRC, from)} imports ${relative(SRC, normalize(join(dirname(from), spec)))}: ${source}/ may not import ${target}/ (${b === a ? 'same layer' : 'a layer above'})`);
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(path) : entry.name.endsWith('.ts') ? [path] : [];
  });
}

describe('the layers of src/', () => {
  it('every import points down the layers, and only ui/ imports listr2 and inquirer', () => {
    const imports = sourceFiles(SRC).flatMap((file) => importsOf(file, readFileSync(file, 'utf8')));
    expect(imports.length).toBeGreaterThan(500);
    expect(violations(imports)).toEqual([]);
  });

  it('every folder of src/ is in a layer', () => {
    const folders = readdirSync(SRC, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    expect(folders.filter((f) => rankOf(f) === undefined)).toEqual([]);
  });

  it('catches what it is for (an import upwards, one across a layer, listr2 outside ui/)', () => {
    const at = (folder: string, name: string): string => join(SRC, folder, name);
    expect(
      violations([
        { from: at('plan', 'x.ts'), spec: '../apply/types.ts' },
        { from: at('ui', 'x.ts'), spec: '../report/write.ts' },
        { from: at('apply', 'x.ts'), spec: 'listr2' },
        { from: at('apply', 'x.ts'), spec: '../plan/types.ts' },
        { from: at('apply', 'node/x.ts'), spec: '../types.ts' },
      ]),
    ).toEqual([
      'plan/x.ts imports apply/types.ts: plan/ may not import apply/ (a layer above)',
      'ui/x.ts imports report/write.ts: ui/ may not import report/ (same layer)',
      'apply/x.ts imports listr2: only ui/ may',
    ]);
  });

  it('reads static, re-exported and dynamic imports', () => {
    const text = "import { a } from './a.ts';\nimport type { B } from '../b/b.ts';\nexport { c } from \"../c/c.ts\";\nconst d = await import('../d/d.ts');\n";
    expect(importsOf('/x.ts', text).map((i) => i.spec)).toEqual(['./a.ts', '../b/b.ts', '../c/c.ts', '../d/d.ts']);
  });
});
