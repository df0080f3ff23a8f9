import { z } from 'zod';
import type { SourcePosition } from '../util/errors.ts';
import type { Condition } from './playbook-types.ts';
import { absolutePath } from '../spec/schema-parts.ts';
import { describeValue } from './describe.ts';
import { expandValue, pathLabel } from './source-tree.ts';
import type { TreeNode } from './source-tree.ts';
import { didYouMean } from './suggest.ts';
import type { Finding } from './zod-issues.ts';

/** Validates a `when:` (after substitution) into a Condition, with findings at the offending key or value. */

export const CONDITION_KEYS = ['fileExists', 'unitExists', 'osFamily', 'var', 'all', 'any', 'not'] as const;
export const OS_FAMILIES = ['debian', 'rhel'] as const;
const KEYS = CONDITION_KEYS;
const UNIT = /^[A-Za-z0-9_][A-Za-z0-9@._:\\-]*$/;
const VAR = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface ConditionResult {
  readonly condition: Condition | undefined;
  readonly findings: readonly Finding[];
  /** Every `var:` condition, for the caller to check against the host's variables. */
  readonly varRefs: readonly { readonly name: string; readonly pos: SourcePosition; readonly label: string }[];
}

export function parseCondition(root: TreeNode, path: readonly PropertyKey[]): ConditionResult {
  const findings: Finding[] = [];
  const varRefs: { name: string; pos: SourcePosition; label: string }[] = [];
  const fail = (node: TreeNode | undefined, pos: TreeNode['pos'], at: readonly PropertyKey[], message: string): undefined => {
    findings.push({ pos, node, message: `${pathLabel(at)}: ${message}` });
    return undefined;
  };

  const walk = (raw: TreeNode, at: readonly PropertyKey[]): Condition | undefined => {
    const node = expandValue(raw);
    if (node.type !== 'map') return fail(node, node.pos, at, `must be a condition such as { fileExists: /path }, not ${describeValue(scalarish(node))}`);
    const [first, second] = node.pairs;
    if (first === undefined) return fail(undefined, node.pos, at, `empty condition: use one of ${KEYS.join(', ')}`);
    for (const pair of node.pairs) {
      if (!(KEYS as readonly string[]).includes(pair.key)) {
        return fail(undefined, pair.keyPos, at, `unknown condition '${pair.key}'${didYouMean(pair.key, KEYS)}; one of ${KEYS.join(', ')}`);
      }
    }
    if (second !== undefined) {
      return fail(undefined, second.keyPos, at, `a condition has exactly one key ('${first.key}' is given); combine conditions with all: [...] or any: [...]`);
    }
    const value = expandValue(first.value);
    const here = [...at, first.key];
    const text = (): string | undefined => {
      if (value.type === 'scalar' && typeof value.value === 'string') return value.value;
      return fail(value, value.pos, here, `must be a string, not ${describeValue(scalarish(value))}`);
    };
    switch (first.key) {
      case 'fileExists': {
        const path = text();
        if (path === undefined) return undefined;
        const checked = absolutePath.safeParse(path);
        return checked.success ? { fileExists: checked.data } : fail(value, value.pos, here, checked.error.issues[0]?.message ?? 'must be an absolute path');
      }
      case 'unitExists': {
        const unit = text();
        if (unit === undefined) return undefined;
        return UNIT.test(unit) ? { unitExists: unit } : fail(value, value.pos, here, 'must be a systemd unit name such as kubelet or kubelet.service');
      }
      case 'osFamily': {
        const family = text();
        if (family === undefined) return undefined;
        const parsed = z.enum(OS_FAMILIES).safeParse(family);
        return parsed.success
          ? { osFamily: parsed.data }
          : fail(value, value.pos, here, `must be one of 'debian', 'rhel'${didYouMean(family, OS_FAMILIES)}`);
      }
      case 'var': {
        const name = text();
        if (name === undefined) return undefined;
        if (!VAR.test(name)) return fail(value, value.pos, here, 'must be a variable name');
        varRefs.push({ name, pos: value.pos, label: pathLabel(here) });
        return { var: name };
      }
      case 'all':
      case 'any': {
        if (value.type !== 'seq' || value.items.length === 0) {
          return fail(value, value.pos, here, 'must be a non-empty list of conditions');
        }
        const parts = value.items.map((item, i) => walk(item, [...here, i]));
        if (parts.some((p) => p === undefined)) return undefined;
        const defined = parts.filter((p): p is Condition => p !== undefined);
        return first.key === 'all' ? { all: defined } : { any: defined };
      }
      default: {
        const inner = walk(value, here);
        return inner === undefined ? undefined : { not: inner };
      }
    }
  };
  const condition = walk(root, path);
  return { condition: findings.length > 0 ? undefined : condition, findings, varRefs };
}

function scalarish(node: TreeNode): unknown {
  if (node.type === 'scalar' || node.type === 'value') return node.value;
  return node.type === 'seq' ? [] : {};
}
