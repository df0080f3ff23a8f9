import type { SourcePosition } from '../util/errors.ts';
import { pathLabel } from './source-tree.ts';
import type { MapPair, TreeNode } from './source-tree.ts';
import { parseTemplate, renderTemplate } from './template.ts';
import type { TemplateProblem, VarLookup } from './template.ts';

/** Substitutes `{{ }}` in every string value of a tree (keys are never templated). */

export interface SubstitutionProblem {
  readonly pos: SourcePosition;
  readonly message: string;
  /** False for syntax errors (the same on every host); true when it depends on the host's variables. */
  readonly hostSpecific: boolean;
}

export interface Substituted {
  readonly node: TreeNode;
  readonly problems: readonly SubstitutionProblem[];
  /** Nodes left unsubstituted because of a problem: validation errors about them would only repeat it. */
  readonly failed: ReadonlySet<TreeNode>;
}

/** `labelPrefix` names the tree in messages (`note`, `file`…). */
export function substitute(root: TreeNode, lookup: VarLookup, labelPrefix: readonly PropertyKey[] = []): Substituted {
  const problems: SubstitutionProblem[] = [];
  const failed = new Set<TreeNode>();
  const walk = (node: TreeNode, path: readonly PropertyKey[]): TreeNode => {
    switch (node.type) {
      case 'value':
        return node;
      case 'seq':
        return { ...node, items: node.items.map((item, i) => walk(item, [...path, i])) };
      case 'map':
        return { ...node, pairs: node.pairs.map((p): MapPair => ({ ...p, value: walk(p.value, [...path, p.key]) })) };
      case 'scalar': {
        if (typeof node.value !== 'string' || node.braces.length === 0) return node;
        const label = pathLabel(path);
        const report = (list: readonly TemplateProblem[], hostSpecific: boolean): void => {
          for (const p of list) problems.push({ pos: p.pos, message: label === '' ? p.message : `${label}: ${p.message}`, hostSpecific });
        };
        const parsed = parseTemplate(node.value, node.braces, node.pos);
        if (parsed.problems.length > 0) {
          report(parsed.problems, false);
          failed.add(node);
          return node;
        }
        const rendered = renderTemplate(parsed.parts, lookup);
        if (rendered.problems.length > 0) {
          report(rendered.problems, true);
          failed.add(node);
          return node;
        }
        const whole = parsed.parts.length === 1 && parsed.parts[0]?.type === 'var';
        if (whole) return { type: 'value', value: rendered.value, pos: node.pos, via: rendered.via };
        return { ...node, value: String(rendered.value), braces: [], via: rendered.via === '' ? undefined : rendered.via };
      }
    }
  };
  return { node: walk(root, labelPrefix), problems, failed };
}
