/**
 * The part of k8s.io/client-go/util/jsonpath that kube-bench's `path:` tests use, with
 * AllowMissingKeys(true) as check/test.go executeJSONPath sets it: `{.a.b.c}` field chains,
 * `{range .list[:]}…{end}`, `{}` / `{@}` (the current value) and quoted text `{','}`. Anything
 * else throws UnsupportedPath, so the oracle never guesses at syntax it does not model.
 */
export class UnsupportedPath extends Error {}

/** What jsonpath itself reports (kube-bench turns it into a failed test item). */
export class PathError extends Error {}

type Step = { readonly kind: 'field'; readonly name: string } | { readonly kind: 'all' } | { readonly kind: 'current' } | { readonly kind: 'text'; readonly text: string };
type Node = { readonly kind: 'value'; readonly steps: readonly Step[] } | { readonly kind: 'range'; readonly steps: readonly Step[] } | { readonly kind: 'end' };

// jsonpath's parser ends a field name at any of these (parser.go isTerminator)
const FIELD = /^\.([^\s.,[\]$@{}()=<>!&|?'"]+)/;

function parseSteps(action: string, template: string): Step[] {
  const steps: Step[] = [];
  let rest = action.trim();
  if (rest === '' || rest === '@') return [{ kind: 'current' }];
  const quoted = /^(['"])(.*)\1$/s.exec(rest);
  if (quoted) return [{ kind: 'text', text: quoted[2] ?? '' }];
  while (rest !== '') {
    const field = FIELD.exec(rest);
    if (field) {
      steps.push({ kind: 'field', name: field[1] ?? '' });
      rest = rest.slice(field[0].length);
    } else if (rest.startsWith('[:]') || rest.startsWith('[*]')) {
      steps.push({ kind: 'all' });
      rest = rest.slice(3);
    } else throw new UnsupportedPath(`jsonpath ${JSON.stringify(template)}: ${JSON.stringify(rest)} is not modelled`);
  }
  return steps;
}

function parseTemplate(template: string): Node[] {
  const nodes: Node[] = [];
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{', i);
    if (open !== i) throw new UnsupportedPath(`jsonpath ${JSON.stringify(template)}: text outside {…} is not modelled`);
    // a quoted '}' would end the action early; kube-bench's templates have none
    const close = template.indexOf('}', open);
    if (close === -1) throw new PathError(`unclosed action in ${JSON.stringify(template)}`);
    const action = template.slice(open + 1, close).trim();
    if (action === 'end') nodes.push({ kind: 'end' });
    else if (action.startsWith('range ')) nodes.push({ kind: 'range', steps: parseSteps(action.slice('range '.length), template) });
    else nodes.push({ kind: 'value', steps: parseSteps(action, template) });
    i = close + 1;
  }
  return nodes;
}

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** jsonpath.go evalField / evalArray: a missing key is no result (AllowMissingKeys), a nil value is skipped. */
function walk(input: readonly unknown[], steps: readonly Step[]): unknown[] {
  let current: unknown[] = [...input];
  for (const step of steps) {
    switch (step.kind) {
      case 'current':
        break;
      case 'text':
        current = [step.text];
        break;
      case 'field':
        current = current.flatMap((v) => (isMap(v) && Object.hasOwn(v, step.name) ? [v[step.name]] : []));
        break;
      case 'all':
        current = current.flatMap((v) => {
          if (v === null || v === undefined) return [];
          if (!Array.isArray(v)) throw new PathError(`${typeof v} is not array or slice`);
          return v;
        });
        break;
    }
  }
  return current;
}

/** jsonpath.go evalToText: fmt.Fprint of the value. Maps, lists and nulls print as Go would; not modelled. */
function print(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new UnsupportedPath(`printing ${JSON.stringify(value)} the way Go's fmt does is not modelled`);
}

/** jsonpath.go FindResults + PrintResults: one node's results joined by spaces, range bodies once per element. */
function run(nodes: readonly Node[], start: number, data: unknown): { out: string; next: number } {
  let out = '';
  for (let i = start; i < nodes.length; i++) {
    const node = nodes[i];
    if (!node) break;
    if (node.kind === 'end') return { out, next: i + 1 };
    if (node.kind === 'range') {
      const values = walk(data === undefined ? [] : [data], node.steps);
      for (const value of values) out += run(nodes, i + 1, value).out;
      // the body is walked once more, without output, to find its end (jsonpath.go: FindResults(nil))
      i = run(nodes, i + 1, undefined).next - 1;
      continue;
    }
    out += walk(data === undefined ? [] : [data], node.steps).map(print).join(' ');
  }
  return { out, next: nodes.length };
}

/** check/test.go executeJSONPath. */
export function executeJSONPath(template: string, data: unknown): string {
  return run(parseTemplate(template), 0, data).out;
}
