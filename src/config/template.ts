import type { SourcePosition } from '../util/errors.ts';
import { quote } from './describe.ts';

/**
 * `{{ var }}` templates in playbook strings. An expression is a variable path (`podPidsLimit`,
 * `node.name`, `node.labels.topology.kubernetes.io/zone`) or a quoted literal (`{{ '{{' }}`
 * writes a literal `{{`). There are no filters or code: values are data, never evaluated.
 */

export type TemplatePart =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'var'; readonly path: string; readonly pos: SourcePosition };

export interface TemplateProblem {
  readonly pos: SourcePosition;
  readonly message: string;
}

export interface ParsedTemplate {
  readonly parts: readonly TemplatePart[];
  readonly problems: readonly TemplateProblem[];
}

const VAR_PATH = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_/-]+)*$/;

/** `braces[i]` is where the i-th `{{` of the value is written. */
export function parseTemplate(value: string, braces: readonly SourcePosition[], fallback: SourcePosition): ParsedTemplate {
  const parts: TemplatePart[] = [];
  const problems: TemplateProblem[] = [];
  const starts = braceOffsets(value);
  let text = '';
  let i = 0;
  while (i < value.length) {
    const open = value.indexOf('{{', i);
    if (open === -1) break;
    const pos = braces[starts.indexOf(open)] ?? fallback;
    const close = value.indexOf('}}', open + 2);
    if (close === -1) {
      problems.push({ pos, message: "unterminated '{{' (no matching '}}')" });
      break;
    }
    text += value.slice(i, open);
    const inner = value.slice(open + 2, close).trim();
    const literal = /^'([^']*)'$/.exec(inner) ?? /^"([^"]*)"$/.exec(inner);
    if (literal !== null) text += literal[1] ?? '';
    else if (VAR_PATH.test(inner)) {
      if (text !== '') parts.push({ type: 'text', text });
      text = '';
      parts.push({ type: 'var', path: inner, pos });
    } else if (inner === '') problems.push({ pos, message: "empty '{{ }}'" });
    else {
      problems.push({
        pos,
        message: `invalid template expression ${quote(inner)}: only a variable name such as {{ podPidsLimit }} or {{ node.name }}, or a quoted literal such as {{ '{{' }}`,
      });
    }
    i = close + 2;
  }
  text += value.slice(i);
  if (text !== '' || parts.length === 0) parts.push({ type: 'text', text });
  return { parts, problems };
}

export function braceOffsets(text: string): number[] {
  const out: number[] = [];
  for (let i = text.indexOf('{{'); i !== -1; i = text.indexOf('{{', i + 2)) out.push(i);
  return out;
}

export type VarLookup = (path: string) => { readonly found: true; readonly value: unknown } | { readonly found: false; readonly message: string };

export interface Rendered {
  readonly value: unknown;
  /** `{{ x }} = 1, {{ y }} = "a"`: shown with errors about the value. */
  readonly via: string;
  readonly problems: readonly TemplateProblem[];
}

/**
 * Substitutes variables. A template that is exactly one `{{ var }}` yields the variable's own
 * value (number, boolean, list, map); otherwise the result is a string.
 */
export function renderTemplate(parts: readonly TemplatePart[], lookup: VarLookup): Rendered {
  const problems: TemplateProblem[] = [];
  const used: string[] = [];
  const values = parts.map((part): unknown => {
    if (part.type === 'text') return part.text;
    const result = lookup(part.path);
    if (!result.found) {
      problems.push({ pos: part.pos, message: result.message });
      return '';
    }
    used.push(`{{ ${part.path} }} = ${showValue(result.value)}`);
    return result.value;
  });
  const via = used.join(', ');
  const [only] = parts;
  if (parts.length === 1 && only?.type === 'var') return { value: values[0], via, problems };
  let out = '';
  parts.forEach((part, i) => {
    const value = values[i];
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out += String(value);
    else if (part.type === 'var') {
      const what = value === null ? 'empty (null)' : Array.isArray(value) ? 'a list' : 'a mapping';
      problems.push({
        pos: part.pos,
        message: `variable '${part.path}' is ${what}; it can only be used as a whole value ("{{ ${part.path} }}" with nothing around it)`,
      });
    }
  });
  return { value: out, via, problems };
}

function showValue(value: unknown): string {
  if (typeof value === 'string') return quote(value, 40);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return Array.isArray(value) ? 'a list' : 'a mapping';
}
