/**
 * Kubernetes label selectors as `kubectl get -l` takes them (k8s.io/apimachinery/pkg/labels):
 * `key`, `!key`, `key=value` (`==`), `key!=value`, `key in (a,b)`, `key notin (a,b)`, joined by
 * commas (all must hold). Parsed here so that a bad selector in an inventory or a `--limit` is
 * an error naming it before anything is contacted; the API server filters with the same text.
 */

export type Requirement =
  | { readonly op: 'exists' | 'notexists'; readonly key: string }
  | { readonly op: '=' | '!='; readonly key: string; readonly value: string }
  | { readonly op: 'in' | 'notin'; readonly key: string; readonly values: readonly string[] };

// A qualified name with an optional DNS-subdomain prefix, as the API server validates label keys.
const NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/;
const PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

/** Why `key` is not a valid label key, or undefined. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (prefix !== undefined && (prefix.length > 253 || !PREFIX.test(prefix))) return `invalid label key '${key}': the prefix must be a DNS subdomain`;
  if (name.length > 63 || !NAME.test(name)) return `invalid label key '${key}': the name must be 63 characters or less, alphanumerics with - _ . inside`;
  return undefined;
}

function valueProblem(value: string): string | undefined {
  return value.length <= 63 && VALUE.test(value) ? undefined : `invalid label value '${value}'`;
}

/** Splits on the commas that separate requirements (not those inside `in (a,b)`). */
export function splitRequirements(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth = Math.max(0, depth - 1);
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts;
}

const SET = /^(\S+)\s+(in|notin)\s*\(([^()]*)\)$/;

/** One requirement, or why it is not one. */
export function parseRequirement(raw: string): Requirement | string {
  const term = raw.trim();
  if (term === '') return 'empty requirement';
  const checked = (req: Requirement): Requirement | string => {
    const keyIssue = labelKeyProblem(req.key);
    if (keyIssue) return keyIssue;
    const values = 'value' in req ? [req.value] : 'values' in req ? req.values : [];
    return values.map(valueProblem).find((p) => p !== undefined) ?? req;
  };
  const set = SET.exec(term);
  if (set) {
    const values = (set[3] ?? '').split(',').map((v) => v.trim());
    if (values.some((v) => v === '')) return `'${term}': a set needs values, like (a,b)`;
    return checked({ op: set[2] === 'in' ? 'in' : 'notin', key: set[1] ?? '', values });
  }
  const ne = term.indexOf('!=');
  if (ne !== -1) return checked({ op: '!=', key: term.slice(0, ne).trim(), value: term.slice(ne + 2).trim() });
  const eq = /==?/.exec(term);
  if (eq) return checked({ op: '=', key: term.slice(0, eq.index).trim(), value: term.slice(eq.index + eq[0].length).trim() });
  if (term.startsWith('!')) return checked({ op: 'notexists', key: term.slice(1).trim() });
  if (/\s|[()]/.test(term)) return `unable to parse requirement '${term}'`;
  return checked({ op: 'exists', key: term });
}

/** A whole selector (comma-joined requirements), or the problems with it. */
export function parseSelector(text: string): { readonly ok: true; readonly requirements: readonly Requirement[] } | { readonly ok: false; readonly problem: string } {
  if (text.trim() === '') return { ok: true, requirements: [] };
  const requirements: Requirement[] = [];
  for (const part of splitRequirements(text)) {
    const req = parseRequirement(part);
    if (typeof req === 'string') return { ok: false, problem: req };
    requirements.push(req);
  }
  return { ok: true, requirements };
}

export function matchesRequirement(req: Requirement, labels: Readonly<Record<string, string>>): boolean {
  const value = Object.hasOwn(labels, req.key) ? labels[req.key] : undefined;
  switch (req.op) {
    case 'exists':
      return value !== undefined;
    case 'notexists':
      return value === undefined;
    case '=':
      return value === req.value;
    // as in Kubernetes: a node without the key matches `key!=v` and `key notin (…)`
    case '!=':
      return value !== req.value;
    case 'in':
      return value !== undefined && req.values.includes(value);
    case 'notin':
      return value === undefined || !req.values.includes(value);
  }
}

export function matchesSelector(requirements: readonly Requirement[], labels: Readonly<Record<string, string>>): boolean {
  return requirements.every((req) => matchesRequirement(req, labels));
}
