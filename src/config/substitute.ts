import type { SourcePosition } from '../util/errors.ts';
import type { MapPair, TreeNode } from './source-tree.ts';
import { parseTemplate, renderTemplate } from './template.ts';
import type { VarLookup } from './template.ts';

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

export function substitute(root: TreeNode, lookup: VarLookup): Substituted {
  const problems: SubstitutionProblem[] = [];
  const failed = new Set<TreeNode>();
  const walk = (node: TreeNode): TreeNode => {
    switch (node.type) {
      case 'value':
        return node;
      case 'seq':
        return { ...node, items: node.items.map(walk) };
      case 'map':
        return { ...node, pairs: node.pairs.map((p): MapPair => ({ ...p, value: walk(p.value) })) };
      case 'scalar': {
        if (typeof node.value !== 'string' || node.braces.length === 0) return node;
        const parsed = parseTemplate(node.value, node.braces, node.pos);
        if (parsed.problems.length > 0) {
          problems.push(...parsed.problems.map((p) => ({ ...p, hostSpecific: false })));
          failed.add(node);
          return node;
        }
        const rendered = renderTemplate(parsed.parts, lookup);
        if (rendered.problems.length > 0) {
          problems.push(...rendered.problems.map((p) => ({ ...p, hostSpecific: true })));
          failed.add(node);
          return node;
        }
        const whole = parsed.parts.length === 1 && parsed.parts[0]?.type === 'var';
        if (whole) return { type: 'value', value: rendered.value, pos: node.pos, via: rendered.via };
        return { ...node, value: String(rendered.value), braces: [], via: rendered.via === '' ? undefined : rendered.via };
      }
    }
  };
  return { node: walk(root), problems, failed };
}
