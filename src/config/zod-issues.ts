import type { z } from 'zod';
import type { SourcePosition } from '../util/errors.ts';
import { alternatives, describeValue, expectedNoun, quote, showKey } from './describe.ts';
import { keysAt } from './schema-keys.ts';
import { locate, pathLabel, toJS } from './source-tree.ts';
import type { Located, TreeNode } from './source-tree.ts';
import { closest, didYouMean } from './suggest.ts';

/** Runs a zod schema over a positioned tree and maps every issue back to the key or value at fault. */

export interface Finding {
  readonly pos: SourcePosition;
  readonly message: string;
  /** The node the finding is about (undefined for key problems: keys are never templated). */
  readonly node: TreeNode | undefined;
  /** For an unknown key with a suggestion: the suggested key's path. */
  readonly suggests?: string;
  /** For a missing required key: its path. */
  readonly missing?: string;
}

export type TreeValidation<T> = { readonly ok: true; readonly data: T } | { readonly ok: false; readonly findings: readonly Finding[] };

export function validateTree<S extends z.ZodType>(
  schema: S,
  root: TreeNode,
  labelPrefix: readonly PropertyKey[] = [],
): TreeValidation<z.output<S>> {
  const input = toJS(root);
  const result = schema.safeParse(input, { error: errorMap });
  if (result.success) return { ok: true, data: result.data };
  const context: Context = { schema, root, input, labelPrefix };
  const findings = result.error.issues.flatMap((issue) => mapIssue(issue, [], context));
  // "unknown key 'hots' (did you mean 'host'?)" already explains the missing 'host'.
  const suggested = new Set(findings.flatMap((f) => (f.suggests === undefined ? [] : [f.suggests])));
  return { ok: false, findings: findings.filter((f) => f.missing === undefined || !suggested.has(f.missing)) };
}

interface Context {
  readonly schema: z.core.$ZodType;
  readonly root: TreeNode;
  readonly input: unknown;
  readonly labelPrefix: readonly PropertyKey[];
}

function mapIssue(issue: z.core.$ZodIssue, base: readonly PropertyKey[], context: Context): Finding[] {
  const { schema, root, labelPrefix } = context;
  const path = [...base, ...issue.path];
  const label = (p: readonly PropertyKey[]): string => {
    const text = pathLabel([...labelPrefix, ...p]);
    return text === '' ? '' : `${text}: `;
  };
  const located = locate(root, path);
  /** A key written in the file, or (inside a substituted value) the value's template. */
  const atKey = (where: Located): Pick<Finding, 'pos' | 'node'> =>
    where.rest.length === 0 && where.keyPos !== undefined ? { pos: where.keyPos, node: undefined } : { pos: where.node.pos, node: where.node };
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = keysAt(schema, path);
      return issue.keys.map((key): Finding => {
        const at = atKey(locate(root, [...path, key]));
        const near = closest(key, allowed);
        const message = `${label(path)}unknown key ${showKey(key)}${near === undefined ? '' : ` (did you mean '${near}'?)`}`;
        return near === undefined ? { ...at, message } : { ...at, message, suggests: pathLabel([...path, near]) };
      });
    }
    case 'invalid_key': {
      const inner = issue.issues.map((i) => i.message).join('; ');
      const key = String(path.at(-1));
      return [{ ...atKey(located), message: `${label(path.slice(0, -1))}key ${showKey(key)} ${inner}` }];
    }
    case 'invalid_union': {
      const branches = issue.errors;
      const typeOnly = branches.every((b) => b.length > 0 && b.every((i) => i.code === 'invalid_type' && i.path.length === 0));
      if (!typeOnly) {
        const chosen = branches.find((b) => !b.every((i) => i.code === 'invalid_type' && i.path.length === 0));
        if (chosen !== undefined) return chosen.flatMap((i) => mapIssue(i, path, context));
      }
      const expected = [...new Set(branches.flatMap((b) => b.map((i) => (i.code === 'invalid_type' ? expectedNoun(i.expected) : ''))))];
      const value = located.rest.length === 0 ? toJS(located.node) : undefined;
      const message = `must be ${alternatives(expected.filter((e) => e !== ''))}, not ${describeValue(value)}`;
      return [{ pos: located.node.pos, node: located.node, message: `${label(path)}${message}` }];
    }
    case 'invalid_type': {
      const key = path.at(-1);
      if (typeof key === 'string' && valueAt(context.input, path) === undefined) {
        const message = `${label(path.slice(0, -1))}missing required key '${key}'`;
        // Keys are written literally, unless the whole mapping came from a variable.
        const node = located.node.type === 'value' ? located.node : undefined;
        return [{ pos: located.node.pos, node, message, missing: pathLabel(path) }];
      }
      const node = located.node;
      const literal = located.rest.length === 0 && node.type === 'scalar' && node.via === undefined;
      const quoteHint =
        literal && issue.expected === 'string' && (typeof node.value === 'number' || typeof node.value === 'boolean') && !issue.message.includes('quote');
      return [{ pos: node.pos, node, message: `${label(path)}${issue.message}${quoteHint ? ' (quote it in YAML)' : ''}` }];
    }
    default:
      return [{ pos: located.node.pos, node: located.node, message: `${label(path)}${issue.message}` }];
  }
}

/** Wording for zod's built-in checks; messages given in a schema take precedence over these. */
export const errorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${expectedNoun(issue.expected)}, not ${describeValue(issue.input)}`;
    case 'invalid_value': {
      const values = issue.values.map((v) => (typeof v === 'string' ? `'${v}'` : String(v)));
      const hint = typeof issue.input === 'string' ? didYouMean(issue.input, issue.values.filter((v) => typeof v === 'string')) : '';
      const expected = values.length === 1 ? `${values[0]}` : `one of ${values.join(', ')}`;
      return `must be ${expected}, not ${describeValue(issue.input)}${hint}`;
    }
    case 'too_small':
      return sizeMessage(issue.origin, 'at least', issue.minimum, issue.inclusive ?? true);
    case 'too_big':
      return sizeMessage(issue.origin, 'at most', issue.maximum, issue.inclusive ?? true);
    case 'invalid_format':
      return issue.format === 'regex' && 'pattern' in issue ? `must match ${String(issue.pattern)}` : `must be a valid ${issue.format}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    case 'custom':
      return `is invalid: ${quote(String(issue.input))}`;
    default:
      return undefined;
  }
};

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let current = value;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    const record = current as Record<PropertyKey, unknown>;
    if (!Object.hasOwn(record, segment)) return undefined;
    current = record[segment];
  }
  return current;
}

function sizeMessage(origin: string, bound: 'at least' | 'at most', limit: number | bigint, inclusive: boolean): string {
  const n = Number(limit);
  const effective = inclusive ? n : bound === 'at least' ? n + 1 : n - 1;
  switch (origin) {
    case 'string':
      return bound === 'at least' && effective === 1 ? 'must not be empty' : `must be ${bound} ${effective} characters long`;
    case 'array':
    case 'set':
      return `must have ${bound} ${effective} item${effective === 1 ? '' : 's'}`;
    default:
      return `must be ${inclusive ? bound : bound === 'at least' ? 'greater than' : 'less than'} ${n}`;
  }
}
